"""Every read the participation pages and commands need."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet

from gebiedskompas.accounts.permissions import area_filter
from gebiedskompas.accounts.roles import ASSESS_INITIATIVE
from gebiedskompas.participation.domain.allocation import Allocation
from gebiedskompas.participation.domain.allocation.base import ProjectOutcome
from gebiedskompas.participation.domain.phases import Phase
from gebiedskompas.participation.models import BudgetRound, Idea, IdeaStatus, Initiative
from gebiedskompas.participation.services import tally


def public_rounds() -> QuerySet[BudgetRound]:
    return (
        BudgetRound.objects.exclude(phase=Phase.PREPARATION)
        .select_related("area")
        .annotate(idea_count=Count("ideas"))
    )


def round_or_none(round_id: int) -> BudgetRound | None:
    return (
        BudgetRound.objects.select_related("area", "area__municipality")
        .prefetch_related("plan")
        .filter(pk=round_id)
        .first()
    )


def ballot_ideas(budget_round: BudgetRound) -> list[Idea]:
    return list(budget_round.ideas.filter(status=IdeaStatus.ACCEPTED).order_by("title", "pk"))


def ideas_by_status(budget_round: BudgetRound) -> dict[str, list[Idea]]:
    found: dict[str, list[Idea]] = {s.value: [] for s in IdeaStatus}
    for idea in budget_round.ideas.order_by("title", "pk"):
        found[idea.status].append(idea)
    return found


@dataclass(frozen=True)
class IdeaResult:
    """One idea in the results, with the figures a resident needs to see why."""

    idea: Idea
    outcome: ProjectOutcome
    selected_by_greedy: bool

    @property
    def share_used_percent(self) -> float | None:
        share = self.outcome.share_used
        return None if share is None else round(100 * share, 1)

    @property
    def supporters_money_left(self) -> Decimal | None:
        left = self.outcome.supporters_money_left
        return None if left is None else Decimal(str(round(left, 2)))

    @property
    def price_per_supporter(self) -> Decimal | None:
        price = self.outcome.price_per_supporter
        return None if price is None else Decimal(str(round(price, 2)))


@dataclass(frozen=True)
class RoundResults:
    allocation: Allocation
    rows: list[IdeaResult]
    voters: int
    share_per_voter: Decimal | None
    spent: Decimal
    greedy_differs: bool


def results(budget_round: BudgetRound) -> RoundResults:
    """The round's result under its method, and for comparison what greedy by votes picks."""
    allocation = tally(budget_round)
    greedy = tally(budget_round, "greedy")
    ideas = {i.pb_id: i for i in budget_round.ideas.filter(status=IdeaStatus.ACCEPTED)}
    order = {pid: n for n, pid in enumerate(allocation.winners)}
    rows = [
        IdeaResult(ideas[o.project_id], o, o.project_id in greedy.winners)
        for o in allocation.projects
        if o.project_id in ideas
    ]
    rows.sort(
        key=lambda r: (not r.outcome.selected, order.get(r.outcome.project_id, 0), -r.outcome.votes)
    )
    share = allocation.parameters.get("share_per_voter")
    return RoundResults(
        allocation=allocation,
        rows=rows,
        voters=allocation.profile.voter_count,
        share_per_voter=Decimal(str(share)).quantize(Decimal("0.01"))
        if share is not None
        else None,
        spent=allocation.cost,
        greedy_differs=set(allocation.winners) != set(greedy.winners),
    )


def initiatives_for(user: Any) -> QuerySet[Initiative]:
    return Initiative.objects.select_related("area").filter(
        area_filter(user, ASSESS_INITIATIVE, "area")
    )


def initiative_or_none(initiative_id: int) -> Initiative | None:
    return (
        Initiative.objects.select_related("area", "area__municipality", "action")
        .filter(pk=initiative_id)
        .first()
    )
