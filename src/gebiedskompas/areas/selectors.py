"""Every read of the area registry a view, report, endpoint or command needs."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.models import Area


def municipalities() -> QuerySet[Area]:
    return Area.objects.filter(level=AreaLevel.GEMEENTE).order_by("name")


def area_or_404(code: str) -> Area:
    try:
        return Area.objects.select_related("parent", "municipality").get(code=code)
    except Area.DoesNotExist as exc:
        raise Http404(f"Onbekend gebied: {code}") from exc


def areas(*, level: str | None = None, municipality: str | None = None) -> QuerySet[Area]:
    qs = Area.objects.select_related("parent").order_by("code")
    if level:
        qs = qs.filter(level=level)
    if municipality:
        qs = qs.filter(municipality__code=municipality)
    return qs


def children(area: Area) -> QuerySet[Area]:
    return area.children.order_by("name")


def ancestors(area: Area) -> list[Area]:
    out = []
    seen = set()
    current = area.parent
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        out.append(current)
        current = current.parent
    return out


def search(text: str, limit: int = 20) -> QuerySet[Area]:
    text = text.strip()
    if not text:
        return Area.objects.none()
    from django.db.models import Q

    return Area.objects.filter(Q(name__icontains=text) | Q(code__iexact=text)).order_by(
        "level", "name"
    )[:limit]


__all__ = ["AreaLevel", "municipalities", "area_or_404", "areas", "children", "ancestors", "search"]
