"""Writes the API offers, each checked with `accounts.permissions.require` first."""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.db import transaction

from gebiedskompas.accounts.permissions import require
from gebiedskompas.accounts.roles import EDIT_AREA, WRITE_OBSERVATIONS
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError, NotFound
from gebiedskompas.indicators.models import Indicator
from gebiedskompas.indicators.services import ImportSummary, write_observations


def rename_area(area: Area, name: str, *, by: Any) -> Area:
    """Give the area a new name; the audit trail keeps the old one and who changed it."""
    require(by, EDIT_AREA, area)
    name = name.strip()
    if not name:
        raise KompasError("naam: a name cannot be empty")
    with transaction.atomic():
        area.name = name
        area.save(update_fields=["name", "updated_at"])
    return area


def add_observation(
    *, area_code: str, indicator_key: str, period: str, value: float, by: Any
) -> ImportSummary:
    """Store one value through the import pipeline (new, updated or unchanged)."""
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise NotFound(f"unknown area {area_code}")
    require(by, WRITE_OBSERVATIONS, area)
    indicator = Indicator.objects.filter(key=indicator_key).first()
    if indicator is None:
        raise NotFound(f"unknown indicator {indicator_key}")
    frame = pd.DataFrame(
        [
            {
                "area_id": area.pk,
                "indicator_id": indicator.pk,
                "period": period,
                "value": float(value),
                "margin_lower": None,
                "margin_upper": None,
                "source_key": "api",
            }
        ]
    )
    summary = ImportSummary(file="api", kind="api")
    with transaction.atomic():
        write_observations(frame, summary, kind="api", file_name="api", sha="", user=by)
    return summary
