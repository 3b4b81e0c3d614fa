"""The registry of allocation rules for budget rounds: a stable key per rule.

Read by the CLI (``kompas pb tally --method``) and the round's rules. Filled by explicit imports
(no loading by dotted string) so type checkers can follow.
"""

from __future__ import annotations

from typing import Final

from gebiedskompas.participation.domain.allocation import greedy, mes, mes_complete
from gebiedskompas.participation.domain.allocation.base import Allocation, Profile, Rule

RULES: Final[dict[str, Rule]] = {
    greedy.KEY: greedy.allocate_greedy,
    mes.KEY: mes.allocate_equal_shares,
    mes_complete.KEY: mes_complete.allocate_equal_shares_completed,
}


def allocate(method: str, profile: Profile) -> Allocation:
    """Run the rule registered under ``method``; raises ``KeyError`` for an unknown key."""
    return RULES[method](profile)
