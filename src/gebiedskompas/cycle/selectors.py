"""Every read of the cycle app a page, report or command needs."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum

from gebiedskompas.accounts.permissions import area_filter, scope_roots
from gebiedskompas.accounts.roles import MODERATE_STORIES
from gebiedskompas.areas.models import Area
from gebiedskompas.cycle.domain import phases, targets
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


def pending_stories(user: Any = None) -> QuerySet[Story]:
    """Residents' stories waiting for moderation, oldest first, with their areas; with `user`,
    only those whose every area the user may moderate stories in (as `moderate_story` asks)."""
    query = Story.objects.filter(status=StoryStatus.PENDING)
    if user is not None and scope_roots(user, MODERATE_STORIES) is not None:
        outside = Area.objects.exclude(area_filter(user, MODERATE_STORIES))
        query = query.filter(areas__isnull=False).exclude(areas__in=outside).distinct()
    return query.prefetch_related(
        Prefetch("areas", queryset=Area.objects.only("code", "name"))
    ).order_by("created_at")


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


# --- the cycle: where an area stands ------------------------------------------------------------


@dataclass(frozen=True)
class CycleStatus:
    phase: str
    phase_label: str
    next_step: str
    due_year: int | None
    people: list[tuple[str, str]]  # (name, role name) of those on it
    phases: list[dict[str, Any]]  # the municipality's phases, in order, `current` marked


def cycle_phases(municipality: Area | None) -> list[phases.PhaseSpec]:
    """The municipality's configured phases, else the default (Enschede-like) cycle."""
    from gebiedskompas.cycle.models import CyclePhase

    rows = list(CyclePhase.objects.filter(municipality=municipality)) if municipality else []
    if not rows:
        return list(phases.ENSCHEDE_LIKE)
    return [
        phases.PhaseSpec(
            phases.Phase(r.phase),
            r.order,
            r.length_months,
            r.every_months,
            tuple(r.owner_roles or ()),
            r.deliverable,
        )  # fmt: skip
        for r in rows
    ]


def cycle_status(area: Area, *, year: int) -> CycleStatus:
    """Where the area stands in its municipality's cycle, what is due next and who is on it
    (users with a role of the current phase's owners on the area or an area above it)."""
    from django.db.models import Exists, OuterRef, Subquery

    from gebiedskompas.accounts.models import RoleAssignment
    from gebiedskompas.accounts.permissions import area_chain
    from gebiedskompas.analysis.models import AnalysisRun

    municipality = area.municipality if area.municipality_id else area
    specs = cycle_phases(municipality)
    newest = AreaAgenda.objects.filter(area=OuterRef("pk")).order_by("-start_year", "-version")
    row = (
        Area.objects.filter(pk=area.pk)
        .annotate(
            has_run=Exists(AnalysisRun.objects.filter(municipality_id=municipality.pk)),
            has_plan=Exists(AreaPlan.objects.filter(area=OuterRef("pk"), year=year)),
            agenda_status=Subquery(newest.values("status")[:1]),
            agenda_start=Subquery(newest.values("start_year")[:1]),
            agenda_end=Subquery(newest.values("end_year")[:1]),
        )
        .values("has_run", "has_plan", "agenda_status", "agenda_start", "agenda_end")
        .get()
    )  # one query for the facts
    facts = phases.AreaFacts(
        year=year,
        has_analysis=row["has_run"],
        agenda_status=row["agenda_status"],
        agenda_start=row["agenda_start"],
        agenda_end=row["agenda_end"],
        has_plan_this_year=row["has_plan"],
    )
    where = phases.position(facts, specs)
    spec = next((s for s in specs if s.phase is where.phase), None)
    roles = spec.owner_roles if spec else ()
    people = [
        (a.user.get_full_name() or a.user.get_username(), a.role.name)
        for a in RoleAssignment.objects.filter(
            Q(area_id__in=area_chain(area)), role__code__in=roles
        )
        .select_related("user", "role")
        .order_by("role__code", "user__username")
    ]
    return CycleStatus(
        phase=where.phase.value,
        phase_label=phases.PHASE_LABELS[where.phase],
        next_step=where.next_step,
        due_year=where.due_year,
        people=people,
        phases=[
            {
                "label": phases.PHASE_LABELS[s.phase],
                "current": s.phase is where.phase,
                "months": s.length_months,
                "deliverable": s.deliverable,
            }
            for s in sorted(specs, key=lambda s: s.order)
        ],  # fmt: skip
    )


# --- targets against the latest values ----------------------------------------------------------


@dataclass(frozen=True)
class TargetRow:
    target: Any
    assessment: targets.Assessment

    @property
    def label(self) -> str:
        return targets.PROGRESS_LABELS[self.assessment.progress]


def public_target_values(
    area: Area, indicator_ids: Collection[int]
) -> dict[int, list[tuple[str, float]]]:
    """Per indicator (by id), the area's values in period order as the public may see them:
    through the installation's disclosure control (`indicators.selectors.disclosed_cells`:
    counts rounded, small areas and derivable cells suppressed, percentages capped), computed
    aggregates included. Suppressed and missing values are left out. For every page, export or
    endpoint showing targets to readers without ``view_internal``."""
    from gebiedskompas.indicators.selectors import (
        Shown,
        area_with_ancestors,
        disclosed_cells,
        family_filter,
        indicators_by_id,
    )

    if not indicator_ids:
        return {}
    indicators = indicators_by_id(indicator_ids)
    loaded = area_with_ancestors(area.code) or area
    table = disclosed_cells(family_filter([loaded]), indicators, public=True, keep={area.code})
    keys = {indicator.key: pk for pk, indicator in indicators.items()}
    series: dict[int, list[tuple[str, float]]] = {}
    for (code, key, period), cell in sorted(table.cells.items()):
        if code == area.code and cell.shown == Shown.VALUE and cell.value is not None:
            series.setdefault(keys[key], []).append((period, cell.value))
    return series


def internal_target_values(
    area: Area, indicator_ids: Collection[int]
) -> dict[int, list[tuple[str, float]]]:
    """Per indicator (by id), the area's true values in period order (status ok, computed
    aggregates included): for readers with ``view_internal`` only."""
    from gebiedskompas.indicators.models import Observation

    series: dict[int, list[tuple[str, float]]] = {}
    for ind, period, value in (
        Observation.objects.filter(
            area_id=area.pk, indicator_id__in=list(indicator_ids), value__isnull=False,
            status="ok",
        )
        .order_by("indicator_id", "period")
        .values_list("indicator_id", "period", "value")
    ):  # fmt: skip
        series.setdefault(ind, []).append((period, value))
    return series


def target_rows(agenda: AreaAgenda, *, public: bool) -> list[tuple[Any, list[TargetRow]]]:
    """Per priority of the agenda, its targets with the latest value of the indicator in the
    agenda's area and whether it is on track. With `public`, the values the public may see
    (`public_target_values`); else the true values."""
    priorities = list(agenda.priorities.prefetch_related("targets__indicator"))
    keys = {t.indicator_id for p in priorities for t in p.targets.all()}
    read = public_target_values if public else internal_target_values
    series = read(agenda.area, keys)
    out = []
    for priority in priorities:
        rows = [
            TargetRow(
                t,
                targets.assess(
                    t.direction,
                    float(t.value),
                    series.get(t.indicator_id, []),
                    baseline_period=str(agenda.start_year),
                ),
            )
            for t in priority.targets.all()
        ]
        out.append((priority, rows))
    return out


# Agendas (and their documents) anyone may read: adopted ones and the versions they replaced.
PUBLIC_AGENDA_STATUSES = frozenset({"adopted", "superseded"})


def visible_agendas(area: Area, *, internal: bool) -> list[AreaAgenda]:
    """The agendas a reader may see: all with view_internal, else only adopted ones; with
    their documents."""
    from gebiedskompas.cycle.models import AgendaDocument

    found = agendas_for_area(area).prefetch_related(
        Prefetch("documents", queryset=AgendaDocument.objects.select_related("status_change"))
    )
    if not internal:
        found = found.filter(status__in=sorted(PUBLIC_AGENDA_STATUSES))
    return list(found)


# --- budgets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetLine:
    area: Area
    year: int
    kind: str
    amount: Decimal
    allocated: Decimal
    spent: Decimal

    @property
    def free(self) -> Decimal:
        return self.amount - self.allocated


def budget_lines(municipality: Area, year: int | None = None) -> list[BudgetLine]:
    """Every area budget of the municipality (per area, year and kind) with what is allocated
    and spent of it, by area code."""
    from gebiedskompas.cycle.models import AreaBudget

    query = AreaBudget.objects.filter(Q(area=municipality) | Q(area__municipality=municipality))
    if year is not None:
        query = query.filter(year=year)
    query = query.select_related("area").annotate(
        allocated=Sum("allocations__planned"), used=Sum("allocations__spent")
    )
    zero = Decimal("0.00")
    return [
        BudgetLine(
            b.area, b.year, b.get_kind_display(), b.amount, b.allocated or zero, b.used or zero
        )  # fmt: skip
        for b in query.order_by("area__code", "year", "kind")
    ]


@dataclass(frozen=True)
class BudgetOverview:
    """Budgets summed per stadsdeel (areas under it counted in it) and for the municipality."""

    lines: list[BudgetLine]
    per_stadsdeel: list[tuple[Area, BudgetTotals]]  # planned = budget, committed = allocated
    municipality: BudgetTotals
    actions: BudgetTotals  # the plans' actions: planned, committed, spent


def budget_overview(municipality: Area, year: int | None = None) -> BudgetOverview:
    from gebiedskompas.areas.models import Level

    lines = budget_lines(municipality, year)
    zero = Decimal("0.00")
    groups: dict[int, list[BudgetLine]] = {}
    stadsdelen = {
        a.pk: a for a in Area.objects.filter(municipality=municipality, level=Level.STADSDEEL)
    }
    for line in lines:
        node: Area | None = line.area
        while node is not None and node.pk not in stadsdelen:
            node = node.parent
        if node is not None:
            groups.setdefault(node.pk, []).append(line)

    def total(items: list[BudgetLine]) -> BudgetTotals:
        return BudgetTotals(
            planned=sum((i.amount for i in items), zero),
            committed=sum((i.allocated for i in items), zero),
            spent=sum((i.spent for i in items), zero),
        )

    actions = Action.objects.filter(
        Q(plan__area=municipality) | Q(plan__area__municipality=municipality)
    )
    if year is not None:
        actions = actions.filter(plan__year=year)
    sums = actions.aggregate(
        p=Sum("budget_planned"), c=Sum("budget_committed"), s=Sum("budget_spent")
    )
    return BudgetOverview(
        lines=lines,
        per_stadsdeel=[
            (stadsdelen[pk], total(items))
            for pk, items in sorted(groups.items(), key=lambda kv: stadsdelen[kv[0]].code)
        ],
        municipality=total(lines),
        actions=BudgetTotals(sums["p"] or zero, sums["c"] or zero, sums["s"] or zero),
    )


# --- barriers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecurringBarrier:
    category: str
    label: str
    barriers: int
    areas: int
    open: int
    examples: list[Any]  # up to three barriers, newest first, of different areas where possible


def recurring_barriers(
    municipality: Area, *, min_areas: int = 2, examples: int = 3
) -> list[RecurringBarrier]:
    """Barrier categories met in at least `min_areas` areas of the municipality, most areas
    first: for the organisation to learn from."""
    from gebiedskompas.cycle.models import Barrier, BarrierCategory

    labels = dict(BarrierCategory.choices)
    found: dict[str, list[Any]] = {}
    for barrier in (
        Barrier.objects.filter(Q(area=municipality) | Q(area__municipality=municipality))
        .select_related("area")
        .order_by("-raised_on", "pk")
    ):
        found.setdefault(barrier.category, []).append(barrier)
    out = []
    for category, items in found.items():
        areas = {b.area_id for b in items}
        if len(areas) < min_areas:
            continue
        picked: list[Any] = []
        seen: set[int] = set()
        for b in items:
            if b.area_id not in seen:
                picked.append(b)
                seen.add(b.area_id)
        out.append(
            RecurringBarrier(
                category=category,
                label=str(labels.get(category, category)),
                barriers=len(items),
                areas=len(areas),
                open=sum(1 for b in items if b.resolved_on is None),
                examples=picked[:examples],
            )
        )
    out.sort(key=lambda r: (-r.areas, -r.barriers, r.category))
    return out


def barriers_for_area(area: Area) -> QuerySet[Any]:
    """The area's barriers and those of the areas below it, newest first."""
    from gebiedskompas.cycle.models import Barrier

    below = Q(area=area) | Q(area__parent=area) | Q(area__parent__parent=area)
    return (
        Barrier.objects.filter(below).select_related("area", "action").order_by("-raised_on", "pk")
    )


# --- activities and koppelkansen of an area or an owner -----------------------------------------


def _subtree(area: Area, field: str) -> Q:
    q = Q(**{field: area})
    chain = field
    for _ in range(3):
        chain += "__parent"
        q |= Q(**{chain: area})
    return q


def activities_for_area(area: Area) -> QuerySet[Activity]:
    """Activities placed in the area or an area below it (a municipality: all of its own)."""
    if area.level == "gemeente":
        return Activity.objects.filter(municipality=area).select_related("area")
    return Activity.objects.filter(_subtree(area, "area")).select_related("area")


def couplings_for_area(area: Area) -> QuerySet[CouplingOpportunity]:
    """Koppelkansen with at least one activity in the area (or below), best first."""
    if area.level == "gemeente":
        return couplings_for_municipality(area)
    q = _subtree(area, "activity_a__area") | _subtree(area, "activity_b__area")
    return (
        CouplingOpportunity.objects.filter(q)
        .select_related("activity_a__area", "activity_b__area", "joint_action")
        .order_by("-score", "pk")
    )


def coupling_groups(found: list[CouplingOpportunity]) -> list[list[Activity]]:
    """Groups of more than two activities linked by open or accepted koppelkansen (connected
    pairs), largest first: where three or more projects meet, one table is better than pairs."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    members: dict[int, Activity] = {}
    for c in found:
        if c.status == "dismissed":
            continue
        members[c.activity_a_id] = c.activity_a
        members[c.activity_b_id] = c.activity_b
        parent[root(c.activity_a_id)] = root(c.activity_b_id)
    groups: dict[int, list[Activity]] = {}
    for pk, activity in members.items():
        groups.setdefault(root(pk), []).append(activity)
    big = [sorted(g, key=lambda a: a.pk) for g in groups.values() if len(g) > 2]
    return sorted(big, key=lambda g: (-len(g), g[0].pk))


def couplings_for_owner(names: set[str]) -> QuerySet[CouplingOpportunity]:
    """Koppelkansen in which an activity of one of these owners (organisation names) takes part."""
    q = Q(pk__in=[])
    for name in names:
        q |= Q(activity_a__owner__iexact=name) | Q(activity_b__owner__iexact=name)
    return (
        CouplingOpportunity.objects.filter(q)
        .select_related("activity_a__area", "activity_b__area", "joint_action")
        .order_by("-score", "pk")
    )
