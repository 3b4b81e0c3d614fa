"""The signal lifecycle as data: every status and the moves allowed between them.

After Amsterdam/Signalen's workflow table: the whole lifecycle fits on a screen and a test walks
every edge. `change_status()` in services.py is the one place that applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from gebiedskompas.core.errors import Refusal, gettext_noop


class Status(StrEnum):
    REPORTED = "reported"  # gemeld
    IN_PROGRESS = "in_progress"  # in behandeling
    SCHEDULED = "scheduled"  # ingepland
    ON_HOLD = "on_hold"  # gepauzeerd
    FORWARDED = "forwarded"  # doorgezet naar een externe partij
    CLOSED = "closed"  # afgehandeld
    REOPENED = "reopened"  # heropend
    CANCELLED = "cancelled"  # geannuleerd


LABELS: Final[Mapping[Status, str]] = {
    Status.REPORTED: "gemeld",
    Status.IN_PROGRESS: "in behandeling",
    Status.SCHEDULED: "ingepland",
    Status.ON_HOLD: "gepauzeerd",
    Status.FORWARDED: "doorgezet",
    Status.CLOSED: "afgehandeld",
    Status.REOPENED: "heropend",
    Status.CANCELLED: "geannuleerd",
}

_WORKING: Final = frozenset({Status.IN_PROGRESS, Status.SCHEDULED, Status.ON_HOLD})

ALLOWED: Final[Mapping[Status, frozenset[Status]]] = {
    Status.REPORTED: _WORKING | {Status.FORWARDED, Status.CLOSED, Status.CANCELLED},
    Status.IN_PROGRESS: frozenset(
        {Status.SCHEDULED, Status.ON_HOLD, Status.FORWARDED, Status.CLOSED, Status.CANCELLED}
    ),
    Status.SCHEDULED: frozenset(
        {Status.IN_PROGRESS, Status.ON_HOLD, Status.CLOSED, Status.CANCELLED}
    ),
    Status.ON_HOLD: frozenset({Status.IN_PROGRESS, Status.SCHEDULED, Status.CANCELLED}),
    Status.FORWARDED: frozenset({Status.IN_PROGRESS, Status.CLOSED, Status.CANCELLED}),
    # A closed signal can only be reopened (the reporter says it is not fixed); a cancelled one
    # is final, as in Signalen.
    Status.CLOSED: frozenset({Status.REOPENED}),
    Status.REOPENED: _WORKING | {Status.FORWARDED, Status.CLOSED, Status.CANCELLED},
    Status.CANCELLED: frozenset(),
}

FINAL: Final = frozenset({Status.CLOSED, Status.CANCELLED})
OPEN: Final = frozenset(Status) - FINAL
# Open311 knows only these two; the Dutch label travels in status_notes.
OPEN311_STATUS: Final[Mapping[Status, str]] = {
    s: ("closed" if s in FINAL else "open") for s in Status
}


class TransitionRefused(Refusal):
    """A move the workflow table does not allow."""


def check_transition(current: Status, target: Status) -> None:
    """Raise TransitionRefused, naming both statuses in Dutch, unless the table allows it."""
    if target not in ALLOWED[current]:
        allowed = ", ".join(sorted(LABELS[s] for s in ALLOWED[current])) or gettext_noop("geen")
        raise TransitionRefused(
            gettext_noop("status {current} kan niet naar {target}; toegestaan: {allowed}"),
            current=LABELS[current],
            target=LABELS[target],
            allowed=allowed,
        )
