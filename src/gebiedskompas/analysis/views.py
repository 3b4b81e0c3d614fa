"""Pages of the gebiedsanalyse: start a run, stored runs, the "why" of one area, the map data
and the early-warning list. Who may run or read an analysis of which municipality is decided by
accounts.permissions (run_analysis, view_analysis).

Views authorise, validate, call one service or selector and render.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from gebiedskompas.accounts.permissions import can, can_within, permission_somewhere
from gebiedskompas.analysis import presenters, selectors, services
from gebiedskompas.analysis.forms import AnalysisForm, domain_label
from gebiedskompas.analysis.models import AnalysisRun
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError, NotFound
from gebiedskompas.i18n import error_text

PARTIAL_HEADER = "X-Kompas-Partial"


def _run_or_404(request: HttpRequest, run_id: int) -> AnalysisRun:
    try:
        run = selectors.run_or_404(run_id)
    except NotFound as exc:
        raise Http404(error_text(exc)) from exc
    if not can_within(request.user, "view_analysis", run.municipality):
        raise PermissionDenied
    return run


def _result_context(run: AnalysisRun) -> dict[str, Any]:
    rows = presenters.ranking(run)
    return {
        "run": run,
        "method_title": presenters.method_title(run.method),
        "rows": rows,
        "domain_labels": [domain_label(d) for d in run.domain_names],
        "weights": [
            (domain_label(k), presenters.number(v, 3)) for k, v in run.weights_used.items()
        ],
        "sensitivity_chart": presenters.sensitivity_chart(run, rows),
    }


@permission_somewhere("run_analysis")
@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    partial = request.headers.get(PARTIAL_HEADER) == "1"
    if request.method != "POST":
        return render(request, "analysis/start.html", {"form": AnalysisForm()})
    form = AnalysisForm(request.POST)
    if form.is_valid():
        gemeente = Area.objects.filter(code=form.cleaned_data["municipality"]).first()
        if not can(request.user, "run_analysis", gemeente):
            raise PermissionDenied
        try:
            run = services.run_analysis(
                method=form.cleaned_data["method"],
                municipality=form.cleaned_data["municipality"],
                level=form.cleaned_data["level"],
                period=form.cleaned_data["period"],
                weights=form.weights(),
                missing=form.cleaned_data["missing"],
                sensitivity=form.cleaned_data["sensitivity"],
                user=request.user,
            )
        except KompasError as exc:
            form.add_error(None, error_text(exc))
        else:
            if partial:
                response = render(request, "analysis/_result.html", _result_context(run))
                response["X-Kompas-Run-Url"] = reverse("analysis:run", args=[run.pk])
                return response
            return redirect("analysis:run", run_id=run.pk)
    template = "analysis/_errors.html" if partial else "analysis/start.html"
    return render(request, template, {"form": form}, status=400)


@permission_somewhere("view_analysis")
@require_safe
def run_list(request: HttpRequest) -> HttpResponse:
    runs = [
        (run, presenters.method_title(run.method))
        for run in selectors.runs()
        if can_within(request.user, "view_analysis", run.municipality)
    ]
    return render(request, "analysis/runs.html", {"runs": runs})


@permission_somewhere("view_analysis")
@require_safe
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_or_404(request, run_id)
    form = AnalysisForm(initial=AnalysisForm.initial_from_run(run))
    return render(request, "analysis/run.html", {"form": form, **_result_context(run)})


@permission_somewhere("view_analysis")
@require_safe
def run_geojson(request: HttpRequest, run_id: int) -> JsonResponse:
    run = _run_or_404(request, run_id)
    data = selectors.run_geojson(
        run,
        area_url=reverse("web:area", args=["CODE"]),
        why_url=reverse("analysis:why", args=[run.pk, "CODE"]),
    )
    return JsonResponse(data, content_type="application/geo+json")


@permission_somewhere("view_analysis")
@require_safe
def why(request: HttpRequest, run_id: int, code: str) -> HttpResponse:
    run = _run_or_404(request, run_id)
    try:
        row = selectors.result_row(run, code)
    except NotFound as exc:
        raise Http404(error_text(exc)) from exc
    return render(
        request,
        "analysis/why.html",
        {
            "run": run,
            "row": row,
            "method_title": presenters.method_title(run.method),
            "score": presenters.number(row.score),
            "band": presenters.band_label(row.band),
            "sensitivity": run.sensitivity.get("areas", {}).get(code) if run.sensitivity else None,
            **presenters.explanation(run, row),
        },
    )


@permission_somewhere("view_analysis")
@require_safe
def early_warning(request: HttpRequest) -> HttpResponse:
    form = AnalysisForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "report": None, "error": ""}
    if request.GET:
        municipality = request.GET.get("municipality", "")
        level = request.GET.get("level", "buurt")
        period = request.GET.get("period", "")
        try:
            gemeente = selectors.municipality_or_error(municipality)
            if not can_within(request.user, "view_analysis", gemeente):
                raise PermissionDenied
            context["report"] = selectors.trend_report(gemeente, level, period)
        except KompasError as exc:
            context["error"] = error_text(exc)
        context["selected"] = {"municipality": municipality, "level": level, "period": period}
    if context["report"] is not None:
        context["warnings"] = [
            (w, [domain_label(d) for d in w.domains]) for w in context["report"].warnings
        ]
    return render(
        request, "analysis/early_warning.html", context, status=400 if context["error"] else 200
    )
