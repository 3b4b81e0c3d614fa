"""The Method of Equal Shares (MES) with cost satisfaction, as pabutools computes it.

Each of the n voters gets an equal share B/n of the budget B. A project can only be paid from
its supporters' shares. In every round, for each project still in the running, find the smallest
rho such that its supporters together pay its cost when each pays min(money left, rho × cost)
(the cost is each supporter's satisfaction); fund the project with the smallest rho, ties by id
as text, and deduct the payments. A project whose supporters no longer hold its cost drops out.
Stop when no project is left. A project nobody names is never funded, nor is a free one: with
cost satisfaction it satisfies no one (pabutools skips both).

References: Peters, Pierczyński and Skowron, "Proportional Participatory Budgeting with Additive
Utilities" (NeurIPS 2021), https://equalshares.net; pabutools 1.2
``rules/mes/mes_rule.py`` (``method_of_equal_shares`` with ``Cost_Sat``, lexicographic ties).

Speed: voters with identical ballots always hold the same money, so they are counted once with a
multiplicity; rho is found with the "poor/rich" iteration over numpy arrays; and, as pabutools
does, a project's rho from an earlier round is a lower bound (money only decreases), so a round
stops evaluating once the lower bounds exceed the best rho found. pabutools computes in exact
fractions; we compute in float64 and treat values within a relative 1e-9 as equal, so that ties
that are exact in fractions are broken by id here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from gebiedskompas.participation.domain.allocation.base import (
    Allocation,
    BoolMatrix,
    FloatArray,
    IntArray,
    Profile,
    ProjectOutcome,
    Reason,
)

KEY = "mes"
RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class VoterGroups:
    """Voters with identical ballots: ``counts[g]`` voters share support pattern ``g``.

    ``supporters[p]`` lists the groups naming project ``p``; ``support[p]`` counts their voters.
    ``weights[p]`` (points and ranking ballots only) holds each supporting group's utility for
    ``p``; approval ballots have none (every supporter's utility is the project's cost).
    """

    counts: FloatArray
    supporters: tuple[IntArray, ...]
    support: IntArray
    weights: tuple[FloatArray, ...] | None = None

    @classmethod
    def of_profile(cls, profile: Profile) -> VoterGroups:
        if profile.scores is None:
            return cls.of(profile.approvals)
        scores = profile.scores
        n_projects = scores.shape[1]
        if scores.shape[0] == 0:
            groups = cls.of(profile.approvals)
            empty = tuple(np.zeros(0) for _ in range(n_projects))
            return cls(groups.counts, groups.supporters, groups.support, empty)
        patterns, counts = np.unique(scores, axis=0, return_counts=True)
        supporters = tuple(np.flatnonzero(patterns[:, p] > 0) for p in range(n_projects))
        support = np.array([counts[s].sum() for s in supporters], dtype=np.int64)
        weights = tuple(patterns[s, p] for p, s in enumerate(supporters))
        return cls(counts.astype(np.float64), supporters, support, weights)

    @classmethod
    def of(cls, approvals: BoolMatrix) -> VoterGroups:
        n_projects = approvals.shape[1]
        if approvals.shape[0] == 0:
            empty = np.zeros(0, dtype=np.int64)
            support = np.zeros(n_projects, dtype=np.int64)
            return cls(np.zeros(0), tuple(empty for _ in range(n_projects)), support)
        packed = np.packbits(approvals, axis=1)
        width = packed.shape[1]
        # Compare each packed row as one value: far faster than np.unique(axis=0).
        keys: npt.NDArray[np.generic]
        if width <= 8:
            padded = np.zeros((packed.shape[0], 8), dtype=np.uint8)
            padded[:, :width] = packed
            keys = padded.view(np.uint64).ravel()
        else:
            keys = np.ascontiguousarray(packed).view(np.dtype((np.void, width))).ravel()
        _, first, counts = np.unique(keys, return_index=True, return_counts=True)
        patterns = approvals[first]
        supporters = tuple(np.flatnonzero(patterns[:, p]) for p in range(n_projects))
        support = np.array([counts[s].sum() for s in supporters], dtype=np.int64)
        return cls(counts.astype(np.float64), supporters, support)


@dataclass
class MesRun:
    """The trace of one MES run: enough to explain every project."""

    share: float
    chosen: list[int] = field(default_factory=list)
    rho: dict[int, float] = field(default_factory=dict)
    price: dict[int, float] = field(default_factory=dict)
    paid: dict[int, float] = field(default_factory=dict)
    dropped_with: dict[int, float] = field(default_factory=dict)
    left: FloatArray = field(default_factory=lambda: np.zeros(0))


def _payment_per_utility(
    money: FloatArray, counts: FloatArray, weights: FloatArray, cost: float
) -> float:
    """Smallest rho with sum(counts × min(money, rho × weights)) = cost (poor/rich iteration)."""
    poor = np.zeros(money.shape, dtype=np.bool_)
    total = float(counts @ weights)
    while True:
        rich_weight = total - float(counts[poor] @ weights[poor])
        if rich_weight <= 0:  # all pay everything: only when money equals cost up to rounding
            return float((money / weights).max())
        rho = (cost - float(money[poor] @ counts[poor])) / rich_weight
        newly_poor = ~poor & (money < rho * weights)
        if not newly_poor.any():
            return float(rho)
        poor |= newly_poor


def _payment_per_supporter(money: FloatArray, counts: FloatArray, cost: float) -> float:
    """Smallest q with sum(counts × min(money, q)) = cost (pabutools' "poor/rich" iteration)."""
    poor = np.zeros(money.shape, dtype=np.bool_)
    total = counts.sum()
    while True:
        rich_count = total - counts[poor].sum()
        if rich_count <= 0:  # all pay everything: only when money equals cost up to rounding
            return float(money.max())
        q = (cost - float(money[poor] @ counts[poor])) / rich_count
        newly_poor = ~poor & (money < q)
        if not newly_poor.any():
            return float(q)
        poor |= newly_poor


def run_mes(
    profile: Profile, groups: VoterGroups, share: float, costs: FloatArray, rank: IntArray
) -> MesRun:
    """Run MES with ``share`` per voter; ``costs`` as floats, ``rank`` the tie-breaking order."""
    run = MesRun(share=share)
    money = np.full(groups.counts.shape, share)
    support = groups.support
    weights = groups.weights
    if weights is None:  # cost satisfaction: rho per euro of a supporter's satisfaction
        running = {int(p) for p in np.flatnonzero((support > 0) & (costs > 0))}
        bound = {p: 1.0 / float(support[p]) for p in running}  # pabutools' initial afford.
    else:  # points or Borda: rho per point; a free project with support costs nobody anything
        running = {int(p) for p in np.flatnonzero(support > 0)}
        bound = {
            p: float(costs[p]) / float(groups.counts[groups.supporters[p]] @ weights[p])
            for p in running
        }
    tolerance = 1.0 + RELATIVE_TOLERANCE
    while running:
        best = np.inf
        found: dict[int, float] = {}
        for p in sorted(running, key=lambda p: bound[p]):
            idx = groups.supporters[p]
            held, counts = money[idx], groups.counts[idx]
            available = float(held @ counts)
            if available * tolerance < costs[p]:
                running.discard(p)
                run.dropped_with[p] = available
                continue
            if bound[p] > best * tolerance:
                break
            if weights is None:
                rho = _payment_per_supporter(held, counts, float(costs[p])) / float(costs[p])
            else:
                rho = _payment_per_utility(held, counts, weights[p], float(costs[p]))
            bound[p] = found[p] = rho
            best = min(best, rho)
        if not found:
            break
        tied = [p for p, rho in found.items() if rho <= best * tolerance]
        chosen = min(tied, key=lambda p: rank[p])
        idx = groups.supporters[chosen]
        if weights is None:
            pay = np.minimum(money[idx], found[chosen] * float(costs[chosen]))
        else:
            pay = np.minimum(money[idx], found[chosen] * weights[chosen])
        money[idx] -= pay
        running.discard(chosen)
        run.chosen.append(chosen)
        run.rho[chosen] = found[chosen]
        run.price[chosen] = float(pay.max())
        run.paid[chosen] = float(pay @ groups.counts[idx])
    run.left = money
    return run


def float_costs(profile: Profile) -> FloatArray:
    return np.array([float(c) for c in profile.costs], dtype=np.float64)


def mes_outcomes(
    profile: Profile, groups: VoterGroups, run: MesRun, *, completed: frozenset[int] = frozenset()
) -> tuple[ProjectOutcome, ...]:
    """Explain each project of ``run``; ``completed`` were added afterwards by completion."""
    support = groups.support
    scores = None if profile.scores is None else profile.score
    order = {p: i for i, p in enumerate(run.chosen, start=1)}
    outcomes = []
    for p, pid in enumerate(profile.project_ids):
        votes = int(support[p])
        supporters_money = float(
            run.left[groups.supporters[p]] @ groups.counts[groups.supporters[p]]
        )
        common = {"project_id": pid, "cost": profile.costs[p], "votes": votes,
                  "score": None if scores is None else float(scores[p])}  # fmt: skip
        if p in run.chosen:
            outcomes.append(
                ProjectOutcome(
                    **common,  # type: ignore[arg-type]  # keys match ProjectOutcome's fields
                    selected=True,
                    reason=Reason.SELECTED,
                    round=order[p],
                    rho=run.rho[p],
                    price_per_supporter=run.price[p],
                    paid_by_supporters=run.paid[p],
                    share_used=run.paid[p] / (votes * run.share),
                )
            )
        elif p in completed:
            outcomes.append(
                ProjectOutcome(
                    **common,  # type: ignore[arg-type]  # keys match ProjectOutcome's fields
                    selected=True,
                    reason=Reason.SELECTED_IN_COMPLETION,
                    supporters_money_left=supporters_money,
                )
            )
        else:
            outcomes.append(
                ProjectOutcome(
                    **common,  # type: ignore[arg-type]  # keys match ProjectOutcome's fields
                    selected=False,
                    reason=(
                        Reason.SUPPORTERS_SHARE_TOO_SMALL
                        if votes and profile.costs[p] > 0
                        else Reason.NO_SUPPORT
                    ),
                    supporters_money_left=run.dropped_with.get(p, supporters_money),
                )
            )
    return tuple(outcomes)


def allocate_equal_shares(profile: Profile) -> Allocation:
    """MES with cost satisfaction and the per-voter share B/n; may leave money unspent."""
    groups = VoterGroups.of_profile(profile)
    n = profile.voter_count
    winners: tuple[str, ...] = ()
    share = float(profile.budget) / n if n else 0.0
    run = MesRun(share=share, left=np.zeros(groups.counts.shape))
    if n:
        run = run_mes(profile, groups, share, float_costs(profile), profile.tie_rank())
        winners = tuple(profile.project_ids[p] for p in run.chosen)
    return Allocation(
        method=KEY,
        profile=profile,
        winners=winners,
        projects=mes_outcomes(profile, groups, run),
        parameters={
            "satisfaction": profile.satisfaction,
            "share_per_voter": Decimal(profile.budget) / n if n else Decimal(0),
            "tie_breaking": "project id as text, smallest first",
        },
    )
