"""Every read on signals the views, Open311 endpoints and commands need."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from gebiedskompas.accounts.permissions import area_filter
from gebiedskompas.accounts.roles import HANDLE_SIGNAL
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import NotFound, gettext_noop
from gebiedskompas.signals.domain.workflow import OPEN, Status
from gebiedskompas.signals.models import Category, Signal


def signals(
    *,
    area: str = "",
    status: str = "",
    overdue: bool = False,
    now: datetime | None = None,
    category: str = "",
    department: int | None = None,
    departments: Sequence[int] = (),
) -> QuerySet[Signal]:
    """Signals, newest first; `area` is any area code (its subtree), `status` a status code."""
    found = Signal.objects.select_related("category", "area", "department", "municipality")
    if area:
        root = Area.objects.filter(code=area).first()
        if root is None:
            raise NotFound(
                gettext_noop("no area with code {area!r}"), column="area", value=area, area=area
            )
        if root.pk == root.municipality_id:
            found = found.filter(municipality=root)
        else:
            found = found.filter(area__in=_subtree(root))
    if status:
        try:
            found = found.filter(status=Status(status).value)
        except ValueError as exc:
            known = ", ".join(s.value for s in Status)
            raise NotFound(
                gettext_noop("unknown status {status!r}; expected one of {known}"),
                status=status,
                known=known,
            ) from exc
    if overdue:
        found = found.filter(status__in=[s.value for s in OPEN], deadline__lt=now or timezone.now())
    if category:
        found = found.filter(Q(category__code=category) | Q(category__parent__code=category))
    if department is not None:
        found = found.filter(department_id=department)
    if departments:
        found = found.filter(department_id__in=list(departments))
    return found


def work_list(user: Any, **filters: Any) -> QuerySet[Signal]:
    """`signals(**filters)` restricted to the areas where `user` may handle signals."""
    return (
        signals(**filters)
        .filter(area_filter(user, HANDLE_SIGNAL, "area"))
        .select_related("assigned_to")
    )


def open_statuses() -> list[str]:
    return [s.value for s in OPEN]


EARTH_METRES = 6_371_000.0


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) between two WGS84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_METRES * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Nearby:
    signal: Signal
    metres: float


def similar_nearby(
    signal: Signal, metres: float | None = None, days: int | None = None
) -> list[Nearby]:
    """Open signals of the same category within `metres` and `days` of this one (before or
    after), nearest first: candidates to merge as duplicates."""
    if signal.lat is None or signal.lon is None:
        return []
    radius = float(metres if metres is not None else settings.SIGNAL_NEARBY_METRES)
    window = timedelta(days=days if days is not None else settings.SIGNAL_NEARBY_DAYS)
    dlat = radius / 111_320.0
    dlon = dlat / max(math.cos(math.radians(signal.lat)), 0.01)
    candidates = (
        Signal.objects.filter(
            category_id=signal.category_id,
            status__in=open_statuses(),
            lat__gte=signal.lat - dlat,
            lat__lte=signal.lat + dlat,
            lon__gte=signal.lon - dlon,
            lon__lte=signal.lon + dlon,
            reported_at__gte=signal.reported_at - window,
            reported_at__lte=signal.reported_at + window,
        )  # fmt: skip
        .exclude(pk=signal.pk)
        .select_related("category", "area")
    )
    found = []
    for other in candidates:
        assert other.lat is not None and other.lon is not None  # filtered above
        d = distance_metres(signal.lat, signal.lon, other.lat, other.lon)
        if d <= radius:
            found.append(Nearby(other, d))
    return sorted(found, key=lambda n: n.metres)


def detail(reference: str) -> Signal | None:
    """One signal with what its page shows."""
    try:
        key = uuid.UUID(reference)
    except ValueError:
        return None
    return (
        Signal.objects.select_related(
            "category__parent",
            "department",
            "assigned_to",
            "municipality",
            "parent",
            "merged_into",
            "area__parent__parent__parent",
        )  # fmt: skip
        .prefetch_related("history__by", "notes__by", "escalations", "children__department")
        .filter(reference=key)
        .first()
    )


def area_points(area: Area) -> list[dict[str, Any]]:
    """Signals with a position in `area` (and below), as GeoJSON features without personal
    data: category, status, date."""
    found = signals(area=area.code).filter(lat__isnull=False, lon__isnull=False)
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
            "properties": {
                "reference": str(s.reference),
                "category": str(s.category),
                "status": s.get_status_display(),
                "open": s.status in OPEN,
                "reported": s.reported_at.date().isoformat(),
            },
        }
        for s in found[:5000]
    ]


def _subtree(root: Area) -> list[int]:
    ids = [root.pk]
    frontier = [root.pk]
    while frontier:
        frontier = list(Area.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def as_row(signal: Signal, now: datetime | None = None) -> dict[str, Any]:
    moment = now or timezone.now()
    return {
        "reference": str(signal.reference),
        "category": signal.category.code,
        "area": signal.area.code,
        "status": signal.status,
        "channel": signal.channel,
        "department": signal.department.name if signal.department else "",
        "reported_at": signal.reported_at.isoformat(),
        "deadline": signal.deadline.isoformat() if signal.deadline else None,
        "overdue": bool(signal.deadline and signal.status in OPEN and signal.deadline < moment),
    }


def public_categories(municipality: Area | None = None) -> QuerySet[Category]:
    """Active categories people can choose (sub categories, and main ones without subs)."""
    found = Category.objects.filter(is_active=True).select_related("parent", "municipality")
    if municipality is not None:
        found = found.filter(municipality=municipality)
    return found.exclude(children__isnull=False).order_by("municipality__code", "parent__name",
                                                         "name")  # fmt: skip


def category(code: str, municipality_code: str = "") -> Category | None:
    found = public_categories().filter(code=code)
    if municipality_code:
        found = found.filter(municipality__code=municipality_code)
    return found.first() if found.count() == 1 else None


def signal_by_reference(reference: str) -> Signal | None:
    try:
        key = uuid.UUID(reference)
    except ValueError:
        return None
    found = Signal.objects.select_related("category", "department", "area")
    return found.filter(reference=key).first()
