"""The area's map: itself, its children and its neighbours, for Leaflet (GeoJSON) and SVG."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from gebiedskompas.areas.models import Area
from gebiedskompas.areas.selectors import touching
from gebiedskompas.reports import charts


@dataclass(frozen=True)
class MapArea:
    area: Area
    role: str  # area | child | neighbour
    geometry: dict[str, Any]


def _geometry(text: str) -> dict[str, Any] | None:
    if not text:
        return None
    data = json.loads(text)
    if data.get("type") == "Feature":
        data = data.get("geometry")
    return data if isinstance(data, dict) else None


def map_areas(area: Area) -> list[MapArea]:
    """The area, its children and its same-level neighbours (bounding boxes touch) that have a
    geometry; two queries. Empty when the area itself has no geometry."""
    own = _geometry(area.geojson_wgs84)
    if own is None:
        return []
    out = [MapArea(area, "area", own)]
    fields = ("code", "name", "level", "parent", "geojson_wgs84")
    for child in area.children.only(*fields).order_by("name"):
        geometry = _geometry(child.geojson_wgs84)
        if geometry is not None:
            out.append(MapArea(child, "child", geometry))
    for neighbour in touching(area).only(*fields).order_by("name"):
        geometry = _geometry(neighbour.geojson_wgs84)
        if geometry is not None:
            out.append(MapArea(neighbour, "neighbour", geometry))
    return out


def area_map_svg(area: Area, items: list[MapArea] | None = None) -> str | None:
    """The map as accessible SVG, or None without geometry."""
    items = map_areas(area) if items is None else items
    if not items:
        return None
    children = [i.area.name for i in items if i.role == "child"]
    neighbours = [i.area.name for i in items if i.role == "neighbour"]
    summary = _("Kaart van %(name)s.") % {"name": area.name}
    if children:
        summary += " " + _("Daarin: %(names)s.") % {"names": ", ".join(children)}
    if neighbours:
        summary += " " + _("Buren: %(names)s.") % {"names": ", ".join(neighbours)}
    return charts.area_map_svg(
        [charts.MapFeature(i.area.name, i.role, i.geometry) for i in items],
        title=_("Kaart van %(name)s") % {"name": area.name},
        summary=summary,
        uid="areamap",
    )
