"""Every read on signals the views, Open311 endpoints and commands need."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import NotFound
from gebiedskompas.signals.domain.workflow import OPEN, Status
from gebiedskompas.signals.models import Category, Signal


def signals(
    *,
    area: str = "",
    status: str = "",
    overdue: bool = False,
    now: datetime | None = None,
) -> QuerySet[Signal]:
    """Signals, newest first; `area` is any area code (its subtree), `status` a status code."""
    found = Signal.objects.select_related("category", "area", "department", "municipality")
    if area:
        root = Area.objects.filter(code=area).first()
        if root is None:
            raise NotFound(f"no area with code {area!r}", column="area", value=area)
        if root.pk == root.municipality_id:
            found = found.filter(municipality=root)
        else:
            found = found.filter(area__in=_subtree(root))
    if status:
        try:
            found = found.filter(status=Status(status).value)
        except ValueError as exc:
            known = ", ".join(s.value for s in Status)
            raise NotFound(f"unknown status {status!r}; expected one of {known}") from exc
    if overdue:
        found = found.filter(status__in=[s.value for s in OPEN], deadline__lt=now or timezone.now())
    return found


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
