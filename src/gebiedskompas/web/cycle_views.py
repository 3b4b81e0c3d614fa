"""Pages of the gebiedscyclus beside an area's figures: agenda, plan and actions, activities,
koppelkansen and barriers; and per municipality the budgets, recurring barriers and the progress
report.

Reading: the agenda page is public but shows adopted agendas only to readers without
view_internal; the other area pages need view_internal, edit_plan or edit_activity on the area.
Writing goes through `cycle.services`, which checks edit_plan (or, for an afdeling or partner,
edit_activity on actions and activities it owns) again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gebiedskompas.accounts.permissions import can, can_within
from gebiedskompas.accounts.roles import EDIT_ACTIVITY, EDIT_PLAN, VIEW_INTERNAL
from gebiedskompas.areas.domain.geometry import geometry_from_wkb, rd_to_wgs84
from gebiedskompas.areas.models import Area, Level
from gebiedskompas.core.errors import KompasError, NotFound
from gebiedskompas.cycle import selectors, services
from gebiedskompas.cycle.domain import workflow
from gebiedskompas.cycle.domain.workflow import ActionStatus, AgendaStatus
from gebiedskompas.cycle.models import (
    Action,
    BarrierCategory,
    CouplingOpportunity,
    Direction,
)
from gebiedskompas.i18n import error_message
from gebiedskompas.indicators.models import Indicator

PLAN_READ = (VIEW_INTERNAL, EDIT_PLAN, EDIT_ACTIVITY)

# The buttons an action's status can be moved with, in the order shown.
ACTION_BUTTONS = {
    ActionStatus.IN_PROGRESS: gettext_lazy("Start uitvoering"),
    ActionStatus.ON_HOLD: gettext_lazy("Pauzeer"),
    ActionStatus.DONE: gettext_lazy("Rond af"),
    ActionStatus.CANCELLED: gettext_lazy("Annuleer"),
}
AGENDA_BUTTONS = {
    AgendaStatus.CONSULTATION: gettext_lazy("Start consultatie"),
    AgendaStatus.PROPOSED: gettext_lazy("Leg voor aan college/raad"),
    AgendaStatus.ADOPTED: gettext_lazy("Registreer vaststelling"),
    AgendaStatus.CONCEPT: gettext_lazy("Terug naar concept"),
}


def _can_any(user: Any, actions: tuple[str, ...], area: Area) -> bool:
    return any(can(user, a, area) for a in actions)


def _deny(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def area_view(*actions: str) -> Callable[..., Callable[..., HttpResponse]]:
    """The area in the URL must exist (else 404) and the user may do one of `actions` for it
    (none: public)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, code: str, **kwargs: Any) -> HttpResponse:
            area = (
                Area.objects.select_related("parent__parent__parent", "municipality")
                .filter(code=code)
                .first()
            )
            if area is None:
                raise Http404(_("Onbekend gebied: %(code)s") % {"code": code})
            if actions and not _can_any(request.user, actions, area):
                return _deny(request)
            return view(request, area, **kwargs)

        return wrapped

    return decorator


def tabs(request: HttpRequest, area: Area, current: str) -> list[dict[str, Any]]:
    """The area's tabs the reader may open: figures and agenda for everyone, the rest for
    readers of plans."""
    items = [
        ("cijfers", _("Cijfers"), reverse("web:area", args=[area.code])),
        ("agenda", _("Agenda"), reverse("web:area-agenda", args=[area.code])),
    ]
    if _can_any(request.user, PLAN_READ, area):
        items += [
            ("plan", _("Plan"), reverse("web:area-plan", args=[area.code])),
            ("activiteiten", _("Activiteiten"), reverse("web:area-activities", args=[area.code])),
            ("koppelkansen", _("Koppelkansen"), reverse("web:area-couplings", args=[area.code])),
            ("knelpunten", _("Knelpunten"), reverse("web:area-barriers", args=[area.code])),
        ]
    return [{"key": k, "label": label, "url": url, "current": k == current}
            for k, label, url in items]  # fmt: skip


def area_cycle_context(request: HttpRequest, area: Area) -> dict[str, Any]:
    """For the area page: its tabs and, for internal readers, where it stands in the cycle."""
    status = None
    if _can_any(request.user, PLAN_READ, area):
        status = selectors.cycle_status(area, year=timezone.localdate().year)
    return {"cycle_tabs": tabs(request, area, "cijfers"), "cycle_status": status}


def _page(
    request: HttpRequest, area: Area, current: str, template: str, **context: Any
) -> HttpResponse:
    context.update(
        area=area,
        tabs=tabs(request, area, current),
        can_edit=can(request.user, EDIT_PLAN, area),
    )
    return render(request, f"web/cycle/{template}", context)


def _error(request: HttpRequest, exc: KompasError) -> None:
    messages.error(request, error_message(exc))


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise Http404 from None


# --- agenda -------------------------------------------------------------------------------------


class AgendaForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titel"), max_length=200)
    start_year = forms.IntegerField(
        label=gettext_lazy("Vanaf jaar"), min_value=2000, max_value=2100
    )
    end_year = forms.IntegerField(
        label=gettext_lazy("Tot en met jaar"), min_value=2000, max_value=2100
    )


class PriorityForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titel van het speerpunt"), max_length=200)
    motivation = forms.CharField(
        label=gettext_lazy("Motivering"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Waarom dit speerpunt: wat laten de cijfers en verhalen zien?"),
    )
    owner = forms.CharField(label=gettext_lazy("Eigenaar"), max_length=160, required=False)
    analysis_run = forms.TypedChoiceField(
        label=gettext_lazy("Gebaseerd op gebiedsanalyse"), required=False, coerce=int,
        empty_value=None,
    )  # fmt: skip
    indicator = forms.ChoiceField(label=gettext_lazy("Doel: indicator"), required=False)
    target_value = forms.DecimalField(
        label=gettext_lazy("Doel: streefwaarde"), required=False, max_digits=14, decimal_places=3
    )
    target_year = forms.IntegerField(
        label=gettext_lazy("Doel: jaar"), required=False, min_value=2000, max_value=2100
    )
    direction = forms.ChoiceField(
        label=gettext_lazy("Doel: richting"), choices=Direction.choices, required=False
    )

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        from gebiedskompas.analysis.models import AnalysisRun

        super().__init__(*args, **kwargs)
        municipality_id = area.municipality_id or area.pk
        runs = AnalysisRun.objects.filter(municipality_id=municipality_id).order_by("-pk")[:20]
        field = self.fields["analysis_run"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [(r.pk, str(r)) for r in runs]
        indicator = self.fields["indicator"]
        assert isinstance(indicator, forms.ChoiceField)
        indicator.choices = [("", "—")] + list(
            Indicator.objects.order_by("name").values_list("key", "name")
        )


@area_view()
@require_http_methods(["GET", "HEAD", "POST"])
def area_agenda(request: HttpRequest, area: Area) -> HttpResponse:
    """The area's agendas with priorities and targets against the latest values; editors
    create an agenda or add a priority (with a target)."""
    true_values = can(request.user, VIEW_INTERNAL, area)
    internal = true_values or can(request.user, EDIT_PLAN, area)
    agendas = selectors.visible_agendas(area, internal=internal)
    agenda_form = AgendaForm(None, auto_id="agenda_%s")  # ids apart from the priority form
    priority_form = PriorityForm(None, area=area)
    if request.method == "POST":
        if not can(request.user, EDIT_PLAN, area):
            return _deny(request)
        if request.POST.get("form") == "agenda":
            agenda_form = AgendaForm(request.POST, auto_id="agenda_%s")
            if agenda_form.is_valid():
                try:
                    services.create_agenda(area.code, by=request.user, **agenda_form.cleaned_data)
                except KompasError as exc:
                    agenda_form.add_error(None, error_message(exc))
                else:
                    messages.success(request, _("Gebiedsagenda aangemaakt."))
                    return redirect("web:area-agenda", code=area.code)
        else:
            priority_form = PriorityForm(request.POST, area=area)
            agenda_id = _int(request.POST.get("agenda"))
            if priority_form.is_valid():
                try:
                    _add_priority(agenda_id, priority_form.cleaned_data, request.user)
                except KompasError as exc:
                    priority_form.add_error(None, error_message(exc))
                else:
                    messages.success(request, _("Speerpunt toegevoegd."))
                    return redirect("web:area-agenda", code=area.code)
    shown = []
    for agenda in agendas:
        status = AgendaStatus(agenda.status)
        allowed = workflow.AGENDA_ALLOWED[status] & workflow.AGENDA_REQUESTABLE
        shown.append(
            {
                "agenda": agenda,
                # The public sees targets against disclosed values only.
                "priorities": selectors.target_rows(agenda, public=not true_values),
                "editable": status in workflow.AGENDA_EDITABLE or status is AgendaStatus.ADOPTED,
                "buttons": [(s.value, AGENDA_BUTTONS[s]) for s in AGENDA_BUTTONS if s in allowed],
                "may_adopt": AgendaStatus.ADOPTED in allowed,
                "history": list(agenda.status_changes.all()) if internal else [],
                "documents": list(agenda.documents.all()),
            }
        )
    return _page(
        request, area, "agenda", "agenda.html",
        agendas=shown, agenda_form=agenda_form, priority_form=priority_form,
        internal=internal,
    )  # fmt: skip


def _add_priority(agenda_id: int, data: dict[str, Any], by: Any) -> None:
    from django.db import transaction

    with transaction.atomic():
        priority = services.add_priority(
            agenda_id,
            title=data["title"],
            motivation=data.get("motivation") or "",
            owner=data.get("owner") or "",
            analysis_run_id=data.get("analysis_run"),
            indicator_keys=[data["indicator"]] if data.get("indicator") else [],
            by=by,
        )
        if data.get("indicator") and data.get("target_value") is not None:
            services.add_target(
                priority.pk,
                indicator_key=data["indicator"],
                value=data["target_value"],
                year=data.get("target_year") or priority.agenda.end_year,
                direction=data.get("direction") or Direction.UP,
                by=by,
            )


@require_POST
@area_view(EDIT_PLAN)
def agenda_status(request: HttpRequest, area: Area, agenda_id: int) -> HttpResponse:
    from gebiedskompas.cycle.models import AreaAgenda

    if not AreaAgenda.objects.filter(pk=agenda_id, area=area).exists():
        raise Http404
    adopted_on = _date(request.POST.get("adopted_on"))
    upload = request.FILES.get("document")
    try:
        services.change_agenda_status(
            agenda_id,
            request.POST.get("status", ""),
            by=request.user,
            note=request.POST.get("note", ""),
            decision_reference=request.POST.get("decision_reference", ""),
            adopted_on=adopted_on,
            document=_read_upload(upload) if upload else None,
        )
    except KompasError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Status van de agenda gewijzigd."))
    return redirect("web:area-agenda", code=area.code)


def _read_upload(upload: Any) -> tuple[str, bytes]:
    """The upload's name and bytes, refused unread when larger than documents may be."""
    from gebiedskompas.core.uploads import UploadRefused
    from gebiedskompas.cycle.documents import max_document_bytes

    if upload.size > max_document_bytes():
        raise UploadRefused(
            _("%(name)s is groter dan %(mb)d MB.")
            % {"name": upload.name, "mb": max_document_bytes() // (1024 * 1024)},
            column="document",
        )
    return upload.name, upload.read()


def _visible_agenda(request: HttpRequest, area: Area, agenda_id: int) -> Any:
    """The agenda of the area when the reader may see it (adopted agendas: everyone; others:
    readers of internal pages or plan editors); 404 when unknown."""
    from gebiedskompas.cycle.models import AreaAgenda

    agenda = AreaAgenda.objects.filter(pk=agenda_id, area=area).first()
    if agenda is None:
        raise Http404(_("Onbekende gebiedsagenda."))
    internal = can(request.user, VIEW_INTERNAL, area) or can(request.user, EDIT_PLAN, area)
    if not internal and agenda.status not in selectors.PUBLIC_AGENDA_STATUSES:
        return None
    return agenda


@require_POST
@area_view(EDIT_PLAN)
def agenda_documents(request: HttpRequest, area: Area, agenda_id: int) -> HttpResponse:
    """Attach a document (a decision or another attachment) to the agenda."""
    from gebiedskompas.cycle.models import AreaAgenda

    if not AreaAgenda.objects.filter(pk=agenda_id, area=area).exists():
        raise Http404
    upload = request.FILES.get("document")
    try:
        if upload is None:
            raise KompasError(_("Kies een bestand."), column="document")
        name, data = _read_upload(upload)
        services.attach_agenda_document(
            agenda_id, name=name, data=data, by=request.user,
            title=request.POST.get("title", ""), kind=request.POST.get("kind", ""),
        )  # fmt: skip
    except KompasError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Document toegevoegd."))
    return redirect("web:area-agenda", code=area.code)


@area_view()
@require_safe
def agenda_document(
    request: HttpRequest, area: Area, agenda_id: int, document_id: int
) -> HttpResponse:
    """Download one of the agenda's documents: for those who may see the agenda."""
    from django.http import FileResponse

    agenda = _visible_agenda(request, area, agenda_id)
    if agenda is None:
        return _deny(request)
    document = agenda.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404(_("Onbekend document."))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Het bestand ontbreekt.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=document.file_name,
        content_type=document.content_type,
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    if agenda.status not in selectors.PUBLIC_AGENDA_STATUSES:
        response["Cache-Control"] = "private, no-store"
    return response


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


# --- plan and actions ---------------------------------------------------------------------------


class ActionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titel van de actie"), max_length=200)
    owner = forms.CharField(
        label=gettext_lazy("Eigenaar"),
        max_length=160,
        help_text=gettext_lazy("Afdeling of partner die de actie uitvoert."),
    )
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Speerpunt"), required=False, coerce=int, empty_value=None
    )
    start = forms.DateField(label=gettext_lazy("Start"), widget=forms.DateInput({"type": "date"}))
    end = forms.DateField(
        label=gettext_lazy("Einde"), required=False, widget=forms.DateInput({"type": "date"})
    )
    budget_planned = forms.DecimalField(
        label=gettext_lazy("Begroot (euro)"), required=False, min_value=0, decimal_places=2
    )
    budget_source = forms.CharField(
        label=gettext_lazy("Bron van het geld"), max_length=120, required=False
    )
    description = forms.CharField(
        label=gettext_lazy("Omschrijving"), required=False, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        from gebiedskompas.cycle.models import Priority

        super().__init__(*args, **kwargs)
        field = self.fields["priority"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [
            (p.pk, f"{p.title} ({p.agenda.start_year}–{p.agenda.end_year} v{p.agenda.version})")
            for p in Priority.objects.filter(agenda__area=area)
            .exclude(agenda__status="superseded")
            .select_related("agenda")
        ]


def _action_rows(request: HttpRequest, actions: list[Action], area: Area) -> list[dict[str, Any]]:
    rows = []
    for action in actions:
        allowed = workflow.ACTION_ALLOWED[ActionStatus(action.status)]
        editable = services.may_edit_action(request.user, action, area)
        rows.append(
            {
                "action": action,
                "editable": editable,
                "buttons": [(s.value, ACTION_BUTTONS[s]) for s in ACTION_BUTTONS if s in allowed]
                if editable
                else [],
            }
        )
    return rows


@area_view(*PLAN_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def area_plan(request: HttpRequest, area: Area) -> HttpResponse:
    """The area's yearly plans with their actions and budget; editors add a plan or an action."""
    year = timezone.localdate().year
    form = ActionForm(None, area=area, initial={"start": timezone.localdate()})
    if request.method == "POST":
        if not can(request.user, EDIT_PLAN, area):
            return _deny(request)
        if request.POST.get("form") == "plan":
            try:
                agenda = selectors.visible_agendas(area, internal=True)
                services.create_plan(
                    area.code,
                    _int(request.POST.get("year", year)),
                    agenda_id=agenda[0].pk if agenda else None,
                    by=request.user,
                )
            except KompasError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("Gebiedsplan aangemaakt."))
            return redirect("web:area-plan", code=area.code)
        form = ActionForm(request.POST, area=area)
        plan_id = _int(request.POST.get("plan"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_action(
                    plan_id,
                    title=data["title"],
                    owner=data["owner"],
                    start=data["start"],
                    end=data["end"],
                    priority_id=data["priority"],
                    budget_planned=data["budget_planned"] or 0,
                    budget_source=data["budget_source"],
                    description=data["description"],
                    by=request.user,
                )
            except KompasError as exc:
                form.add_error(None, error_message(exc))
            else:
                messages.success(request, _("Actie toegevoegd."))
                return redirect("web:area-plan", code=area.code)
    plans = []
    for plan in selectors.plans_for_area(area):
        plans.append(
            {
                "plan": plan,
                "budget": selectors.plan_budget(plan),
                "actions": _action_rows(request, list(plan.actions.all()), area),
            }
        )
    return _page(
        request, area, "plan", "plan.html",
        plans=plans, form=form, year=year,
        has_plan_this_year=any(p["plan"].year == year for p in plans),
        budgets=[b for b in selectors.budget_lines(area.municipality or area)
                 if b.area.pk == area.pk],
    )  # fmt: skip


def _action_or_404(area: Area, action_id: int) -> Action:
    action = (
        Action.objects.select_related("plan__area", "priority")
        .filter(pk=action_id, plan__area=area)
        .first()
    )
    if action is None:
        raise Http404(_("Onbekende actie."))
    return action


class UpdateForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Voortgang"), widget=forms.Textarea({"rows": 3}))
    date = forms.DateField(
        label=gettext_lazy("Datum"), required=False, widget=forms.DateInput({"type": "date"})
    )


@area_view(*PLAN_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def action_detail(request: HttpRequest, area: Area, action_id: int) -> HttpResponse:
    """One action: status buttons, progress updates, milestones, funding per source, barriers."""
    action = _action_or_404(area, action_id)
    editable = services.may_edit_action(request.user, action, area)
    may_record = services.may_record_barrier(request.user, area, action)
    update_form = UpdateForm(None, initial={"date": timezone.localdate()})
    if request.method == "POST":
        what = request.POST.get("form", "")
        if not (editable or (what == "barrier" and may_record)):
            return _deny(request)
        try:
            if what == "barrier":
                services.record_barrier(
                    area.code, action_id=action.pk, category=request.POST.get("category", ""),
                    description=request.POST.get("description", ""),
                    raised_by=request.POST.get("raised_by", ""), by=request.user,
                )  # fmt: skip
                messages.success(request, _("Knelpunt vastgelegd."))
            elif what == "status":
                services.change_action_status(
                    action.pk, request.POST.get("status", ""), by=request.user,
                    note=request.POST.get("note", ""),
                )  # fmt: skip
                messages.success(request, _("Status van de actie gewijzigd."))
            elif what == "update":
                update_form = UpdateForm(request.POST)
                if not update_form.is_valid():
                    raise KompasError(_("Schrijf wat er is gebeurd."), column="text")
                services.add_action_update(
                    action.pk, text=update_form.cleaned_data["text"],
                    on=update_form.cleaned_data["date"], by=request.user,
                )  # fmt: skip
                messages.success(request, _("Voortgang toegevoegd."))
            elif what == "milestone":
                due = _date(request.POST.get("due"))
                if due is None:
                    raise KompasError(_("Geef een datum voor de mijlpaal."), column="due")
                services.add_milestone(
                    action.pk, title=request.POST.get("title", ""), due=due, by=request.user
                )
                messages.success(request, _("Mijlpaal toegevoegd."))
            elif what == "milestone-done":
                services.complete_milestone(_int(request.POST.get("milestone")), by=request.user)
                messages.success(request, _("Mijlpaal behaald."))
            elif what == "place":
                services.place_action(
                    action.pk, area_code=request.POST.get("area", ""), by=request.user
                )
                messages.success(
                    request, _("De actie staat op de kaart en doet mee in de koppelkansen.")
                )
            elif what == "funding":
                services.set_action_funding(
                    action.pk,
                    source=request.POST.get("source", ""),
                    planned=_amount(request.POST.get("planned")),
                    committed=_amount(request.POST.get("committed")),
                    spent=_amount(request.POST.get("spent")),
                    by=request.user,
                )
                messages.success(request, _("Financiering bijgewerkt."))
            else:
                raise Http404
        except KompasError as exc:
            _error(request, exc)
        else:
            return redirect("web:action", code=area.code, action_id=action.pk)
    allowed = workflow.ACTION_ALLOWED[ActionStatus(action.status)]
    return _page(
        request, area, "plan", "action.html",
        action=action, editable=editable, update_form=update_form,
        buttons=[(s.value, ACTION_BUTTONS[s]) for s in ACTION_BUTTONS if s in allowed],
        updates=list(action.updates.all()), milestones=list(action.milestones.all()),
        funding=list(action.funding.all()), barriers=list(action.barriers.all()),
        history=list(action.status_changes.all()),
        couplings=list(action.couplings.select_related("activity_a", "activity_b")),
        places=[area, *Area.objects.filter(parent=area).order_by("code")],
        placed=getattr(action, "activity", None), may_record=may_record,
        categories=BarrierCategory.choices, raiser=services.raiser_name(request.user),
    )  # fmt: skip


def _amount(value: Any) -> Decimal:
    text = str(value or "0").strip().replace(" ", "").replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise KompasError(
            _("%(value)s is geen bedrag") % {"value": value}, column="planned"
        ) from None


# --- activities ---------------------------------------------------------------------------------


@area_view(*PLAN_READ)
@require_safe
def area_activities(request: HttpRequest, area: Area) -> HttpResponse:
    """Every department's and partner's activity in the area, as a list and on a map."""
    found = list(selectors.activities_for_area(area).order_by("start", "pk"))
    return _page(
        request, area, "activiteiten", "activities.html",
        activities=found, has_map=any(a.geometry_rd or (a.area and a.area.has_geometry)
                                      for a in found),
    )  # fmt: skip


@area_view(*PLAN_READ)
@require_safe
def area_activities_geojson(request: HttpRequest, area: Area) -> JsonResponse:
    """The area's activities with their own geometry (else their area's) in WGS84."""
    import shapely

    features = []
    for activity in selectors.activities_for_area(area):
        wkb = activity.geometry_rd or (activity.area.geometry_rd if activity.area else None)
        if not wkb:
            continue
        geometry = rd_to_wgs84(geometry_from_wkb(wkb))
        features.append(
            {
                "type": "Feature",
                "id": activity.pk,
                "geometry": shapely.geometry.mapping(geometry),
                "properties": {
                    "title": activity.title,
                    "owner": activity.owner,
                    "period": f"{activity.start} – {activity.end or '…'}",
                    "own_geometry": bool(activity.geometry_rd),
                },
            }
        )
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Content-Type"] = "application/geo+json"
    return response


# --- koppelkansen -------------------------------------------------------------------------------


def _may_decide(user: Any, coupling: CouplingOpportunity) -> bool:
    places = [coupling.municipality] + [
        a.area for a in (coupling.activity_a, coupling.activity_b) if a.area is not None
    ]
    return any(can(user, act, p) for p in places for act in (EDIT_PLAN, EDIT_ACTIVITY))


def _coupling_rows(request: HttpRequest, found: list[CouplingOpportunity]) -> list[dict[str, Any]]:
    return [{"c": c, "may_decide": _may_decide(request.user, c)} for c in found]


def _decide(request: HttpRequest) -> None:
    coupling_id = _int(request.POST.get("coupling"))
    decision = request.POST.get("decision", "")
    try:
        services.decide_coupling(
            coupling_id,
            accept=decision in ("action", "note"),
            outcome=decision if decision in ("action", "note") else "",
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
    except NotFound as exc:
        raise Http404 from exc
    except services.NotAllowed as exc:
        raise PermissionDenied from exc
    except KompasError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            {
                "action": _("Koppelkans benut: er is een gezamenlijke actie gemaakt."),
                "note": _("Koppelkans benut en genoteerd."),
            }.get(decision, _("Koppelkans afgewezen.")),
        )


@area_view(*PLAN_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def area_couplings(request: HttpRequest, area: Area) -> HttpResponse:
    """The koppelkansen touching the area, best first, with accept/dismiss for those who may
    decide; groups of three or more activities above."""
    if request.method == "POST":
        _decide(request)
        return redirect("web:area-couplings", code=area.code)
    found = list(selectors.couplings_for_area(area))
    return _page(
        request, area, "koppelkansen", "couplings.html",
        rows=_coupling_rows(request, found), groups=selectors.coupling_groups(found),
    )  # fmt: skip


# --- barriers -----------------------------------------------------------------------------------


@area_view(*PLAN_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def area_barriers(request: HttpRequest, area: Area) -> HttpResponse:
    """The barrier log of the area (and below); plan editors record, escalate and resolve; a
    department or partner records knelpunten of the area or of its own actions."""
    may_edit = can(request.user, EDIT_PLAN, area)
    may_record = services.may_record_barrier(request.user, area)
    if request.method == "POST":
        what = request.POST.get("form", "")
        if not (may_edit or (what == "record" and may_record)):
            return _deny(request)
        try:
            if what == "record":
                action = request.POST.get("action", "")
                services.record_barrier(
                    area.code,
                    category=request.POST.get("category", ""),
                    description=request.POST.get("description", ""),
                    raised_by=request.POST.get("raised_by", ""),
                    escalated_to=request.POST.get("escalated_to", ""),
                    action_id=_int(action) if action else None,
                    by=request.user,
                )
                messages.success(request, _("Knelpunt vastgelegd."))
            elif what == "escalate":
                services.escalate_barrier(
                    _int(request.POST.get("barrier")), to=request.POST.get("escalated_to", ""),
                    by=request.user,
                )  # fmt: skip
                messages.success(request, _("Knelpunt geëscaleerd."))
            elif what == "resolve":
                services.resolve_barrier(
                    _int(request.POST.get("barrier")),
                    resolution=request.POST.get("resolution", ""),
                    by=request.user,
                )
                messages.success(request, _("Knelpunt opgelost."))
            else:
                raise Http404
        except NotFound as exc:
            raise Http404 from exc
        except services.NotAllowed as exc:
            raise PermissionDenied from exc
        except KompasError as exc:
            _error(request, exc)
        return redirect("web:area-barriers", code=area.code)
    actions = [
        a for a in Action.objects.filter(plan__area=area).order_by("title")
        if may_edit or services.may_record_barrier(request.user, area, a)
    ]  # fmt: skip
    return _page(
        request, area, "knelpunten", "barriers.html",
        barriers=list(selectors.barriers_for_area(area)),
        categories=BarrierCategory.choices, actions=actions, may_record=may_record,
        raiser=services.raiser_name(request.user), municipality=area.municipality or area,
    )  # fmt: skip


# --- per municipality: recurring barriers, budgets, progress report -----------------------------


def _readable_municipalities(user: Any) -> list[Area]:
    """The municipalities the user may read internal pages of (somewhere inside), by name."""
    from gebiedskompas.accounts.permissions import scope_roots

    roots = scope_roots(user, VIEW_INTERNAL)
    found = Area.objects.filter(level=Level.GEMEENTE)
    if roots is not None:
        found = found.filter(
            Q(pk__in=roots) | Q(pk__in=Area.objects.filter(pk__in=roots).values("municipality_id"))
        )
    return list(found.order_by("name"))


def _municipality_or_deny(request: HttpRequest) -> Area | HttpResponse:
    """The municipality named by ``?gemeente=``; without it, the user's only municipality, or
    a page to choose one (from the main menu)."""
    code = request.GET.get("gemeente", "")
    if not code:
        if not request.user.is_authenticated:
            return _deny(request)
        choices = _readable_municipalities(request.user)
        if len(choices) == 1:
            return choices[0]
        if not choices:
            return _deny(request)
        return render(
            request, "web/cycle/choose_municipality.html",
            {"municipalities": choices, "path": request.path},
        )  # fmt: skip
    municipality = Area.objects.filter(code=code, level=Level.GEMEENTE).first()
    if municipality is None:
        raise Http404(_("Kies een gemeente."))
    if not can_within(request.user, VIEW_INTERNAL, municipality):
        return _deny(request)
    return municipality


@require_safe
def recurring_barriers(request: HttpRequest) -> HttpResponse:
    """Barrier categories met in several areas of the municipality: what the organisation can
    learn from."""
    municipality = _municipality_or_deny(request)
    if isinstance(municipality, HttpResponse):
        return municipality
    return render(
        request,
        "web/cycle/recurring_barriers.html",
        {"municipality": municipality, "rows": selectors.recurring_barriers(municipality)},
    )


@require_safe
def budgets(request: HttpRequest) -> HttpResponse:
    """Area budgets and handgeld: allocated and spent, per stadsdeel and for the municipality."""
    municipality = _municipality_or_deny(request)
    if isinstance(municipality, HttpResponse):
        return municipality
    year_text = request.GET.get("jaar", "")
    year = int(year_text) if year_text.isdigit() else None
    return render(
        request,
        "web/cycle/budgets.html",
        {
            "municipality": municipality,
            "year": year,
            "overview": selectors.budget_overview(municipality, year),
        },
    )


def _period(request: HttpRequest) -> tuple[int, int]:
    text = request.GET.get("periode", "")
    try:
        first, last = (int(p) for p in text.split("-"))
    except ValueError:
        year = timezone.localdate().year
        return year - 1, year
    return (first, last) if first <= last else (last, first)


@require_safe
def progress_report(request: HttpRequest) -> HttpResponse:
    """The voortgangsrapportage as a page: the same data as the PDF."""
    from gebiedskompas.reports import voortgang

    municipality = _municipality_or_deny(request)
    if isinstance(municipality, HttpResponse):
        return municipality
    first, last = _period(request)
    report = voortgang.build_report(municipality.code, first, last)
    return render(
        request,
        "web/cycle/progress.html",
        {"municipality": municipality, "report": report, "period": f"{first}-{last}"},
    )


@require_safe
def progress_report_pdf(request: HttpRequest) -> HttpResponse:
    from gebiedskompas.reports import voortgang

    municipality = _municipality_or_deny(request)
    if isinstance(municipality, HttpResponse):
        return municipality
    first, last = _period(request)
    document = voortgang.progress_pdf(voortgang.build_report(municipality.code, first, last))
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="voortgang-{municipality.code}-{first}-{last}.pdf"'
    )
    return response


# --- an owner's own page ------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def my_work(request: HttpRequest) -> HttpResponse:
    """For a department or partner: its actions, activities and koppelkansen across areas."""
    if not request.user.is_authenticated:
        return _deny(request)
    if request.method == "POST":
        _decide(request)
        return redirect("web:my-work")
    names = services.organisation_names(request.user)
    from gebiedskompas.cycle.models import Activity

    owner_q = Q(pk__in=[])
    for name in names:
        owner_q |= (
            Q(owner__iexact=name)
            | Q(owner__icontains=f"{name} /")
            | Q(owner__icontains=f"/ {name}")
        )
    actions = list(Action.objects.filter(owner_q).select_related("plan__area"))
    # The actions' own activities (their place in the koppelkansen) are listed as actions.
    activities = list(Activity.objects.filter(owner_q, action__isnull=True).select_related("area"))
    found = list(selectors.couplings_for_owner(names))
    return render(
        request,
        "web/cycle/my_work.html",
        {
            "has_organisation": bool(names),
            "actions": actions,
            "activities": activities,
            "rows": _coupling_rows(request, found),
        },
    )
