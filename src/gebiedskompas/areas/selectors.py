"""Every read of the area registry a view, report, endpoint or command needs."""

from __future__ import annotations

from django.db.models import Q, QuerySet
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


def touching(area: Area) -> QuerySet[Area]:
    """Same-level areas whose bounding box touches the area's: a cheap, generous test for
    neighbours. Below the gemeente level only the areas of the municipalities whose box touches
    the area's are looked at (and of those without a box), so the look-up reads a few
    municipalities' areas through the (municipality, level) index, however many the
    installation holds; gemeenten themselves come through the (level, min_x) index."""
    if None in (area.min_x, area.min_y, area.max_x, area.max_y):
        return Area.objects.none()
    box = Q(min_x__lte=area.max_x, max_x__gte=area.min_x, min_y__lte=area.max_y) & Q(
        max_y__gte=area.min_y
    )
    same = Area.objects.filter(box, level=area.level).exclude(pk=area.pk)
    if area.level in (AreaLevel.GEMEENTE, AreaLevel.LAND) or area.municipality_id is None:
        return same
    # The area's own municipality is among them: its box holds the area's (or it has none).
    nearby = Area.objects.filter(Q(box) | Q(min_x__isnull=True), level=AreaLevel.GEMEENTE)
    return same.filter(municipality_id__in=nearby.values("pk"))


__all__ = [
    "AreaLevel",
    "municipalities",
    "area_or_404",
    "areas",
    "children",
    "ancestors",
    "search",
    "touching",
]
