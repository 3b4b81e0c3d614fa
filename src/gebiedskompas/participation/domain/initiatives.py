"""A residents' initiative from application to report, as data: statuses, moves, criteria.

A resident or group applies; the municipality assesses it against the criteria (with the advice
of the gebiedsverbinder) and decides: grant, grant partly, or refuse, always with reasons. A
granted initiative is paid out and reports afterwards what happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from gebiedskompas.core.errors import Refusal, gettext_noop


class InitiativeStatus(StrEnum):
    SUBMITTED = "submitted"
    ASSESSING = "assessing"
    GRANTED = "granted"
    PARTLY_GRANTED = "partly_granted"
    REFUSED = "refused"
    PAID = "paid"
    REPORTED = "reported"


DECISIONS: Final = frozenset(
    {InitiativeStatus.GRANTED, InitiativeStatus.PARTLY_GRANTED, InitiativeStatus.REFUSED}
)

ALLOWED: Final[Mapping[InitiativeStatus, frozenset[InitiativeStatus]]] = {
    InitiativeStatus.SUBMITTED: frozenset({InitiativeStatus.ASSESSING}),
    InitiativeStatus.ASSESSING: DECISIONS,
    InitiativeStatus.GRANTED: frozenset({InitiativeStatus.PAID}),
    InitiativeStatus.PARTLY_GRANTED: frozenset({InitiativeStatus.PAID}),
    InitiativeStatus.REFUSED: frozenset(),
    InitiativeStatus.PAID: frozenset({InitiativeStatus.REPORTED}),
    InitiativeStatus.REPORTED: frozenset(),
}

# The assessment criteria, by stable key; the web shows Dutch labels.
CRITERIA: Final = (
    "support_in_area",  # draagvlak: neighbours know and back it
    "fits_area_agenda",  # contributes to the area's agenda or plan
    "feasible_and_safe",
    "own_effort",  # residents contribute time or means themselves
    "not_commercial",
)


class StatusRefused(Refusal):
    """A move the table does not allow."""


def check_move(current: InitiativeStatus, to: InitiativeStatus) -> None:
    if to not in ALLOWED[current]:
        allowed = ", ".join(sorted(ALLOWED[current])) or gettext_noop("none")
        raise StatusRefused(
            gettext_noop("an initiative that is {current} cannot become {to}; allowed: {allowed}"),
            current=current,
            to=to,
            allowed=allowed,
        )
