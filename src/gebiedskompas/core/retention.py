"""The registry of retention purgers: each app holding residents' personal data registers one.

A purger removes the personal data past its retention period and says how many records it
removed (or, in a dry run, would remove). `kompas purge` and the worker's daily job run every
registered purger (ops/retention.py) and log each run. An app registers in its
``AppConfig.ready()``::

    from gebiedskompas.core import retention
    retention.register("participation.voter_codes", purge_voter_codes)

Plain Python: no Django here, so every layer may register.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PurgeOutcome:
    count: int
    detail: Mapping[str, object] = field(default_factory=dict)


Purger = Callable[[bool], PurgeOutcome]  # called with dry_run

_PURGERS: dict[str, Purger] = {}


def register(name: str, purger: Purger) -> None:
    """Register `purger` under `name` (``app.what``); registering a name again replaces it."""
    if not name or " " in name:
        raise ValueError(f"a purger needs a name without spaces, got {name!r}")
    _PURGERS[name] = purger


def unregister(name: str) -> None:
    _PURGERS.pop(name, None)


def purgers() -> Mapping[str, Purger]:
    """The registered purgers by name, in name order."""
    return dict(sorted(_PURGERS.items()))
