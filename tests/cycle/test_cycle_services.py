"""Progress, milestones, funding per source, area budgets, barriers, koppelkans outcomes and
who may do them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import shapely
from django.utils import timezone

from gebiedskompas.accounts.models import Organisation
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError
from gebiedskompas.cycle import selectors, services
from gebiedskompas.cycle.models import Action, Activity, AreaPlan, CouplingOpportunity
from tests.accounts.helpers import grant, user_with
from tests.cycle.conftest import World

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _plan(world: World, year: int | None = None) -> AreaPlan:
    return services.create_plan("SD999901", year or timezone.localdate().year, by=world.manager)


def _action(world: World, plan: AreaPlan, owner: str = "Afdeling Wegen") -> Action:
    return services.add_action(
        plan.pk, title="Straat opknappen", owner=owner, start=date(2026, 1, 1), by=world.manager
    )


def _partner(world: World, name: str = "Afdeling Wegen") -> object:
    organisation = Organisation.objects.create(code=name.lower().replace(" ", "-"), name=name,
                                               kind="department")  # fmt: skip
    user = user_with(None, username=f"u-{organisation.code}")
    grant(user, "afdeling", "GM9999", organisation=organisation)
    return user


def test_an_owner_department_moves_its_own_action_and_no_other(world: World) -> None:
    plan = _plan(world)
    own, other = _action(world, plan), _action(world, plan, owner="Welzijn")
    wegen = _partner(world)
    services.change_action_status(own.pk, "in_progress", by=wegen)
    services.add_action_update(own.pk, text="Eerste schop in de grond", by=wegen)
    assert own.updates.get().author.startswith("u-afdeling-wegen")
    with pytest.raises(services.NotAllowed):
        services.change_action_status(other.pk, "in_progress", by=wegen)
    with pytest.raises(services.NotAllowed):
        services.add_action_update(other.pk, text="niet van ons", by=wegen)
    wethouder = user_with("wethouder", "GM9999")
    with pytest.raises(services.NotAllowed):
        services.change_action_status(own.pk, "done", by=wethouder)


def test_done_is_final_for_everyone(world: World) -> None:
    action = _action(world, _plan(world))
    services.change_action_status(action.pk, "in_progress", by=world.manager)
    services.change_action_status(action.pk, "done", by=world.manager)
    with pytest.raises(services.TransitionRefused, match="afgerond kan niet naar"):
        services.change_action_status(action.pk, "in_progress", by=world.manager)


def test_funding_per_source_sums_into_the_action(world: World) -> None:
    action = _action(world, _plan(world))
    services.set_action_funding(action.pk, source="Gebiedsbudget", planned="10000",
                                committed="4000", spent="2500.50", by=world.manager)  # fmt: skip
    services.set_action_funding(action.pk, source="Wegen", planned=5000, spent=100,
                                by=world.manager)  # fmt: skip
    services.set_action_funding(
        action.pk, source="Wegen", planned=6000, spent=200, by=world.manager
    )  # fmt: skip  (set again: replaced, not added)
    action.refresh_from_db()
    assert (action.budget_planned, action.budget_committed, action.budget_spent) == (
        Decimal("16000.00"), Decimal("4000.00"), Decimal("2700.50"),
    )  # fmt: skip
    assert action.budget_source == "Gebiedsbudget, Wegen"
    with pytest.raises(KompasError, match="negatief"):
        services.set_action_funding(action.pk, source="X", planned=-1, by=world.manager)


def test_milestones_and_updates_in_the_future_refused(world: World) -> None:
    action = _action(world, _plan(world))
    milestone = services.add_milestone(action.pk, title="Ontwerp klaar", due=date(2026, 6, 1),
                                       by=world.manager)  # fmt: skip
    assert not milestone.done
    services.complete_milestone(milestone.pk, by=world.manager, on=date(2026, 5, 20))
    milestone.refresh_from_db()
    assert milestone.done and milestone.done_on == date(2026, 5, 20)
    with pytest.raises(KompasError, match="toekomst"):
        services.add_action_update(action.pk, text="x", on=date(2999, 1, 1), by=world.manager)


def test_area_budget_allocations_cannot_exceed_it_and_sum_per_stadsdeel(world: World) -> None:
    plan = _plan(world, 2026)
    action = _action(world, plan)
    budget = services.set_area_budget("SD999901", year=2026, kind="area", amount=10_000,
                                      by=world.manager)  # fmt: skip
    services.set_area_budget("WK999901", year=2026, kind="handgeld", amount=2_000,
                             by=world.manager)  # fmt: skip
    services.allocate_budget(budget.pk, planned=6000, spent=1500, action_id=action.pk,
                             by=world.manager)  # fmt: skip
    # An initiative (any model) through the generic hook.
    services.allocate_budget(budget.pk, planned=3000, target=world.stadsdeel, label="Initiatief",
                             by=world.manager)  # fmt: skip
    with pytest.raises(KompasError, match="past er niet meer bij"):
        services.allocate_budget(budget.pk, planned="1000.01", action_id=action.pk,
                                 by=world.manager)  # fmt: skip
    with pytest.raises(services.NotAllowed):
        services.allocate_budget(budget.pk, planned=1, action_id=action.pk, by=world.department)
    overview = selectors.budget_overview(Area.objects.get(code="GM9999"), 2026)
    [(stadsdeel, totals)] = overview.per_stadsdeel
    assert stadsdeel.code == "SD999901"
    assert (totals.planned, totals.committed, totals.spent) == (
        Decimal("12000.00"), Decimal("9000.00"), Decimal("1500.00"),
    )  # fmt: skip
    assert overview.municipality == totals


def test_barrier_escalated_resolved_and_recurring_across_areas(world: World) -> None:
    first = services.record_barrier("WK999901", category="regelgeving", description="Vergunning",
                                    raised_by="Verbinder", raised_on=date(2026, 2, 1),
                                    by=world.manager)  # fmt: skip
    services.record_barrier("WK999902", category="regelgeving", description="Zelfde regel",
                            raised_by="Verbinder", by=world.manager)  # fmt: skip
    services.record_barrier("WK999902", category="data", description="Alleen hier",
                            raised_by="Verbinder", by=world.manager)  # fmt: skip
    services.escalate_barrier(first.pk, to="Directie", by=world.manager)
    with pytest.raises(KompasError, match="voor het gemeld werd"):
        services.resolve_barrier(first.pk, resolution="x", on=date(2026, 1, 1), by=world.manager)
    services.resolve_barrier(first.pk, resolution="Regel aangepast", by=world.manager)
    first.refresh_from_db()
    assert first.escalated_to == "Directie" and first.resolved_on is not None
    [row] = selectors.recurring_barriers(Area.objects.get(code="GM9999"))
    assert (row.category, row.areas, row.barriers, row.open) == ("regelgeving", 2, 2, 1)
    with pytest.raises(services.NotAllowed):
        services.resolve_barrier(first.pk, resolution="x", by=world.outsider)


def _activities(world: World, *owners: str) -> list[Activity]:
    municipality = Area.objects.get(code="GM9999")
    return [
        Activity.objects.create(
            municipality=municipality,
            title=f"Project {i}",
            owner=owner,
            start=date(2026, 1, 1),
            end=date(2026, 12, 31),
            area=Area.objects.get(code="WK999901"),
            geometry_rd=shapely.to_wkb(shapely.box(155_100 + i, 463_100, 155_300, 463_300)),
        )  # fmt: skip
        for i, owner in enumerate(owners)
    ]


def test_accepting_as_joint_action_adds_it_to_this_years_plan(world: World) -> None:
    _activities(world, "Riolering", "Wegen")
    services.detect_couplings("GM9999")
    coupling = CouplingOpportunity.objects.get()
    with pytest.raises(KompasError, match="geen gebiedsplan"):
        services.decide_coupling(coupling.pk, accept=True, outcome="action", by=world.manager)
    plan = _plan(world)
    decided = services.decide_coupling(
        coupling.pk, accept=True, outcome="action", reason="Eén keer open", by=world.manager
    )
    assert decided.outcome == "action"
    joint = decided.joint_action
    assert joint.plan == plan and joint.owner == "Riolering / Wegen"
    assert joint.title.startswith("Gezamenlijk: Project 0 + Project 1")
    # A second decision keeps the joint action, adds no other.
    services.decide_coupling(coupling.pk, accept=True, outcome="action", by=world.manager)
    assert Action.objects.filter(plan=plan).count() == 1


def test_three_overlapping_activities_form_a_group(world: World) -> None:
    _activities(world, "Riolering", "Wegen", "Corporatie")
    services.detect_couplings("GM9999")
    found = list(selectors.couplings_for_area(Area.objects.get(code="SD999901")))
    assert len(found) == 3
    [group] = selectors.coupling_groups(found)
    assert sorted(a.owner for a in group) == ["Corporatie", "Riolering", "Wegen"]
    services.decide_coupling(found[0].pk, accept=False, reason="nee", by=world.manager)
    services.decide_coupling(found[1].pk, accept=False, reason="nee", by=world.manager)
    assert selectors.coupling_groups(list(selectors.couplings_for_area(world.stadsdeel))) == []


def test_owner_sees_the_koppelkansen_of_its_activities(world: World) -> None:
    _activities(world, "Riolering", "Wegen")
    _activities(world, "Groen", "Sport")
    services.detect_couplings("GM9999")
    mine = list(selectors.couplings_for_owner({"riolering"}))
    assert mine and all("Riolering" in (c.activity_a.owner, c.activity_b.owner) for c in mine)


def test_cycle_status_names_phase_next_step_and_people(world: World) -> None:
    year = timezone.localdate().year
    area = Area.objects.get(code="SD999901")
    status = selectors.cycle_status(area, year=year)
    assert status.phase == "analyse"
    agenda = services.create_agenda("SD999901", title="Agenda", start_year=year,
                                    end_year=year + 3, by=world.manager)  # fmt: skip
    assert selectors.cycle_status(area, year=year).phase == "agenda"
    for step in ("proposed", "adopted"):
        services.change_agenda_status(agenda.pk, step, by=world.manager)
    status = selectors.cycle_status(area, year=year)
    assert status.phase == "uitvoering" and f"gebiedsplan {year}" in status.next_step
    assert any(role == "Gebiedsmanager" for _name, role in status.people)
    services.ensure_cycle_phases("GM9999")
    assert services.ensure_cycle_phases("GM9999") == 0


def test_an_action_placed_on_the_map_takes_part_in_the_koppelkansen(world: World) -> None:
    plan = _plan(world)
    action = _action(world, plan, owner="Welzijn")
    _activities(world, "Riolering")
    own = _activities(world, "Welzijn")  # the action's owner: never paired with it
    with pytest.raises(KompasError, match="ligt niet in"):
        services.place_action(action.pk, area_code="GM8888", by=world.manager)
    services.place_action(action.pk, area_code="WK999901", by=world.manager,
                          wkt="POLYGON((155100 463100, 155300 463100, 155300 463300, 155100 463300,"
                              " 155100 463100))")  # fmt: skip
    services.detect_couplings("GM9999")
    pairs = {
        frozenset((c.activity_a.owner, c.activity_b.owner))
        for c in CouplingOpportunity.objects.all()
    }
    assert frozenset(("Riolering", "Welzijn")) in pairs
    placed = Activity.objects.get(action=action)
    assert not CouplingOpportunity.objects.filter(activity_a=placed, activity_b=own[0]).exists()
    assert not CouplingOpportunity.objects.filter(activity_a=own[0], activity_b=placed).exists()
    # Placing again moves it: still one activity for the action.
    services.place_action(action.pk, area_code="WK999902", by=world.manager)
    assert Activity.objects.filter(action=action).count() == 1
    with pytest.raises(services.NotAllowed):
        services.place_action(action.pk, area_code="WK999901", by=world.department)


def test_an_action_without_a_pin_takes_part_in_its_plans_area(world: World) -> None:
    plan = services.create_plan("WK999901", 2026, by=world.manager)
    action = services.add_action(plan.pk, title="Speeltuin vernieuwen", owner="Welzijn",
                                 start=date(2026, 3, 1), end=date(2026, 9, 30),
                                 by=world.manager)  # fmt: skip
    buurt = Area.objects.filter(parent__code="WK999901").order_by("code").first()
    assert buurt is not None and not buurt.geometry_rd  # the buurt has no boundary of its own
    pipes = Activity.objects.create(
        municipality=world.town.gemeente, title="Riolering vervangen", owner="Riolering",
        start=date(2026, 6, 1), end=date(2026, 12, 31), area=buurt,
        geometry_rd=shapely.to_wkb(shapely.Point(155_500, 463_500)),
    )  # fmt: skip
    same_owner = Activity.objects.create(
        municipality=world.town.gemeente, title="Buurtkamer", owner="welzijn ",
        start=date(2026, 1, 1), area=buurt,
        geometry_rd=shapely.to_wkb(shapely.Point(155_400, 463_400)),
    )  # fmt: skip
    elsewhere = Activity.objects.create(
        municipality=world.town.gemeente, title="Ver weg", owner="Groen",
        start=date(2026, 1, 1), geometry_rd=shapely.to_wkb(shapely.Point(158_000, 463_500)),
    )  # fmt: skip
    found = services.detect_couplings("GM9999")
    assert found.found == 1
    coupling = CouplingOpportunity.objects.select_related("activity_a", "activity_b").get()
    pair = {coupling.activity_a, coupling.activity_b}
    assert pipes in pair and same_owner not in pair and elsewhere not in pair
    [mine] = pair - {pipes}
    assert mine.action == action and mine.area.code == "WK999901" and not mine.geometry_rd
    # Its activity follows the action; the page shows where it takes part.
    Action.objects.filter(pk=action.pk).update(title="Speeltuin en pleintje")
    services.detect_couplings("GM9999")
    assert Activity.objects.get(action=action).title == "Speeltuin en pleintje"
    # A cancelled action no longer takes part.
    services.change_action_status(action.pk, "cancelled", by=world.manager)
    assert services.detect_couplings("GM9999").found == 0
    assert not CouplingOpportunity.objects.exists()


def test_an_action_placed_on_the_map_keeps_its_own_place(world: World) -> None:
    plan = services.create_plan("WK999901", 2026, by=world.manager)
    action = services.add_action(plan.pk, title="Bankjes", owner="Welzijn",
                                 start=date(2026, 3, 1), by=world.manager)  # fmt: skip
    Activity.objects.create(
        municipality=world.town.gemeente, title="Riolering", owner="Riolering",
        start=date(2026, 1, 1), geometry_rd=shapely.to_wkb(shapely.Point(155_500, 463_500)),
    )  # fmt: skip
    assert services.detect_couplings("GM9999").found == 1
    # Pinned 1.5 km east of the riolering: too far for a koppelkans.
    services.place_action(action.pk, area_code="WK999901", by=world.manager,
                          wkt="POINT (157500 463500)")  # fmt: skip
    assert services.detect_couplings("GM9999").found == 0
    assert Activity.objects.filter(action=action).count() == 1


def test_a_partner_records_knelpunten_for_its_area_and_own_actions(world: World) -> None:
    from gebiedskompas.cycle.models import Barrier

    corporation = Organisation.objects.create(code="corp", name="Woonstichting Noord",
                                              kind="partner")  # fmt: skip
    partner = user_with(None, username="ria")
    grant(partner, "partner", "WK999901", organisation=corporation)
    plan = services.create_plan("WK999901", 2026, by=world.manager)
    own = services.add_action(plan.pk, title="Renovatie", owner="Gemeente / Woonstichting Noord",
                              start=date(2026, 1, 1), by=world.manager)  # fmt: skip
    other = services.add_action(plan.pk, title="Speeltuin", owner="Welzijn",
                                start=date(2026, 1, 1), by=world.manager)  # fmt: skip
    wijk = Area.objects.get(code="WK999901")
    assert services.may_record_barrier(partner, wijk)
    assert services.may_record_barrier(partner, wijk, own)  # takes part in a joint action
    assert not services.may_record_barrier(partner, wijk, other)
    assert not services.may_record_barrier(partner, Area.objects.get(code="WK999902"))
    barrier = services.record_barrier("WK999901", category="samenwerking", action_id=own.pk,
                                      description="Bewoners niet bereikt", by=partner)  # fmt: skip
    assert barrier.raised_by == "ria (Woonstichting Noord)" and barrier.action == own
    for kwargs in ({"area_code": "WK999901", "action_id": other.pk},
                   {"area_code": "WK999902", "action_id": None}):  # fmt: skip
        with pytest.raises(services.NotAllowed):
            services.record_barrier(category="data", description="x", by=partner, **kwargs)
    # Escalating and resolving stay with the plan editors.
    with pytest.raises(services.NotAllowed):
        services.resolve_barrier(barrier.pk, resolution="Opgelost", by=partner)
    assert Barrier.objects.count() == 1
