"""MES completed so the budget is used: "add1" first, then greedy by votes for what is left.

Plain MES often leaves money unspent. The completion used in Wieliczka, Aarau and Assen
(Pabulib ``rule: equalshares/add1``; https://equalshares.net/implementation/completion/) is:

1. *add1*: rerun MES with each voter's share raised by 1 currency unit (B/n, B/n + 1, B/n + 2,
   …) and keep the last outcome whose total cost stays within the real budget B; stop early when
   an outcome leaves no supported project that would still fit.
2. *greedy*: spend what is still left by greedy by votes (``greedy``), keeping step 1's winners.

In pabutools 1.2 terms this is ``completion_by_rule_combination(instance, profile,
[method_of_equal_shares, greedy_utilitarian_welfare], [{"sat_class": Cost_Sat,
"voter_budget_increment": 1}, {"sat_class": Cost_Sat}])``; see docs/adr/0006.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from gebiedskompas.participation.domain.allocation.base import Allocation, Profile
from gebiedskompas.participation.domain.allocation.greedy import allocate_greedy
from gebiedskompas.participation.domain.allocation.mes import (
    MesRun,
    VoterGroups,
    float_costs,
    mes_outcomes,
    run_mes,
)

KEY = "mes-complete"
INCREMENT = Decimal(1)


def _total(profile: Profile, chosen: list[int]) -> Decimal:
    return sum((profile.costs[p] for p in chosen), Decimal(0))


def allocate_equal_shares_completed(
    profile: Profile, *, increment: Decimal = INCREMENT
) -> Allocation:
    """MES with add1 (shares raised by ``increment``), then greedy by votes; uses the budget."""
    groups = VoterGroups.of_profile(profile)
    n = profile.voter_count
    costs, rank = float_costs(profile), profile.tie_rank()
    candidates = np.flatnonzero((groups.support > 0) & (costs > 0))
    share = profile.budget / n if n else Decimal(0)
    steps, kept_steps = 0, 0
    kept = MesRun(share=float(share), left=np.full(groups.counts.shape, float(share)))
    while n:
        run = run_mes(profile, groups, float(share + steps * increment), costs, rank)
        chosen = run.chosen
        spent = _total(profile, chosen)
        if spent > profile.budget:
            break
        kept, kept_steps = run, steps
        taken = set(chosen)
        if all(p in taken or spent + profile.costs[p] > profile.budget for p in candidates):
            break
        steps += 1
    first = kept.chosen
    completed = allocate_greedy(profile, already_chosen=first, completion=True)
    extra = frozenset(
        i for i, pid in enumerate(profile.project_ids) if pid in completed.winners[len(first) :]
    )
    outcomes = mes_outcomes(profile, groups, kept, completed=extra)
    return Allocation(
        method=KEY,
        profile=profile,
        winners=completed.winners,
        projects=outcomes,
        parameters={
            "satisfaction": profile.satisfaction,
            "completion": "add1, then greedy by votes",
            "increment_per_voter": increment,
            "add1_steps": kept_steps,
            "share_per_voter": share + kept_steps * increment,
            "tie_breaking": "project id as text, smallest first",
        },
    )
