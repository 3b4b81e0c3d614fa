"""Signals in the area's picture: per area and period, signals per 1,000 inhabitants per main
category, median handling time, share handled on time and the open backlog, written as
observations of indicators like any other (so the wijkfoto, trend and analysis show them).

Imported history (Signalen, Fixi) counts like signals made here. Signals located only to the
municipality (an address without a point) count at municipality level only.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from gebiedskompas.areas.models import Area, Level
from gebiedskompas.core.errors import KompasError, gettext_noop
from gebiedskompas.indicators.models import Observation
from gebiedskompas.indicators.services import ImportSummary, ensure_indicators, write_observations
from gebiedskompas.signals.models import Category, Signal

PER_1000 = "meldingen-per-1000"
MEDIAN_DAYS = "meldingen-afhandeltijd-mediaan"
ON_TIME = "meldingen-op-tijd"
BACKLOG = "meldingen-open"
POPULATION = "inwoners"
SOURCE = "Gebiedskompas meldingen"


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """[start, end) of a period written as YYYY, YYYY-Qn or YYYY-MM, in local time."""
    zone = ZoneInfo(settings.TIME_ZONE)
    match = re.fullmatch(r"(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?", period.strip())
    if match is None:
        raise KompasError(
            gettext_noop("period {period!r}: expected YYYY, YYYY-Qn or YYYY-MM"),
            column="period",
            value=period,
            period=period,
        )
    year = int(match.group(1))
    if match.group(2):
        first = (int(match.group(2)) - 1) * 3 + 1
        start, months = date(year, first, 1), 3
    elif match.group(3):
        start, months = date(year, int(match.group(3)), 1), 1
    else:
        start, months = date(year, 1, 1), 12
    month = start.month - 1 + months
    end = date(start.year + month // 12, month % 12 + 1, 1)
    return (datetime.combine(start, time(0), tzinfo=zone),
            datetime.combine(end, time(0), tzinfo=zone))  # fmt: skip


@dataclass
class AreaFigures:
    area: Area
    inhabitants: float | None
    per_main: dict[str, int] = field(default_factory=dict)
    handling_days: list[float] = field(default_factory=list)
    closed: int = 0
    on_time: int = 0
    backlog: int = 0

    @property
    def total(self) -> int:
        return sum(self.per_main.values())

    def per_1000(self, count: int) -> float | None:
        if not self.inhabitants:
            return None
        return round(count * 1000 / self.inhabitants, 2)

    def as_dict(self, mains: dict[str, str]) -> dict[str, Any]:
        return {
            "area": self.area.code,
            "name": self.area.name,
            "inhabitants": self.inhabitants,
            "signals": self.total,
            "per_1000": self.per_1000(self.total),
            "per_1000_by_main": {
                mains.get(k, k): self.per_1000(v) for k, v in sorted(self.per_main.items())
            },  # fmt: skip
            "median_handling_days": (
                round(statistics.median(self.handling_days), 2) if self.handling_days else None
            ),  # fmt: skip
            "share_on_time": round(100 * self.on_time / self.closed, 1) if self.closed else None,
            "open_backlog": self.backlog,
        }


def _inhabitants(areas: list[Area], year: int) -> dict[int, float]:
    """Inhabitants per area in `year`, or the latest year before it."""
    found: dict[int, tuple[str, float]] = {}
    rows = Observation.objects.filter(
        indicator__key=POPULATION, area__in=areas, value__isnull=False
    ).values_list("area_id", "period", "value")
    for area_id, period, value in rows:
        if not period[:4].isdigit() or int(period[:4]) > year:
            continue
        if area_id not in found or period > found[area_id][0]:
            found[area_id] = (period, float(value))
    return {k: v for k, (_, v) in found.items()}


def compute(level: str, period: str, municipality: str = "") -> list[AreaFigures]:
    """The figures per area at `level` for `period` (optionally one municipality)."""
    if level not in Level.values:
        raise KompasError(gettext_noop("level {value!r}: expected one of {levels}"),
                          column="level", value=level, levels=", ".join(Level.values))  # fmt: skip
    start, end = period_bounds(period)
    areas_q = Area.objects.filter(level=level)
    if municipality:
        areas_q = areas_q.filter(Q(municipality__code=municipality) | Q(code=municipality))
    targets = {a.pk: a for a in areas_q}
    if not targets:
        return []
    # area id → (parent id, level) for walking a signal's area up to the wanted level
    tree = dict(
        (pk, (parent, lvl))
        for pk, parent, lvl in Area.objects.filter(
            municipality_id__in={a.municipality_id or a.pk for a in targets.values()}
        ).values_list("pk", "parent_id", "level")
    )
    tree.update({a.pk: (a.parent_id, a.level) for a in targets.values()})

    def target_of(area_id: int) -> int | None:
        current: int | None = area_id
        while current is not None:
            if current in targets:
                return current
            current = tree.get(current, (None, ""))[0]
        return None

    people = _inhabitants(list(targets.values()), start.year)
    missing = [pk for pk in targets if pk not in people]
    if missing:
        # No count for the area itself: the sum over its buurten.
        buurten = [pk for pk, (_, lvl) in tree.items() if lvl == Level.BUURT]
        by_buurt = _inhabitants(list(Area.objects.filter(pk__in=buurten)), start.year)
        for buurt, value in by_buurt.items():
            pk = target_of(buurt)
            if pk in missing:
                people[pk] = people.get(pk, 0.0) + value
    figures = {pk: AreaFigures(a, people.get(pk)) for pk, a in targets.items()}
    signals = Signal.objects.filter(
        municipality_id__in={a.municipality_id or a.pk for a in targets.values()},
        reported_at__lt=end,
    ).filter(Q(reported_at__gte=start) | Q(closed_at__isnull=True) | Q(closed_at__gte=end))
    rows = signals.values_list(
        "area_id", "category__parent__code", "category__code", "reported_at", "closed_at",
        "deadline", "status",
    )  # fmt: skip
    for area_id, main, sub, reported, closed, deadline, status in rows:
        pk = target_of(area_id)
        if pk is None:
            continue
        fig = figures[pk]
        if closed is None or closed >= end:
            fig.backlog += 1
        if reported < start:
            continue
        key = main or sub
        fig.per_main[key] = fig.per_main.get(key, 0) + 1
        if closed is not None and status == "closed":
            fig.closed += 1
            fig.handling_days.append((closed - reported).total_seconds() / 86400)
            if deadline is None or closed <= deadline:
                fig.on_time += 1
    return sorted(figures.values(), key=lambda f: f.area.code)


def main_names() -> dict[str, str]:
    return dict(Category.objects.filter(parent__isnull=True).values_list("code", "name"))


def _specs(mains: dict[str, str], used: set[str]) -> dict[str, dict[str, Any]]:
    base = {"domain": "leefbaarheid", "source": SOURCE, "aggregation": "none",
            "kind": "objective"}  # fmt: skip
    specs: dict[str, dict[str, Any]] = {
        PER_1000: {**base, "name": "Meldingen per 1.000 inwoners", "unit": "per 1.000 inwoners",
                   "decimals": 1, "definition": "Meldingen openbare ruimte in de periode per "
                   "1.000 inwoners.", "direction": "neutral"},
        MEDIAN_DAYS: {**base, "name": "Afhandeltijd meldingen (mediaan)", "unit": "dagen",
                      "decimals": 1, "direction": "higher_is_worse",
                      "definition": "Mediaan van de dagen tussen melden en afhandelen, voor "
                      "meldingen gemeld en afgehandeld in de periode."},
        ON_TIME: {**base, "name": "Meldingen op tijd afgehandeld", "unit": "%", "decimals": 0,
                  "direction": "higher_is_better",
                  "definition": "Aandeel van de afgehandelde meldingen dat binnen de "
                  "afhandeltermijn is afgehandeld."},
        BACKLOG: {**base, "name": "Openstaande meldingen", "unit": "meldingen", "is_count": True,
                  "direction": "higher_is_worse",
                  "definition": "Meldingen die aan het eind van de periode nog open stonden."},
    }  # fmt: skip
    for code in sorted(used):
        specs[f"{PER_1000}-{code}"[:80]] = {
            **specs[PER_1000],
            "name": f"Meldingen {mains.get(code, code).lower()} per 1.000 inwoners",
            "definition": f"Meldingen in de hoofdcategorie {mains.get(code, code)} per 1.000 "
            "inwoners.",
        }
    return specs


def write(figures: list[AreaFigures], period: str, user: Any = None) -> ImportSummary:
    """Store the figures as observations (new or changed only), in one transaction."""
    summary = ImportSummary(file="signals", kind="signals")
    if not figures:
        return summary
    mains = main_names()
    used = {code for f in figures for code in f.per_main}
    specs = _specs(mains, used)
    with transaction.atomic():
        created, indicators = ensure_indicators(specs)
        summary.indicators_created = created
        records: list[tuple[int, int, str, float | None]] = []
        for f in figures:
            data = f.as_dict(mains)
            values: dict[str, float | None] = {
                PER_1000: data["per_1000"],
                MEDIAN_DAYS: data["median_handling_days"],
                ON_TIME: data["share_on_time"],
                BACKLOG: float(f.backlog),
            }
            for code in used:
                values[f"{PER_1000}-{code}"[:80]] = f.per_1000(f.per_main.get(code, 0))
            for key, value in values.items():
                if value is not None:
                    records.append((f.area.pk, indicators[key].pk, period, value))
        if not records:
            return summary
        frame = pd.DataFrame.from_records(
            records, columns=["area_id", "indicator_id", "period", "value"]
        )
        frame = frame.assign(margin_lower=float("nan"), margin_upper=float("nan"),
                             source_key="signals")  # fmt: skip
        digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
        write_observations(frame, summary, kind="signals", file_name=f"signals {period}",
                           sha=digest, user=user)  # fmt: skip
    return summary


def stats(level: str, period: str, municipality: str = "", *, store: bool = True) -> dict[str, Any]:
    """Compute (and by default store) the figures; the rows and the write summary."""
    figures = compute(level, period, municipality)
    mains = main_names()
    out: dict[str, Any] = {"level": level, "period": period,
                           "areas": [f.as_dict(mains) for f in figures]}  # fmt: skip
    if store:
        out["written"] = write(figures, period).as_dict()
    return out
