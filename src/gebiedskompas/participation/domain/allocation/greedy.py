"""Greedy by votes: what CONSUL and Decidim do, and pabutools' ``greedy_utilitarian_welfare``.

For points and ranking ballots "votes" is the project's total points or total Borda score
(``Profile.score``): the same rule with satisfaction points × cost, see base.py.

With cost satisfaction a project adds (its votes × its cost) to the total satisfaction, so the
satisfaction per euro is simply its number of votes. Projects are taken in order of votes (most
first, ties by id as text) and each one is funded when it fits in what is left of the budget,
else skipped ("skip and continue"). Projects without votes, and free projects (which satisfy no
one under cost satisfaction), come last and are still funded if they fit, as pabutools does.

Reference: pabutools 1.2 ``rules/greedywelfare/greedywelfare_rule.py``,
``greedy_utilitarian_scheme_additive`` with ``Cost_Sat`` and ``lexico_tie_breaking``.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

import numpy as np

from gebiedskompas.participation.domain.allocation.base import (
    Allocation,
    Profile,
    ProjectOutcome,
    Reason,
)

KEY = "greedy"


def greedy_order(profile: Profile) -> list[int]:
    """Project indices in the order greedy considers them."""
    costs = profile.costs
    # Density = total satisfaction / cost = votes (or points, or Borda score). A free project
    # has satisfaction 0 (satisfaction is cost-weighted), so density 0 (pabutools' inf applies
    # only to positive satisfaction).
    priced = np.array([c > 0 for c in costs], dtype=np.bool_)
    density = np.where(priced, profile.score, 0.0)
    rank = profile.tie_rank()
    return [int(i) for i in np.lexsort((rank, -density))]


def allocate_greedy(
    profile: Profile,
    *,
    already_chosen: Collection[int] = (),
    completion: bool = False,
) -> Allocation:
    """Fund projects by votes while they fit; ``already_chosen`` (indices) are kept and paid first.

    ``completion`` marks projects added here as chosen in completion (used by mes-complete).
    """
    chosen = list(already_chosen)
    left = profile.budget - sum((profile.costs[i] for i in chosen), Decimal(0))
    votes = profile.support
    scores = None if profile.scores is None else profile.score
    outcomes: dict[int, ProjectOutcome] = {}
    round_no = len(chosen)
    for i in greedy_order(profile):
        if i in already_chosen:
            continue
        cost = profile.costs[i]
        fits = cost <= left
        if fits:
            round_no += 1
            chosen.append(i)
            left -= cost
            reason = Reason.SELECTED_IN_COMPLETION if completion else Reason.SELECTED
        else:
            reason = Reason.DOES_NOT_FIT
        outcomes[i] = ProjectOutcome(
            project_id=profile.project_ids[i],
            cost=cost,
            votes=int(votes[i]),
            score=None if scores is None else float(scores[i]),
            selected=fits,
            reason=reason,
            round=round_no if fits else None,
            budget_left_at_turn=left + cost if fits else left,
        )
    return Allocation(
        method=KEY,
        profile=profile,
        winners=tuple(profile.project_ids[i] for i in chosen),
        projects=tuple(outcomes[i] for i in range(len(profile.project_ids)) if i in outcomes),
        parameters={
            "satisfaction": profile.satisfaction,
            "tie_breaking": "project id as text, smallest first",
        },
    )
