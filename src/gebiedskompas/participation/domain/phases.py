"""The phases of a budget round and the moves allowed between them, as data.

A round is prepared, collects ideas from residents, has them checked for feasibility and cost,
lets residents vote, publishes the results and then tracks execution. The check may send the round
back to collecting ideas; nothing else goes backwards, so a published result stays published.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from gebiedskompas.core.errors import Refusal, gettext_noop


class Phase(StrEnum):
    PREPARATION = "preparation"
    IDEAS = "ideas"
    CHECK = "check"
    VOTING = "voting"
    RESULTS = "results"
    EXECUTION = "execution"


ORDER: Final = tuple(Phase)

ALLOWED: Final[Mapping[Phase, frozenset[Phase]]] = {
    Phase.PREPARATION: frozenset({Phase.IDEAS}),
    Phase.IDEAS: frozenset({Phase.CHECK}),
    Phase.CHECK: frozenset({Phase.IDEAS, Phase.VOTING}),  # back: more ideas wanted
    Phase.VOTING: frozenset({Phase.RESULTS}),
    Phase.RESULTS: frozenset({Phase.EXECUTION}),
    Phase.EXECUTION: frozenset(),
}


class PhaseRefused(Refusal):
    """A move the table does not allow; the message names both phases and the allowed moves."""


def check_move(current: Phase, to: Phase) -> None:
    """Raise ``PhaseRefused`` unless ``current`` → ``to`` is in ``ALLOWED``."""
    if to not in ALLOWED[current]:
        allowed = ", ".join(sorted(ALLOWED[current])) or gettext_noop("none")
        raise PhaseRefused(
            gettext_noop("a round in phase {current} cannot move to {to}; allowed: {allowed}"),
            current=current,
            to=to,
            allowed=allowed,
        )
