"""The area tree of the home page, built from one query per page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from gebiedskompas.areas.models import Area

# Above this many municipalities the home page lists them without their trees: their area pages
# list their children. Keeps the home page small in a regional or national installation.
MAX_TREES = 3


@dataclass
class Node:
    area: Area
    children: list[Node] = field(default_factory=list)


def area_trees(municipalities: Sequence[Area]) -> list[Node]:
    """One tree per municipality (gemeente › stadsdeel › wijk › buurt), children by name; empty
    when there are more than `MAX_TREES` municipalities."""
    if not municipalities or len(municipalities) > MAX_TREES:
        return []
    ids = [m.pk for m in municipalities]
    rows = (
        Area.objects.filter(Q(municipality_id__in=ids) | Q(parent_id__in=ids))
        .exclude(pk__in=ids)
        .only("code", "name", "level", "parent_id")
        .order_by("name", "code")
    )
    by_parent: dict[int, list[Area]] = defaultdict(list)
    for area in rows:
        if area.parent_id is not None:
            by_parent[area.parent_id].append(area)

    def build(area: Area, depth: int) -> Node:
        kids = by_parent.get(area.pk, []) if depth < 6 else []
        return Node(area, [build(child, depth + 1) for child in kids])

    return [build(m, 0) for m in municipalities]
