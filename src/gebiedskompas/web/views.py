"""Pages of the web shell: home with the area tree, search, the area page and its map data.

Views stay thin: they read through the selectors and render.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from gebiedskompas.areas import selectors as areas
from gebiedskompas.areas.models import Area
from gebiedskompas.indicators import selectors as indicators
from gebiedskompas.web import tree

SEARCH_LIMIT = 50


@require_safe
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


@require_safe
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = _area_or_404(code)
    is_staff = bool(request.user.is_authenticated and request.user.is_staff)
    rows = indicators.key_figures(area, public=not is_staff)
    family = indicators.family_of(area)
    children = list(areas.children(area).only("code", "name", "level", "parent"))
    municipality = family[-1] if len(family) > 1 else None
    return render(
        request,
        "web/area.html",
        {
            "area": area,
            "ancestors": list(reversed(family[1:])),
            "parent": area.parent,
            "municipality": municipality,
            "groups": indicators.group_by_domain(rows),
            "has_figures": bool(rows),
            "is_staff_view": is_staff,
            "has_protected": any(
                cell is not None and cell.is_protected
                for row in rows
                for cell in (row.area, row.parent, row.municipality)
            ),
            "children": children,
            "has_map": area.has_geometry,
        },
    )


def _geometry(text: str) -> dict[str, Any] | None:
    if not text:
        return None
    data = json.loads(text)
    if data.get("type") == "Feature":
        data = data.get("geometry")
    return data if isinstance(data, dict) else None


@require_safe
def area_geojson(request: HttpRequest, code: str) -> JsonResponse:
    """The area and its children as a GeoJSON FeatureCollection in WGS84 (RFC 7946)."""
    area = _area_or_404(code)
    features = []
    children = areas.children(area).only("code", "name", "level", "parent", "geojson_wgs84")
    for role, item in [("area", area), *(("child", child) for child in children)]:
        geometry = _geometry(item.geojson_wgs84)
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "id": item.code,
                "geometry": geometry,
                "properties": {
                    "code": item.code,
                    "name": item.name,
                    "level": item.level,
                    "role": role,
                    "url": reverse("web:area", args=[item.code]),
                },
            }
        )
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Content-Type"] = "application/geo+json"
    return response
