"""Pages of the web shell: home, search, the wijkfoto, compare, ranking, stories and downloads.

Views stay thin: they read through the selectors and the report builders and render.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from gebiedskompas.accounts.permissions import all_in_scope, permission_somewhere
from gebiedskompas.areas import selectors as areas
from gebiedskompas.areas.models import Area, Level
from gebiedskompas.core.errors import KompasError
from gebiedskompas.cycle import selectors as stories
from gebiedskompas.cycle import services as story_services
from gebiedskompas.cycle.models import Story
from gebiedskompas.i18n import error_message, error_text
from gebiedskompas.indicators import selectors as indicators
from gebiedskompas.indicators.models import Domain, Indicator
from gebiedskompas.reports import charts, maps, pdf, ranking
from gebiedskompas.reports.compare import MAX_AREAS, compare_areas
from gebiedskompas.reports.profile import area_profile, cell_text, format_value
from gebiedskompas.web import caching, cycle_views, exports, tree
from gebiedskompas.web.forms import StoryForm

SEARCH_LIMIT = 50
TABS_MARKER = "<!-- kompas:tabs -->"
STORIES_ON_PROFILE = 5


def _is_staff(request: HttpRequest, *shown: Area | None) -> bool:
    """Whether the reader may see the true figures of every area shown (accounts.permissions:
    view_internal), rather than the disclosure-controlled public ones."""
    return all_in_scope(request.user, "view_internal", [a for a in shown if a is not None])


@require_safe
@caching.public_page("home")
def home(request: HttpRequest) -> HttpResponse:
    municipalities = list(areas.municipalities())
    return render(
        request,
        "web/home.html",
        {"municipalities": municipalities, "trees": tree.area_trees(municipalities)},
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    results = list(areas.search(query, limit=SEARCH_LIMIT)) if query else []
    return render(request, "web/search.html", {"query": query, "results": results})


def _area_or_404(code: str) -> Area:
    area = indicators.area_with_ancestors(code)
    if area is None:
        raise Http404(_("Onbekend gebied: %(code)s") % {"code": code})
    return area


def wijkfoto_content(code: str, *, staff: bool) -> str:
    """The figures part of the wijkfoto page as the public (or staff) see it, as cached."""
    area = _area_or_404(code)
    profile = area_profile(area, public=not staff)
    return render_to_string(
        "web/area_content.html",
        {
            "area": area,
            "profile": profile,
            "ancestors": profile.ancestors,
            "parent": profile.parent,
            "municipality": profile.municipality,
            "groups": profile.groups,
            "has_figures": profile.has_figures,
            "is_staff_view": staff,
            "has_protected": profile.has_protected,
            "children": profile.children,
            "neighbours": profile.neighbours,
            "has_map": area.has_geometry,
            "stories": list(stories.stories_for_area(area, limit=STORIES_ON_PROFILE)),
            "compare_codes": ",".join([area.code, *(p.code for p in profile.peers[:2])]),
        },
    )


def wijkfoto_cache_parts(area_pk: int, *, staff: bool) -> tuple[object, ...]:
    return (area_pk, staff)


@require_safe
@caching.public_page("wijkfoto")
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The wijkfoto; ?format=csv or xlsx downloads its table. The figures part of the page is
    cached under the data version (web.caching)."""
    fmt = request.GET.get("format", "")
    if fmt in exports.FORMATS:
        area = _area_or_404(code)
        profile = area_profile(area, public=not _is_staff(request, area))
        return exports.download(exports.profile_table(profile), fmt, f"wijkfoto-{area.code}")
    # A light read for the cached page; the full area with its ancestors only to build it.
    found = list(
        Area.objects.only("id", "code", "name", "level", "parent_id", "municipality_id")
        .annotate(drawn=ExpressionWrapper(~Q(geojson_wgs84=""), output_field=BooleanField()))
        .filter(code=code)[:1]
    )
    if not found:
        raise Http404(_("Onbekend gebied: %(code)s") % {"code": code})
    light = found[0]
    staff = _is_staff(request, light)

    def content() -> str:
        return wijkfoto_content(code, staff=staff)

    # Safe: the content is the output of our own (auto-escaping) template.
    head, _marker, body = caching.cached(
        "wijkfoto", wijkfoto_cache_parts(light.pk, staff=staff), content
    ).partition(TABS_MARKER)
    return render(
        request,
        "web/area.html",
        {
            "area": light,
            "has_map": light.drawn,
            # The cached content around the tabs and the cycle status, which are the reader's.
            "content_head": mark_safe(head),
            "content": mark_safe(body),
            **cycle_views.area_cycle_context(request, light),
        },
    )


@require_safe
def area_pdf(request: HttpRequest, code: str) -> HttpResponse:
    area = _area_or_404(code)
    staff = _is_staff(request, area)

    def document() -> bytes:
        profile = area_profile(area, public=not staff)
        return pdf.wijkfoto_pdf(
            profile, maps.area_map_svg(area), list(stories.stories_for_area(area, limit=10))
        )

    response = HttpResponse(
        caching.cached("wijkfoto-pdf", (area.pk, staff), document), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="wijkfoto-{area.code}.pdf"'
    return response


def _chart_response(svg: str, fmt: str, name: str) -> HttpResponse:
    if fmt not in ("svg", "png"):
        raise Http404(_("Onbekend formaat: %(fmt)s") % {"fmt": fmt})
    if fmt == "png":
        response = HttpResponse(charts.svg_to_png(svg), content_type="image/png")
    else:
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_safe
def area_map_image(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    area = _area_or_404(code)
    svg = maps.area_map_svg(area)
    if svg is None:
        raise Http404(_("Van dit gebied is geen kaart."))
    return _chart_response(svg, fmt, f"kaart-{area.code}")


def _trend(request: HttpRequest, code: str, key: str) -> tuple[Area, Any, charts.TrendChart]:
    area = _area_or_404(code)
    profile = area_profile(area, public=not _is_staff(request, area))
    row = next((r for r in profile.rows if r.indicator.key == key), None)
    if row is None:
        raise Http404(_("Geen cijfers van deze indicator voor dit gebied."))
    public = not _is_staff(request, area)
    family = (
        # The same cells as the wijkfoto's, disclosed over the whole municipality.
        indicators.municipality_cells(
            profile.municipality, indicators.indicators_by_id(), public=public
        ).table([a.code for a in (area, profile.parent, profile.municipality) if a is not None])
        if profile.municipality is not None
        else indicators.disclosed_cells(
            indicators.family_filter([area]), {row.indicator.pk: row.indicator}, public=public
        )
    )
    others = [a for a in (profile.parent, profile.municipality) if a is not None]
    others = list({a.pk: a for a in others}.values())
    series = [charts.Series(area.name, row.values)]
    for other in others:
        series.append(
            charts.Series(
                other.name,
                [
                    c.value if (c := family.get(other.code, key, p)).shown == "value" else None
                    for p in row.periods
                ],
            )
        )
    present = [(p, v) for p, v in zip(row.periods, row.values, strict=True) if v is not None]
    summary = (
        _("Van %(first)s in %(p1)s naar %(last)s in %(p2)s.")
        % {
            "first": format_value(present[0][1], row.indicator),
            "p1": present[0][0],
            "last": format_value(present[-1][1], row.indicator),
            "p2": present[-1][0],
        }
        if present
        else _("Geen gegevens.")
    )
    if row.breaks:
        summary += " " + _("Nieuwe gebiedsgrenzen vanaf %(years)s.") % {
            "years": ", ".join(row.breaks)
        }
    chart = charts.TrendChart(
        title=_("%(indicator)s in %(area)s") % {"indicator": row.indicator.name, "area": area.name},
        summary=summary,
        periods=row.periods,
        series=series,
        breaks=row.breaks,
        break_label=_("nieuwe grenzen"),
        fmt=lambda v, i=row.indicator: format_value(v, i, with_unit=False),
    )
    return area, row, chart


@require_safe
@caching.public_page("trend")
def trend(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """One indicator's trend as a chart with its table alternative; ?format=csv/xlsx."""
    area, row, chart = _trend(request, code, key)
    table = exports.trend_table(area, row.indicator, chart)
    fmt = request.GET.get("format", "")
    if fmt in exports.FORMATS:
        return exports.download(table, fmt, f"trend-{area.code}-{key}")
    return render(
        request,
        "web/trend.html",
        {
            "area": area,
            "row": row,
            "chart": chart,
            "svg": charts.trend_chart_svg(chart, uid="trend"),
            "table": table,
        },
    )


@require_safe
def trend_image(request: HttpRequest, code: str, key: str, fmt: str) -> HttpResponse:
    area, _row, chart = _trend(request, code, key)
    return _chart_response(charts.trend_chart_svg(chart, uid="trend"), fmt, f"trend-{code}-{key}")


@require_safe
@caching.public_page("area-geojson")
def area_geojson(request: HttpRequest, code: str) -> JsonResponse:
    """The area, its children and neighbours as a GeoJSON FeatureCollection (WGS84)."""
    area = _area_or_404(code)
    features = [
        {
            "type": "Feature",
            "id": item.area.code,
            "geometry": item.geometry,
            "properties": {
                "code": item.area.code,
                "name": item.area.name,
                "level": item.area.level,
                "role": item.role,
                "url": reverse("web:area", args=[item.area.code]),
            },
        }
        for item in maps.map_areas(area)
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Content-Type"] = "application/geo+json"
    return response


# --- compare ------------------------------------------------------------------------------------


def _codes(request: HttpRequest) -> list[str]:
    raw = request.GET.get("gebieden", "")
    codes: list[str] = []
    for part in raw.replace(";", ",").split(","):
        code = part.strip()
        if code and code not in codes:
            codes.append(code)
    return codes[:MAX_AREAS]


@require_safe
@caching.public_page("compare", ("gebieden",))
def compare(request: HttpRequest) -> HttpResponse:
    codes = _codes(request)
    addition = request.GET.get("toevoegen", "").strip()[:100]
    if addition:
        found = areas.search(addition, limit=1).first()
        if found is None:
            messages.error(request, _("Geen gebied gevonden voor “%(q)s”.") % {"q": addition})
        elif found.code not in codes and len(codes) < MAX_AREAS:
            codes.append(found.code)
        return redirect(f"{reverse('web:compare')}?gebieden={','.join(codes)}")
    loaded = {
        a.code: a
        for a in Area.objects.select_related("parent__parent__parent__parent").filter(
            code__in=codes
        )
    }
    unknown = [c for c in codes if c not in loaded]
    chosen = [loaded[c] for c in codes if c in loaded]
    comparison = compare_areas(chosen, public=not _is_staff(request, *chosen)) if chosen else None
    fmt = request.GET.get("format", "")
    if comparison is not None and fmt in exports.FORMATS:
        return exports.download(exports.compare_table(comparison), fmt, "vergelijking")
    return render(
        request,
        "web/compare.html",
        {
            "comparison": comparison,
            "chosen": chosen,
            "unknown": unknown,
            "max_areas": MAX_AREAS,
            "codes": ",".join(a.code for a in chosen),
            "removals": [(a, ",".join(b.code for b in chosen if b.pk != a.pk)) for a in chosen],
            "can_add": len(chosen) < MAX_AREAS,
        },
    )


# --- ranking ------------------------------------------------------------------------------------


# The query parameters the ranking and its map read.
RANKING_PARAMS = ("gemeente", "klassen", "indicator", "niveau", "periode", "indeling")


def _ranking_args(request: HttpRequest) -> dict[str, Any]:
    municipality = request.GET.get("gemeente", "")
    if not municipality:
        first = areas.municipalities().values_list("code", flat=True).first()
        municipality = first or ""
    try:
        classes = int(request.GET.get("klassen", ranking.DEFAULT_CLASSES))
    except ValueError:
        classes = ranking.DEFAULT_CLASSES
    return {
        "indicator_key": request.GET.get("indicator", "inwoners"),
        "level": request.GET.get("niveau", Level.WIJK),
        "municipality_code": municipality,
        "period": request.GET.get("periode") or None,
        "scheme": request.GET.get("indeling", ranking.DEFAULT_SCHEME),
        "classes": classes,
    }


def _gemeente(args: dict[str, Any]) -> Area | None:
    return Area.objects.filter(code=args["municipality_code"]).first()


SORTS = ("rang", "naam", "waarde")


@require_safe
@caching.public_page("ranking", (*RANKING_PARAMS, "sorteer", "richting"))
def ranking_view(request: HttpRequest) -> HttpResponse:
    """The ranking with its map; the page's content is cached under the data version."""
    args = _ranking_args(request)
    staff = _is_staff(request, _gemeente(args))
    fmt = request.GET.get("format", "")
    if fmt in exports.FORMATS:
        try:
            result = ranking.ranking(public=not staff, **args)
        except KompasError:
            result = None
        if result is not None:
            return exports.download(
                exports.ranking_table(result), fmt, f"ranglijst-{result.indicator.key}"
            )

    def content() -> tuple[str, bool]:
        error = ""
        result = None
        try:
            result = ranking.ranking(public=not staff, **args)
        except KompasError as exc:
            error = error_message(exc)
        sort = request.GET.get("sorteer", "rang")
        descending = request.GET.get("richting") == "af"
        entries = list(result.entries) if result else []
        if sort == "naam":
            entries.sort(key=lambda e: e.area.name, reverse=descending)
        elif sort == "waarde":
            with_value = [
                e for e in entries if e.cell.value is not None and e.cell.shown == "value"
            ]
            without = [e for e in entries if e not in with_value]
            with_value.sort(key=lambda e: e.cell.value or 0.0, reverse=descending)
            entries = with_value + without
        elif descending:
            entries.reverse()
        query = request.GET.copy()
        for name in ("sorteer", "richting", "format"):
            query.pop(name, None)
        html = render_to_string(
            "web/ranking_content.html",
            {
                "result": result,
                "entries": entries,
                "error": error,
                "args": args,
                "sort": sort,
                "descending": descending,
                "base_query": query.urlencode(),
                "indicators": Indicator.objects.only("key", "name", "domain").order_by(
                    "domain", "position", "key"
                ),
                "municipalities": areas.municipalities().only("code", "name"),
                "levels": [c for c in Level.choices if c[0] != Level.LAND],
                "schemes": list(ranking.SCHEMES.items()),
                "class_counts": range(3, ranking.MAX_CLASSES + 1),
                "geojson_query": request.GET.urlencode(),
            },
        )
        return html, bool(result and result.entries)

    parts = (sorted(request.GET.lists()), staff)
    html, has_map = caching.cached("ranking", parts, content)
    # Safe: the content is the output of our own (auto-escaping) template.
    return render(request, "web/ranking.html", {"content": mark_safe(html), "has_map": has_map})


def _ranking_or_404(request: HttpRequest) -> ranking.Ranking:
    try:
        args = _ranking_args(request)
        return ranking.ranking(public=not _is_staff(request, _gemeente(args)), **args)
    except KompasError as exc:
        raise Http404(error_text(exc)) from exc


@require_safe
@caching.public_page("ranking-geojson", RANKING_PARAMS)
def ranking_geojson(request: HttpRequest) -> JsonResponse:
    result = _ranking_or_404(request)
    features = []
    for entry in result.entries:
        geometry = maps._geometry(entry.area.geojson_wgs84)
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "id": entry.area.code,
                "geometry": geometry,
                "properties": {
                    "code": entry.area.code,
                    "name": entry.area.name,
                    "value": cell_text(entry.cell, result.indicator),
                    "class": entry.klass,
                    "rank": entry.rank,
                    "url": reverse("web:area", args=[entry.area.code]),
                },
            }
        )
    response = JsonResponse(
        {"type": "FeatureCollection", "classes": len(result.classes), "features": features}
    )
    response["Content-Type"] = "application/geo+json"
    return response


@require_safe
def ranking_image(request: HttpRequest, fmt: str) -> HttpResponse:
    result = _ranking_or_404(request)
    bars = [
        charts.Bar(
            e.area.name,
            e.cell.value if e.cell.shown == "value" else None,
            cell_text(e.cell, result.indicator),
        )
        for e in result.entries
    ]
    title = _("%(indicator)s per %(level)s in %(name)s, %(period)s") % {
        "indicator": result.indicator.name,
        "level": dict(Level.choices)[result.level],
        "name": result.municipality.name,
        "period": result.period,
    }
    ranked = result.ranked
    summary = (
        _("Hoogste positie: %(first)s (%(v1)s); laagste: %(last)s (%(v2)s).")
        % {
            "first": ranked[0].area.name,
            "v1": cell_text(ranked[0].cell, result.indicator),
            "last": ranked[-1].area.name,
            "v2": cell_text(ranked[-1].cell, result.indicator),
        }
        if ranked
        else _("Geen gegevens.")
    )
    svg = charts.bar_chart_svg(bars, title=title, summary=summary, uid="ranking")
    return _chart_response(svg, fmt, f"ranglijst-{result.indicator.key}")


# --- stories ------------------------------------------------------------------------------------


@require_safe
def area_stories(request: HttpRequest, code: str) -> HttpResponse:
    area = _area_or_404(code)
    theme = request.GET.get("thema", "")
    text = request.GET.get("q", "").strip()[:100]
    found = list(
        stories.stories_for_area(area, theme=theme if theme in Domain.values else "", text=text)
    )
    return render(
        request,
        "web/stories.html",
        {
            "area": area,
            "stories": found,
            "theme": theme,
            "text": text,
            "themes": Domain.choices,
        },
    )


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


@require_http_methods(["GET", "HEAD", "POST"])
def story_new(request: HttpRequest, code: str) -> HttpResponse:
    area = _area_or_404(code)
    form = StoryForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = story_services.StoryInput(
            area_codes=[area.code],
            text=form.cleaned_data["text"],
            theme=form.cleaned_data["theme"],
            date=form.cleaned_data["date"] or date.today(),
            title=form.cleaned_data["title"],
            author=form.cleaned_data["author"],
        )
        try:
            story_services.submit_resident_story(data, ip_address=_client_ip(request))
        except story_services.RateLimited as exc:
            form.add_error(None, error_message(exc))
            return render(request, "web/story_form.html", {"area": area, "form": form}, status=429)
        except KompasError as exc:
            column = exc.problem.column
            form.add_error(column if column in form.fields else None, error_message(exc))
        else:
            messages.success(
                request,
                _("Dank u wel. Uw verhaal is ontvangen; het verschijnt na beoordeling."),
            )
            return redirect("web:area-stories", code=area.code)
    return render(request, "web/story_form.html", {"area": area, "form": form})


@permission_somewhere("moderate_stories")
@require_http_methods(["GET", "HEAD", "POST"])
def moderation(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            story_id = int(request.POST.get("story", ""))
        except ValueError as exc:
            raise Http404 from exc
        approve = request.POST.get("decision") == "approve"
        try:
            story_services.moderate_story(story_id, approve=approve, by=request.user)
        except Story.DoesNotExist as exc:
            raise Http404 from exc
        except story_services.NotAllowed as exc:
            messages.error(request, error_message(exc))
            return redirect("web:moderation")
        messages.success(request, _("Verhaal goedgekeurd.") if approve else _("Verhaal afgewezen."))
        return redirect("web:moderation")
    pending = list(stories.pending_stories(request.user))
    return render(request, "web/moderation.html", {"pending": pending})
