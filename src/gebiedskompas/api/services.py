"""Writes the API offers, each checked with `accounts.permissions.require` first."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import transaction

from gebiedskompas.accounts.models import Organisation
from gebiedskompas.accounts.permissions import can, organisations, require
from gebiedskompas.accounts.roles import EDIT_ACTIVITY, EDIT_AREA, WRITE_OBSERVATIONS
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError, NotFound, gettext_noop
from gebiedskompas.cycle.models import Activity
from gebiedskompas.indicators.models import Indicator
from gebiedskompas.indicators.services import ImportSummary, write_observations


def rename_area(area: Area, name: str, *, by: Any) -> Area:
    """Give the area a new name; the audit trail keeps the old one and who changed it."""
    require(by, EDIT_AREA, area)
    name = name.strip()
    if not name:
        raise KompasError(gettext_noop("naam: a name cannot be empty"))
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
        raise NotFound(gettext_noop("unknown area {area_code}"), area_code=area_code)
    require(by, WRITE_OBSERVATIONS, area)
    indicator = Indicator.objects.filter(key=indicator_key).first()
    if indicator is None:
        raise NotFound(
            gettext_noop("unknown indicator {indicator_key}"), indicator_key=indicator_key
        )
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


# --- activities ---------------------------------------------------------------------------------


def activity_owners(user: Any) -> set[str] | None:
    """The owner names whose activities the user may write: the names of the organisations the
    user acts for (a partner's or department's role assignments); None when the user acts for
    no organisation (an operator, or a municipality-wide role), which writes any owner's. An API
    key issued to an organisation narrows this to that organisation."""
    ids = organisations(user)
    token_organisation = getattr(user, "_kompas_token_organisation", None)
    if token_organisation is not None:
        ids = {token_organisation}
    if not ids:
        return None
    return set(Organisation.objects.filter(pk__in=ids).values_list("name", flat=True))


def can_write_activity(user: Any, activity: Activity) -> bool:
    """``edit_activity`` on the activity's place, and the activity is the user's own."""
    place = activity.area or activity.municipality
    owners = activity_owners(user)
    return can(user, EDIT_ACTIVITY, place) and (owners is None or activity.owner in owners)


def _activity_area(code: str) -> Area:
    area = (
        Area.objects.select_related("municipality", "parent__parent__parent")
        .filter(code=code)
        .first()
    )
    if area is None:
        raise NotFound(gettext_noop("unknown area {code}"), column="gebied", value=code, code=code)
    return area


def _owner_for(user: Any, owner: str) -> str:
    owners = activity_owners(user)
    owner = owner.strip()
    if owners is None:
        if not owner:
            raise KompasError(
                gettext_noop("eigenaar: name the owner of the activity"), column="eigenaar"
            )
        return owner[:160]
    if not owner:
        if len(owners) > 1:
            raise KompasError(
                gettext_noop(
                    "eigenaar: you act for {n_owners} organisations; name one of {owners}"
                ),
                column="eigenaar",
                n_owners=len(owners),
                owners=", ".join(sorted(owners)),
            )
        return next(iter(owners))
    if owner not in owners:
        raise PermissionDenied(f"not allowed: activities of {owner}")
    return owner


def _check_period(start: date, end: date | None) -> None:
    if end is not None and end < start:
        raise KompasError(
            gettext_noop("einde: the activity ends ({end}) before it starts ({start})"),
            end=end,
            start=start,
        )


def create_activity(
    *,
    area_code: str,
    title: str,
    start: date,
    by: Any,
    end: date | None = None,
    owner: str = "",
    external_id: str = "",
) -> Activity:
    """Register an activity of the user's own organisation in an area (or a whole municipality).
    A known ``external_id`` in the municipality is refused (the import updates by it)."""
    area = _activity_area(area_code)
    require(by, EDIT_ACTIVITY, area)
    owner = _owner_for(by, owner)
    if not title.strip():
        raise KompasError(gettext_noop("titel: an activity needs a title"), column="titel")
    _check_period(start, end)
    municipality = area.municipality or area
    external_id = external_id.strip()[:80]
    with transaction.atomic():
        if (
            external_id
            and Activity.objects.filter(municipality=municipality, external_id=external_id).exists()
        ):
            raise KompasError(
                gettext_noop("kenmerk: {code} already has an activity {external_id!r}"),
                column="kenmerk",
                value=external_id,
                code=municipality.code,
                external_id=external_id,
            )
        return Activity.objects.create(
            municipality=municipality,
            area=None if area.pk == municipality.pk else area,
            external_id=external_id,
            title=title.strip()[:200],
            owner=owner,
            start=start,
            end=end,
        )


def update_activity(activity_id: int, *, by: Any, **changes: Any) -> Activity:
    """Change an own activity's title, period or area (within its municipality). ``changes``:
    ``title``, ``start``, ``end``, ``area_code``; what is not given stays."""
    with transaction.atomic():
        activity = (
            Activity.objects.select_for_update(of=("self",))
            .select_related("area", "municipality")
            .filter(pk=activity_id)
            .first()
        )
        if activity is None:
            raise NotFound(
                gettext_noop("unknown activity {activity_id}"),
                value=activity_id,
                activity_id=activity_id,
            )
        if not can_write_activity(by, activity):
            raise PermissionDenied("not allowed: edit_activity")
        if "area_code" in changes:
            area = _activity_area(changes["area_code"])
            if (area.municipality_id or area.pk) != activity.municipality_id:
                raise KompasError(
                    gettext_noop("gebied: {code} is not in {code_2}"),
                    column="gebied",
                    code=area.code,
                    code_2=activity.municipality.code,
                )
            require(by, EDIT_ACTIVITY, area)
            activity.area = None if area.pk == activity.municipality_id else area
        if "title" in changes:
            if not str(changes["title"]).strip():
                raise KompasError(gettext_noop("titel: an activity needs a title"), column="titel")
            activity.title = str(changes["title"]).strip()[:200]
        activity.start = changes.get("start", activity.start)
        activity.end = changes.get("end", activity.end)
        _check_period(activity.start, activity.end)
        activity.save(update_fields=["area", "title", "start", "end"])
    return activity
