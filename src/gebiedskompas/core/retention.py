"""The registry of retention kinds: each app holding residents' personal data registers one kind
per sort of data, with the purger that removes it and the installation's default period.

A kind's retention period is set per municipality (``ops.RetentionPolicy``, edited by the
municipality's beheerder); without a row the installation default applies, read from an
environment variable. `kompas purge` and the worker's daily job (ops/retention.py) call each
kind's purger once per municipality with the moment before which the retention has run out, and
log each run. An app registers in its ``AppConfig.ready()``::

    from gebiedskompas.core import retention
    retention.register(
        "participation.voting_codes", purge_voting_codes,
        label=_("stemcodes, na het sluiten van de stemming"),
        default_days=lambda: settings.VOTING_CODE_RETENTION_DAYS,
        setting="KOMPAS_VOTING_CODE_RETENTION_DAYS",
    )

Plain Python: no Django here, so every layer may register.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Scope:
    """One purge: the records of one municipality whose retention started at or before
    `cutoff` (closing moment + period ≤ now) go; with `dry_run` they are only counted."""

    municipality_id: int
    cutoff: datetime
    dry_run: bool


@dataclass(frozen=True)
class PurgeOutcome:
    count: int
    detail: Mapping[str, object] = field(default_factory=dict)


Purger = Callable[[Scope], PurgeOutcome]


@dataclass(frozen=True)
class Kind:
    name: str
    purger: Purger
    label: object  # shown to beheerders; a lazy translation is fine
    default_days: Callable[[], int]  # the installation default (an environment variable)
    setting: str = ""  # that variable's name, for the documentation

    def __str__(self) -> str:
        return str(self.label)


_KINDS: dict[str, Kind] = {}


def register(
    name: str,
    purger: Purger,
    *,
    label: object = "",
    default_days: Callable[[], int],
    setting: str = "",
) -> None:
    """Register the kind `name` (``app.what``); registering a name again replaces it."""
    if not name or " " in name or len(name) > 64:
        raise ValueError(f"a retention kind needs a name without spaces, got {name!r}")
    _KINDS[name] = Kind(name, purger, label or name, default_days, setting)


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def kinds() -> Mapping[str, Kind]:
    """The registered kinds by name, in name order."""
    return dict(sorted(_KINDS.items()))
