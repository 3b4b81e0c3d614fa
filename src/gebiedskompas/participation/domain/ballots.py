"""The rules a ballot must meet, per ballot type, checked before anything is stored.

Ballot types (the round's rules choose one):

- ``approval``: name any number of ideas (between the round's minimum and maximum).
- ``knapsack``: approval whose chosen ideas together cost at most the round's budget.
- ``cumulative``: distribute at most ``points`` points (whole numbers ≥ 1) over ideas.
- ``ranking``: order ideas, best first; each idea at most once.

A ballot is given as a sequence of ``(idea id, value)`` pairs: the value is 1 for approval and
knapsack, the points for cumulative, and the position (1 = best) for ranking. ``check_ballot``
returns the ballot in a canonical form or raises ``BallotRefused`` with a reason code and a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from gebiedskompas.core import errors
from gebiedskompas.core.errors import gettext_noop


class BallotType(StrEnum):
    APPROVAL = "approval"
    KNAPSACK = "knapsack"
    CUMULATIVE = "cumulative"
    RANKING = "ranking"


class Refusal(StrEnum):
    EMPTY = "empty"
    TOO_FEW = "too_few"
    TOO_MANY = "too_many"
    UNKNOWN_IDEA = "unknown_idea"
    DUPLICATE = "duplicate"
    OVER_BUDGET = "over_budget"
    TOO_MANY_POINTS = "too_many_points"
    BAD_POINTS = "bad_points"


class BallotRefused(errors.Refusal):
    def __init__(self, reason: Refusal, message: str, /, **params: object) -> None:
        self.reason = reason
        super().__init__(message, **params)


@dataclass(frozen=True)
class BallotRules:
    ballot_type: BallotType
    budget: Decimal
    min_choices: int = 1
    max_choices: int | None = None
    points: int | None = None  # cumulative: the points each voter distributes


def check_ballot(
    rules: BallotRules, choices: Sequence[tuple[str, int]], costs: Mapping[str, Decimal]
) -> tuple[tuple[str, int], ...]:
    """Validate ``choices`` against ``rules`` and the ideas on the ballot (``costs``).

    Returns the choices with zero-point entries dropped, sorted by idea id (ranking: by position,
    renumbered 1..k). Raises ``BallotRefused``.
    """
    seen: set[str] = set()
    for idea, _value in choices:
        if idea not in costs:
            raise BallotRefused(
                Refusal.UNKNOWN_IDEA, gettext_noop("idea {idea} is not on this ballot"), idea=idea
            )
        if idea in seen:
            raise BallotRefused(
                Refusal.DUPLICATE, gettext_noop("idea {idea} is chosen more than once"), idea=idea
            )
        seen.add(idea)
    kept = [
        (i, v) for i, v in choices if not (rules.ballot_type == BallotType.CUMULATIVE and v == 0)
    ]
    if rules.ballot_type == BallotType.CUMULATIVE:
        if any(v < 0 for _, v in kept):
            raise BallotRefused(
                Refusal.BAD_POINTS, gettext_noop("points must be whole numbers of 0 or more")
            )
        total = sum(v for _, v in kept)
        if rules.points is not None and total > rules.points:
            raise BallotRefused(
                Refusal.TOO_MANY_POINTS,
                gettext_noop("{total} points given; at most {points} may be distributed"),
                total=total,
                points=rules.points,
            )
    if not kept:
        raise BallotRefused(Refusal.EMPTY, gettext_noop("the ballot names no idea"))
    if len(kept) < rules.min_choices:
        raise BallotRefused(
            Refusal.TOO_FEW,
            gettext_noop("{n} ideas chosen; choose at least {min_choices}"),
            n=len(kept),
            min_choices=rules.min_choices,
        )
    if rules.max_choices is not None and len(kept) > rules.max_choices:
        raise BallotRefused(
            Refusal.TOO_MANY,
            gettext_noop("{n} ideas chosen; choose at most {max_choices}"),
            n=len(kept),
            max_choices=rules.max_choices,
        )
    if rules.ballot_type == BallotType.KNAPSACK:
        total_cost = sum((costs[i] for i, _ in kept), Decimal(0))
        if total_cost > rules.budget:
            raise BallotRefused(
                Refusal.OVER_BUDGET,
                gettext_noop("the chosen ideas cost {cost}, more than the budget of {budget}"),
                cost=total_cost,
                budget=rules.budget,
            )
    if rules.ballot_type == BallotType.RANKING:
        ordered = sorted(kept, key=lambda c: c[1])
        return tuple((idea, position) for position, (idea, _) in enumerate(ordered, start=1))
    if rules.ballot_type in (BallotType.APPROVAL, BallotType.KNAPSACK):
        return tuple(sorted((idea, 1) for idea, _ in kept))
    return tuple(sorted(kept))
