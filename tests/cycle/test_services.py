"""Agendas, plans, actions, barriers and koppelkansen through the services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import shapely

from gebiedskompas.cycle import selectors, services
from gebiedskompas.cycle.models import (
    Activity,
    AgendaStatusChange,
    AreaAgenda,
    CouplingOpportunity,
    Target,
)
from tests.cycle.conftest import World

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _agenda(world: World) -> AreaAgenda:
    return services.create_agenda(
        "SD999901", title="Stadsdeelagenda Noord", start_year=2026, end_year=2030, by=world.manager
    )


def _adopt(agenda: AreaAgenda, world: World) -> AreaAgenda:
    for status in ("consultation", "proposed", "adopted"):
        agenda = services.change_agenda_status(
            agenda.pk, status, by=world.manager, decision_reference="raadsbesluit 2026/12"
        )
    return agenda


def test_agenda_walks_to_adopted_with_a_history_row_per_step(world: World) -> None:
    agenda = _adopt(_agenda(world), world)
    assert agenda.status == "adopted" and agenda.adopted_on is not None
    steps = list(agenda.status_changes.values_list("from_status", "to_status"))
    assert steps == [
        ("", "concept"),
        ("concept", "consultation"),
        ("consultation", "proposed"),
        ("proposed", "adopted"),
    ]


def test_refused_transition_names_the_statuses_and_writes_nothing(world: World) -> None:
    agenda = _agenda(world)
    with pytest.raises(services.TransitionRefused, match="concept kan niet naar vastgesteld"):
        services.change_agenda_status(agenda.pk, "adopted", by=world.manager)
    assert AgendaStatusChange.objects.filter(agenda=agenda).count() == 1


@pytest.mark.parametrize(
    "who", ["department", "outsider"], ids=["afdeling has no edit_plan", "manager of another town"]
)
def test_only_plan_editors_of_the_area_change_the_agenda(world: World, who: str) -> None:
    agenda = _agenda(world)
    with pytest.raises(services.NotAllowed):
        services.change_agenda_status(agenda.pk, "proposed", by=getattr(world, who))
    agenda.refresh_from_db()
    assert agenda.status == "concept"


def test_editing_an_adopted_agenda_makes_a_new_version_that_supersedes_on_adoption(
    world: World,
) -> None:
    agenda = _agenda(world)
    first = services.add_priority(
        agenda.pk, title="Meer ontmoeting", by=world.manager, indicator_keys=["inwoners"]
    )
    services.add_target(
        first.pk,
        indicator_key="inwoners",
        value=Decimal("1200"),
        year=2030,
        direction="up",
        by=world.manager,
    )
    adopted = _adopt(agenda, world)

    second = services.add_priority(adopted.pk, title="Veilige schoolroutes", by=world.manager)
    new = second.agenda
    assert new.pk != adopted.pk and new.version == 2 and new.supersedes_id == adopted.pk
    assert list(new.priorities.values_list("title", flat=True)) == [
        "Meer ontmoeting",
        "Veilige schoolroutes",
    ]
    assert Target.objects.filter(priority__agenda=new).count() == 1
    adopted.refresh_from_db()
    assert adopted.priorities.count() == 1  # the adopted text is untouched
    # A second edit goes into the same open version, not a third one.
    services.add_priority(adopted.pk, title="Groen", by=world.manager)
    assert AreaAgenda.objects.count() == 2

    _adopt(new, world)
    adopted.refresh_from_db()
    assert adopted.status == "superseded"
    with pytest.raises(services.AgendaLocked):
        services.add_priority(adopted.pk, title="Te laat", by=world.manager)


def test_action_lifecycle_and_permission(world: World) -> None:
    plan = services.create_plan("SD999901", 2026, by=world.manager)
    action = services.add_action(
        plan.pk,
        title="Buurtkamer openen",
        owner="Welzijn Noord",
        start=date(2026, 3, 1),
        by=world.manager,
    )
    with pytest.raises(services.TransitionRefused):
        services.change_action_status(action.pk, "done", by=world.manager)
    with pytest.raises(services.NotAllowed):
        services.change_action_status(action.pk, "in_progress", by=world.department)
    services.change_action_status(action.pk, "in_progress", by=world.manager)
    done = services.change_action_status(action.pk, "done", by=world.manager, note="geopend")
    assert done.status == "done"
    assert [c.to_status for c in done.status_changes.all()] == ["planned", "in_progress", "done"]


def test_plan_budget_sums_actions_in_euros(world: World) -> None:
    plan = services.create_plan("SD999901", 2026, by=world.manager)
    for planned, committed, spent in (("1000.10", "500", "250.05"), (2000, "0", "0.95")):
        services.add_action(
            plan.pk,
            title="Actie",
            owner="Afdeling",
            start=date(2026, 1, 1),
            budget_planned=planned,
            budget_committed=committed,
            budget_spent=spent,
            by=world.manager,
        )
    totals = selectors.plan_budget(plan)
    assert totals.planned == Decimal("3000.10")
    assert totals.committed == Decimal("500.00")
    assert totals.spent == Decimal("251.00")
    assert totals.remaining == Decimal("2749.10")
    assert (
        selectors.plan_budget(services.create_plan("SD999901", 2027, by=world.manager)).planned == 0
    )


def test_negative_budget_refused(world: World) -> None:
    plan = services.create_plan("SD999901", 2026, by=world.manager)
    with pytest.raises(services.KompasError, match="negatief"):
        services.add_action(
            plan.pk,
            title="X",
            owner="Y",
            start=date(2026, 1, 1),
            budget_spent="-1",
            by=world.manager,
        )


def test_barrier_recorded_for_an_action(world: World) -> None:
    plan = services.create_plan("SD999901", 2026, by=world.manager)
    action = services.add_action(
        plan.pk, title="Speeltuin", owner="Groen", start=date(2026, 1, 1), by=world.manager
    )
    barrier = services.record_barrier(
        "SD999901",
        category="regelgeving",
        action_id=action.pk,
        description="Bestemmingsplan staat geen speeltoestel toe",
        raised_by="gebiedsverbinder",
        escalated_to="directie",
        by=world.manager,
    )
    assert barrier.escalated_on is not None
    with pytest.raises(services.KompasError, match="kies uit"):
        services.record_barrier(
            "SD999901", category="weer", description="regen", raised_by="x", by=world.manager
        )


def _activity(world: World, ext: str, owner: str, geometry: object, **kw: object) -> Activity:
    return Activity.objects.create(
        municipality=world.town.gemeente,
        external_id=ext,
        title=ext,
        owner=owner,
        start=kw.get("start", date(2026, 1, 1)),
        end=kw.get("end", date(2026, 12, 31)),
        geometry_rd=shapely.to_wkb(geometry) if geometry is not None else None,
        area=kw.get("area"),
    )


def test_detection_is_idempotent_and_keeps_decisions(world: World) -> None:
    riool = _activity(world, "r1", "Riolering", shapely.box(155_100, 463_100, 155_300, 463_300))
    _activity(world, "w1", "Wegen", shapely.LineString([(155_000, 463_200), (155_900, 463_200)]))
    # Only an area: takes wijk 1's boundary.
    _activity(world, "j1", "Jeugd", None, area=world.town.wijken[0])
    _activity(world, "r2", "Riolering", shapely.Point(159_000, 463_000))  # far away, alone

    first = services.detect_couplings("GM9999")
    assert (first.found, first.created, first.removed) == (3, 3, 0)
    again = services.detect_couplings("GM9999")
    assert (again.found, again.created, again.removed) == (3, 0, 0)
    assert CouplingOpportunity.objects.count() == 3

    pair = CouplingOpportunity.objects.filter(activity_a=riool).order_by("pk").first()
    assert pair is not None
    with pytest.raises(services.KompasError, match="reden"):
        services.decide_coupling(pair.pk, accept=False, by=world.department)
    services.decide_coupling(pair.pk, accept=False, reason="andere planning", by=world.department)
    with pytest.raises(services.NotAllowed):
        services.decide_coupling(pair.pk, accept=True, by=world.outsider)

    Activity.objects.exclude(pk=riool.pk).update(start=date(2031, 1, 1), end=date(2031, 2, 1))
    later = services.detect_couplings("GM9999")
    # r1 now overlaps nothing in time: its open pair goes, its dismissed pair stays; j1×w1 holds.
    assert (later.found, later.removed) == (1, 1)
    pair.refresh_from_db()
    assert pair.status == "dismissed" and pair.reason == "andere planning"


def test_couplings_listed_best_first(world: World) -> None:
    _activity(world, "a", "Riolering", shapely.box(155_100, 463_100, 155_300, 463_300))
    _activity(world, "b", "Wegen", shapely.box(155_100, 463_100, 155_300, 463_300))
    _activity(world, "c", "Groen", shapely.box(155_320, 463_100, 155_400, 463_300))
    services.detect_couplings("GM9999")
    scores = [c.score for c in selectors.couplings_for_municipality(world.town.gemeente)]
    assert scores == sorted(scores, reverse=True) and len(scores) == 3
