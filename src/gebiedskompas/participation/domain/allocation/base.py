"""What every allocation rule takes and returns.

A rule takes a ``Profile`` (projects, costs, budget, who named which project) and returns an
``Allocation`` carrying that profile, its parameters, the winners and one ``ProjectOutcome`` per
project that says why it won or lost, so a results page can explain it to residents.

What a ballot counts as depends on its type (``Profile.satisfaction``; docs/adr/0006):

- ``cost`` (approval, knapsack, choose-1): a voter gains a project's cost when their ballot names
  it (pabutools' ``Cost_Sat``). Greedy orders by votes; MES pays per euro of satisfaction.
- ``points`` (cumulative, scoring): a voter gains the points they gave a project (pabutools'
  ``Additive_Cardinal_Sat``) in MES; greedy orders by total points (satisfaction points × cost,
  so points per euro is the total points, as votes are for approval). Negative scores count 0.
- ``borda`` (ranking): a project ranked r-th of m on the ballot gives m - r + 1 (the favourite m,
  an unranked project 0), used as points in MES and summed for greedy. pabutools' own
  ``Additive_Borda_Sat`` counts from the ballot's length and gives the last-ranked project 0,
  so a ballot ranking one idea would count for nothing; we do not follow it there.

Ties are broken as pabutools' default ``lexico_tie_breaking`` does: by project id compared as text
(so "10" comes before "9"), the smaller id first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from itertools import chain

import numpy as np
import numpy.typing as npt

from gebiedskompas.participation.domain.pabulib import PbElection

BoolMatrix = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


COST, POINTS, BORDA = "cost", "points", "borda"


@dataclass(frozen=True, eq=False)
class Profile:
    """The input of a rule. ``approvals[v, p]`` is True when ballot ``v`` supports project ``p``
    (names it; for points and ranks: gives it more than 0). ``scores[v, p]`` holds the points
    or Borda score where ``satisfaction`` is ``points`` or ``borda`` (None for ``cost``)."""

    project_ids: tuple[str, ...]
    costs: tuple[Decimal, ...]
    budget: Decimal
    approvals: BoolMatrix
    scores: FloatArray | None = None
    satisfaction: str = COST

    def __post_init__(self) -> None:
        if self.approvals.shape[1:] != (len(self.project_ids),):
            raise ValueError("approvals needs one column per project")
        if len(self.costs) != len(self.project_ids):
            raise ValueError("costs needs one entry per project")
        if (self.scores is None) != (self.satisfaction == COST):
            raise ValueError("scores go with points or borda satisfaction, and only there")
        if self.scores is not None and self.scores.shape != self.approvals.shape:
            raise ValueError("scores needs the shape of approvals")

    @property
    def score(self) -> FloatArray:
        """Per project what greedy orders by: votes (cost), total points or total Borda."""
        if self.scores is None:
            return self.support.astype(np.float64)
        return np.asarray(self.scores.sum(axis=0), dtype=np.float64)

    @property
    def voter_count(self) -> int:
        return int(self.approvals.shape[0])

    @property
    def support(self) -> IntArray:
        """Number of ballots naming each project."""
        return np.asarray(self.approvals.sum(axis=0), dtype=np.int64)

    def tie_rank(self) -> IntArray:
        """Position of each project when ordered by id as text: the tie-breaking order."""
        order = sorted(range(len(self.project_ids)), key=lambda i: self.project_ids[i])
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank

    @classmethod
    def from_election(cls, election: PbElection) -> Profile:
        if election.vote_type.value in ("cumulative", "scoring", "ordinal"):
            return cls._from_scored_election(election)
        ids = tuple(p.project_id for p in election.projects)
        column = {pid: i for i, pid in enumerate(ids)}
        votes = election.votes
        lengths = np.fromiter((len(v.projects) for v in votes), np.int64, count=len(votes))
        named = chain.from_iterable(v.projects for v in votes)
        cols = np.fromiter(map(column.__getitem__, named), np.int64, count=int(lengths.sum()))
        approvals = np.zeros((len(votes), len(ids)), dtype=np.bool_)
        approvals[np.repeat(np.arange(len(votes)), lengths), cols] = True
        return cls(ids, tuple(p.cost for p in election.projects), election.budget, approvals)

    @classmethod
    def _from_scored_election(cls, election: PbElection) -> Profile:
        costs: dict[str, Decimal | int] = {p.project_id: p.cost for p in election.projects}
        if election.vote_type.value == "ordinal":
            return cls.from_rankings(costs, election.budget, [v.projects for v in election.votes])
        scored = [
            {pid: float(points) for pid, points in zip(v.projects, v.points or (), strict=True)}
            for v in election.votes
        ]
        return cls.from_points(costs, election.budget, scored)

    @classmethod
    def from_points(
        cls,
        costs: dict[str, Decimal | int],
        budget: Decimal | int,
        ballots: Sequence[dict[str, float]],
    ) -> Profile:
        """Cumulative or scoring ballots: points per project (negative points count 0)."""
        ids = tuple(costs)
        column = {pid: i for i, pid in enumerate(ids)}
        scores = np.zeros((len(ballots), len(ids)), dtype=np.float64)
        for v, ballot in enumerate(ballots):
            for pid, points in ballot.items():
                scores[v, column[pid]] = max(float(points), 0.0)
        return cls(
            ids, tuple(Decimal(c) for c in costs.values()), Decimal(budget), scores > 0,
            scores, POINTS,
        )  # fmt: skip

    @classmethod
    def from_rankings(
        cls,
        costs: dict[str, Decimal | int],
        budget: Decimal | int,
        rankings: Sequence[Sequence[str]],
    ) -> Profile:
        """Ranking ballots, best first: the r-th of m projects scores m - r + 1 (Borda)."""
        ids = tuple(costs)
        m = len(ids)
        column = {pid: i for i, pid in enumerate(ids)}
        scores = np.zeros((len(rankings), m), dtype=np.float64)
        for v, ranking in enumerate(rankings):
            for position, pid in enumerate(ranking):
                scores[v, column[pid]] = float(m - position)
        return cls(
            ids, tuple(Decimal(c) for c in costs.values()), Decimal(budget), scores > 0,
            scores, BORDA,
        )  # fmt: skip

    @classmethod
    def from_ballots(
        cls,
        costs: dict[str, Decimal | int],
        budget: Decimal | int,
        ballots: Sequence[Sequence[str]],
    ) -> Profile:
        """Build a profile from plain lists; handy for hand-worked examples."""
        ids = tuple(costs)
        column = {pid: i for i, pid in enumerate(ids)}
        approvals = np.zeros((len(ballots), len(ids)), dtype=np.bool_)
        for v, ballot in enumerate(ballots):
            for pid in ballot:
                approvals[v, column[pid]] = True
        return cls(ids, tuple(Decimal(c) for c in costs.values()), Decimal(budget), approvals)


class Reason(StrEnum):
    """Why a project won or lost, in words a results page can expand."""

    SELECTED = "selected"  # chosen by the rule itself
    SELECTED_IN_COMPLETION = "selected_in_completion"  # chosen while spending what MES left
    NO_SUPPORT = "no_support"  # MES: no ballot names it, or it is free (satisfies no one)
    SUPPORTERS_SHARE_TOO_SMALL = "supporters_share_too_small"  # MES: supporters cannot pay
    DOES_NOT_FIT = "does_not_fit"  # greedy: costs more than the budget left at its turn


@dataclass(frozen=True)
class ProjectOutcome:
    """One project's result and the figures behind it.

    For MES, ``price_per_supporter`` is the most any supporter paid, ``paid_by_supporters`` their
    total, ``share_used`` that total as a fraction of the supporters' combined share
    (supporters × the per-voter share), and ``supporters_money_left`` what the supporters held when
    the project dropped out, to set beside its cost. ``rho`` is MES's cost per unit of
    satisfaction at selection (lower is better); ``round`` counts selections from 1.
    """

    project_id: str
    cost: Decimal
    votes: int
    selected: bool
    reason: Reason
    round: int | None = None
    score: float | None = None  # total points or Borda score (None for approval ballots)
    rho: float | None = None
    price_per_supporter: float | None = None
    paid_by_supporters: float | None = None
    share_used: float | None = None
    supporters_money_left: float | None = None
    budget_left_at_turn: Decimal | None = None


@dataclass(frozen=True)
class Allocation:
    """A rule's result with its inputs: ``winners`` in the order chosen."""

    method: str
    profile: Profile
    winners: tuple[str, ...]
    projects: tuple[ProjectOutcome, ...]
    parameters: dict[str, object] = field(default_factory=dict)

    @property
    def budget(self) -> Decimal:
        return self.profile.budget

    @property
    def cost(self) -> Decimal:
        chosen = set(self.winners)
        return sum(
            (
                c
                for p, c in zip(self.profile.project_ids, self.profile.costs, strict=True)
                if p in chosen
            ),
            Decimal(0),
        )

    def outcome(self, project_id: str) -> ProjectOutcome:
        return next(p for p in self.projects if p.project_id == project_id)

    def summary(self) -> dict[str, object]:
        """The CLI's ``--json``: method, budget, winners (project ids) and their total cost."""
        return {
            "method": self.method,
            "budget": _plain(self.budget),
            "winners": list(self.winners),
            "cost": _plain(self.cost),
        }


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


Rule = Callable[[Profile], Allocation]
