"""Retention: each municipality's period per kind of personal data, and the purge that runs every
registered kind's purger (core.retention) once per municipality and logs what it removed.

`kompas purge` and the worker's scheduled ``purge_personal_data`` both call
``purge_personal_data``; the beheer page and `kompas retention` call ``set_period``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from gebiedskompas.accounts.permissions import can
from gebiedskompas.accounts.roles import MANAGE_ROLES
from gebiedskompas.areas.models import Area, Level
from gebiedskompas.core import retention
from gebiedskompas.core.errors import KompasError, NotFound, PermissionDenied, gettext_noop
from gebiedskompas.ops.models import PurgeRun, RetentionPolicy

log = logging.getLogger(__name__)

# Who may manage a municipality's roles may set its retention periods (functioneel beheer).
MANAGE_RETENTION = MANAGE_ROLES
MAX_DAYS = 3650


def municipalities(codes: Sequence[str] = ()) -> list[Area]:
    """The municipalities (all, or those with `codes`); an unknown code is named."""
    found = Area.objects.filter(level=Level.GEMEENTE).order_by("code")
    if not codes:
        return list(found)
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    by_code = {a.code: a for a in found.filter(code__in=wanted)}
    unknown = [c for c in wanted if c not in by_code]
    if unknown:
        raise NotFound(
            gettext_noop(
                "unknown municipality {join_unknown}; give a gemeente code such as GM0363"
            ),
            column="municipality",
            value=unknown[0],
            join_unknown=", ".join(unknown),
        )
    return [by_code[c] for c in wanted]


def _kind(name: str) -> retention.Kind:
    kinds = retention.kinds()
    if name not in kinds:
        raise NotFound(
            gettext_noop("unknown retention kind {name!r}; expected one of {join_kinds}"),
            column="kind",
            value=name,
            name=name,
            join_kinds=", ".join(kinds),
        )
    return kinds[name]


def periods(areas: Sequence[Area]) -> dict[tuple[int, str], int]:
    """The period in days per (municipality id, kind) for `areas`: their own, else the default."""
    own = {
        (p.municipality_id, p.kind): p.days
        for p in RetentionPolicy.objects.filter(municipality__in=areas)
    }
    found = {}
    for name, kind in retention.kinds().items():
        default = kind.default_days()
        for area in areas:
            found[(area.pk, name)] = own.get((area.pk, name), default)
    return found


@dataclass(frozen=True)
class Period:
    kind: retention.Kind
    default: int
    own: int | None
    policy_id: int | None = None  # the RetentionPolicy row (its history page), when own

    @property
    def days(self) -> int:
        return self.default if self.own is None else self.own


def periods_of(municipality: Area) -> list[Period]:
    """Each kind's period for one municipality, with the default and its own setting."""
    own = {
        kind: (days, pk)
        for kind, days, pk in RetentionPolicy.objects.filter(municipality=municipality).values_list(
            "kind", "days", "pk"
        )
    }
    return [
        Period(k, k.default_days(), *own.get(n, (None, None))) for n, k in retention.kinds().items()
    ]


def set_periods(
    municipality_code: str, days_by_kind: dict[str, int | None], *, by: Any = None
) -> list[Period]:
    """Set the municipality's own periods (None: back to the installation default), all or
    nothing. `by` needs manage_roles for the municipality; None is the installation operator."""
    (municipality,) = municipalities([municipality_code])
    if by is not None and not can(by, MANAGE_RETENTION, municipality):
        raise PermissionDenied(
            gettext_noop("you may not set the retention periods of {name} ({code})"),
            name=municipality.name,
            code=municipality.code,
        )
    for name, days in days_by_kind.items():
        kind = _kind(name)
        if days is not None and not 0 <= days <= MAX_DAYS:
            raise KompasError(
                gettext_noop("{name}: a retention period is 0 to {MAX_DAYS} days, got {days}"),
                column=name,
                value=days,
                name=kind.name,
                MAX_DAYS=MAX_DAYS,
                days=days,
            )
    user = by if by is not None and getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        for name, days in days_by_kind.items():
            policy = RetentionPolicy.objects.filter(municipality=municipality, kind=name).first()
            if policy is None and days is None:
                continue
            if policy is None:
                policy = RetentionPolicy(municipality=municipality, kind=name)
            elif policy.days == days:
                continue
            policy._history_user = user  # type: ignore[attr-defined]  # read by simple_history
            if days is None:
                policy.delete()
            else:
                policy.days = days
                policy.save()
    log.info(
        "retention of %s set by %s: %s",
        municipality.code,
        user.get_username() if user else "operator",
        ", ".join(f"{k}={'default' if d is None else d}" for k, d in days_by_kind.items()),
    )
    return periods_of(municipality)


@dataclass(frozen=True)
class Row:
    municipality: str
    kind: str
    days: int
    count: int


@dataclass
class PurgeReport:
    dry_run: bool
    rows: list[Row] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # per kind, all municipalities
    all_rows: bool = False  # print rows that removed nothing too

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "purgers": self.counts,
            "municipalities": [r.__dict__ for r in self.rows],
        }

    def __str__(self) -> str:
        if not self.counts:
            return "no retention kinds registered"
        verb = "would remove" if self.dry_run else "removed"
        lines = [
            f"{r.municipality} {r.kind} ({r.days} days): {verb} {r.count} records"
            for r in self.rows
            if r.count or self.all_rows
        ]
        lines += [f"{name}: {verb} {n} records in all" for name, n in self.counts.items()]
        return "\n".join(lines)


def purge_personal_data(
    *, dry_run: bool = False, municipality_codes: Sequence[str] = (), now: datetime | None = None
) -> PurgeReport:
    """Run every registered kind's purger for each municipality (or those named) with that
    municipality's period, each kind in its own transaction, and log each run: a PurgeRun row
    per kind with the count and the count and period per municipality (references, never the
    personal data) and a log line."""
    moment = now or timezone.now()
    areas = municipalities(municipality_codes)
    days = periods(areas)
    report = PurgeReport(dry_run, all_rows=bool(municipality_codes))
    for name, kind in retention.kinds().items():
        total = 0
        per_municipality: dict[str, dict[str, object]] = {}
        with transaction.atomic():
            for area in areas:
                period = days[(area.pk, name)]
                scope = retention.Scope(area.pk, moment - timedelta(days=period), dry_run)
                outcome = kind.purger(scope)
                report.rows.append(Row(area.code, name, period, outcome.count))
                total += outcome.count
                if outcome.count:
                    per_municipality[area.code] = {
                        "days": period,
                        "count": outcome.count,
                        **outcome.detail,
                    }
            PurgeRun.objects.create(
                purger=name,
                dry_run=dry_run,
                count=total,
                detail={"municipalities": per_municipality},
            )
        report.counts[name] = total
        log.info(
            "purge %s%s: %d records (%s)",
            name,
            " (dry run)" if dry_run else "",
            total,
            ", ".join(f"{code} {d['count']}" for code, d in per_municipality.items()) or "none",
        )
    return report
