"""Every read of the cycle app a page, report or command needs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum

from gebiedskompas.areas.models import Area
from gebiedskompas.cycle.models import (
    Action,
    Activity,
    AreaAgenda,
    AreaPlan,
    CouplingOpportunity,
    Story,
    StoryStatus,
)
from gebiedskompas.indicators.models import Indicator


def stories_for_area(
    area: Area, *, theme: str = "", text: str = "", limit: int | None = None
) -> QuerySet[Story]:
    """Approved stories about the area, newest first, optionally of one theme and containing
    a word; with their indicators (two queries when evaluated)."""
    query = Story.objects.filter(areas=area, status=StoryStatus.APPROVED)
    if theme:
        query = query.filter(theme=theme)
    text = text.strip()
    if text:
        query = query.filter(Q(text__icontains=text) | Q(title__icontains=text))
    query = query.prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.only("key", "name"))
    ).order_by("-date", "-created_at")
    return query[:limit] if limit else query


def pending_stories() -> QuerySet[Story]:
    """Residents' stories waiting for moderation, oldest first, with their areas."""
    return (
        Story.objects.filter(status=StoryStatus.PENDING)
        .prefetch_related(Prefetch("areas", queryset=Area.objects.only("code", "name")))
        .order_by("created_at")
    )


# --- plans and koppelkansen ---------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetTotals:
    """Sums of a set of actions' budgets, in euros."""

    planned: Decimal
    committed: Decimal
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        """What is planned and not yet spent."""
        return self.planned - self.spent


def plan_budget(plan: AreaPlan) -> BudgetTotals:
    """The plan's budget: the sums over its actions (cancelled ones included: money spent on
    them was spent)."""
    sums = Action.objects.filter(plan=plan).aggregate(
        planned=Sum("budget_planned"), committed=Sum("budget_committed"), spent=Sum("budget_spent")
    )
    zero = Decimal("0.00")
    return BudgetTotals(
        planned=sums["planned"] or zero,
        committed=sums["committed"] or zero,
        spent=sums["spent"] or zero,
    )


def couplings_for_municipality(
    municipality: Area, *, status: str = "", limit: int | None = None
) -> QuerySet[CouplingOpportunity]:
    """The municipality's koppelkansen, best first, with both activities and their areas."""
    query = CouplingOpportunity.objects.filter(municipality=municipality).select_related(
        "activity_a__area", "activity_b__area"
    )
    if status:
        query = query.filter(status=status)
    query = query.order_by("-score", "pk")
    return query[:limit] if limit else query


def agendas_for_area(area: Area) -> QuerySet[AreaAgenda]:
    """The area's agendas, newest period and version first, with priorities and targets."""
    return (
        AreaAgenda.objects.filter(area=area)
        .prefetch_related("priorities__targets__indicator", "priorities__analysis_run")
        .order_by("-start_year", "-version")
    )


def plans_for_area(area: Area) -> QuerySet[AreaPlan]:
    """The area's plans, newest year first, with their actions and the actions' priorities."""
    return (
        AreaPlan.objects.filter(area=area).prefetch_related("actions__priority").order_by("-year")
    )


def municipalities_with_activities() -> list[str]:
    """Codes of the municipalities that have registered activities, in code order."""
    return sorted(set(Activity.objects.values_list("municipality__code", flat=True).distinct()))


def _activity_row(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.external_id or str(activity.pk),
        "title": activity.title,
        "owner": activity.owner,
        "area": activity.area.code if activity.area else None,
        "start": activity.start.isoformat(),
        "end": activity.end.isoformat() if activity.end else None,
    }


def coupling_rows(municipality_code: str, *, limit: int | None = None) -> list[dict[str, Any]]:
    """The municipality's koppelkansen as plain rows, best first (for the CLI and API)."""
    found = couplings_for_municipality(Area.objects.get(code=municipality_code), limit=limit)
    return [
        {
            "municipality": municipality_code,
            "score": c.score,
            "distance_m": c.distance_m,
            "gap_days": c.gap_days,
            "status": c.status,
            "reason": c.reason,
            "a": _activity_row(c.activity_a),
            "b": _activity_row(c.activity_b),
        }
        for c in found
    ]
