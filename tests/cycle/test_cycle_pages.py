"""The cycle pages beside the figures: who sees what, and the forms and buttons doing what they
say."""

from __future__ import annotations

from datetime import date

import pytest
import shapely
from django.test import Client
from django.utils import timezone

from gebiedskompas.areas.models import Area
from gebiedskompas.cycle import selectors, services
from gebiedskompas.cycle.models import Action, Activity, AreaAgenda, CouplingOpportunity, Priority
from gebiedskompas.indicators.models import Indicator, Observation
from tests.accounts.helpers import user_with
from tests.cycle.conftest import World

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def _client(user: object | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_public_sees_adopted_agendas_only_with_targets_against_the_latest_value(
    world: World,
) -> None:
    year = timezone.localdate().year
    draft = services.create_agenda("SD999901", title="Conceptagenda", start_year=year + 1,
                                   end_year=year + 4, by=world.manager)  # fmt: skip
    adopted = services.create_agenda("SD999901", title="Vastgestelde agenda", start_year=year,
                                     end_year=year + 3, by=world.manager)  # fmt: skip
    priority = services.add_priority(adopted.pk, title="Meer inwoners", by=world.manager)
    services.add_target(priority.pk, indicator_key="inwoners", value=50_000, year=year + 3,
                        direction="up", by=world.manager)  # fmt: skip
    for step in ("proposed", "adopted"):
        services.change_agenda_status(adopted.pk, step, by=world.manager,
                                      decision_reference="Raad 2026/7")  # fmt: skip
    public = _client().get("/gebieden/SD999901/agenda/").content.decode()
    assert "Vastgestelde agenda" in public and "Conceptagenda" not in public
    assert "Meer inwoners" in public and "op koers" in public  # 52000 (2024) meets 50000
    assert "Speerpunt toevoegen" not in public
    staff = _client(world.manager).get("/gebieden/SD999901/agenda/").content.decode()
    assert "Conceptagenda" in staff and "Speerpunt toevoegen" in staff
    assert draft.pk


def test_public_targets_show_only_disclosed_values(world: World) -> None:
    """The first buurt has 20 inhabitants, below the public minimum: its share of one-person
    households (35 %) is shown to staff, never to the public; the wijk's value (43.7 %) is."""
    year = timezone.localdate().year
    for code in ("BU99990101", "WK999901"):
        agenda = services.create_agenda(code, title=f"Agenda {code}", start_year=year,
                                        end_year=year + 3, by=world.manager)  # fmt: skip
        priority = services.add_priority(agenda.pk, title="Minder alleen", by=world.manager)
        services.add_target(priority.pk, indicator_key="percentage_eenpersoonshuishoudens",
                            value=30, year=year + 3, direction="down",
                            by=world.manager)  # fmt: skip
        for step in ("proposed", "adopted"):
            services.change_agenda_status(agenda.pk, step, by=world.manager)
    small = _client().get("/gebieden/BU99990101/agenda/").content.decode()
    assert "Minder alleen" in small and "35 (2024)" not in small
    assert "geen gegevens" in small  # the public verdict knows no value either
    staff = _client(world.manager).get("/gebieden/BU99990101/agenda/").content.decode()
    assert "35 (2024)" in staff
    wijk = _client().get("/gebieden/WK999901/agenda/").content.decode()
    assert "43,70 (2024)" in wijk
    # The selector other readers (the API) reuse gives the same answer.
    pct = Indicator.objects.get(key="percentage_eenpersoonshuishoudens")
    buurt = Area.objects.get(code="BU99990101")
    assert selectors.public_target_values(buurt, [pct.pk]) == {}
    assert selectors.internal_target_values(buurt, [pct.pk]) == {pct.pk: [("2024", 35.0)]}


def test_manager_creates_an_agenda_and_a_priority_with_a_target(world: World) -> None:
    client = _client(world.manager)
    response = client.post("/gebieden/SD999901/agenda/", {
        "form": "agenda", "title": "Agenda Noord", "start_year": 2026, "end_year": 2029,
    })  # fmt: skip
    assert response.status_code == 302
    agenda = AreaAgenda.objects.get(area__code="SD999901")
    response = client.post("/gebieden/SD999901/agenda/", {
        "form": "priority", "agenda": agenda.pk, "title": "Jong en oud samen",
        "indicator": "inwoners", "target_value": "60000", "direction": "up",
    })  # fmt: skip
    assert response.status_code == 302
    priority = Priority.objects.get(agenda=agenda)
    target = priority.targets.get()
    assert (target.indicator.key, target.year, target.direction) == ("inwoners", 2029, "up")
    page = client.get("/gebieden/SD999901/agenda/").content.decode()
    assert "Jong en oud samen" in page and "niet op koers" in page


@pytest.mark.parametrize("who", ["department", "wethouder", "anonymous"])
def test_others_cannot_add_a_priority(world: World, who: str) -> None:
    agenda = services.create_agenda("SD999901", title="A", start_year=2026, end_year=2029,
                                    by=world.manager)  # fmt: skip
    user = {"department": world.department, "anonymous": None,
            "wethouder": user_with("wethouder", "GM9999")}[who]  # fmt: skip
    response = _client(user).post("/gebieden/SD999901/agenda/", {
        "form": "priority", "agenda": agenda.pk, "title": "Stiekem"})  # fmt: skip
    assert response.status_code in (302, 403)
    assert not Priority.objects.exists()


def test_agenda_status_buttons_follow_the_workflow(world: World) -> None:
    agenda = services.create_agenda("SD999901", title="A", start_year=2026, end_year=2029,
                                    by=world.manager)  # fmt: skip
    client = _client(world.manager)
    page = client.get("/gebieden/SD999901/agenda/").content.decode()
    assert 'value="consultation"' in page and 'value="adopted"' not in page
    url = f"/gebieden/SD999901/agenda/{agenda.pk}/status"
    client.post(url, {"status": "adopted"})  # refused: concept cannot be adopted
    agenda.refresh_from_db()
    assert agenda.status == "concept"
    client.post(url, {"status": "proposed"})
    client.post(url, {"status": "adopted", "decision_reference": "Raad 2026/1"})
    agenda.refresh_from_db()
    assert (agenda.status, agenda.decision_reference) == ("adopted", "Raad 2026/1")
    assert _client(world.department).post(url, {"status": "concept"}).status_code == 403


def test_add_an_action_and_move_it_with_the_buttons(world: World) -> None:
    client = _client(world.manager)
    client.post("/gebieden/SD999901/plan/", {"form": "plan", "year": timezone.localdate().year})
    plan = world.stadsdeel.plans.get()
    response = client.post("/gebieden/SD999901/plan/", {
        "form": "action", "plan": plan.pk, "title": "Buurtschouw", "owner": "Wijkteam",
        "start": "2026-03-01", "budget_planned": "1500", "budget_source": "Gebiedsbudget",
    })  # fmt: skip
    assert response.status_code == 302
    action = Action.objects.get()
    assert action.budget_planned == 1500
    page = client.get("/gebieden/SD999901/plan/").content.decode()
    assert "Buurtschouw" in page and 'value="in_progress"' in page and 'value="done"' not in page
    url = f"/gebieden/SD999901/acties/{action.pk}/"
    client.post(url, {"form": "status", "status": "done"})  # not allowed from planned
    action.refresh_from_db()
    assert action.status == "planned"
    client.post(url, {"form": "status", "status": "in_progress"})
    client.post(url, {"form": "update", "text": "Eerste ronde gelopen", "date": "2026-03-05"})
    action.refresh_from_db()
    assert action.status == "in_progress"
    assert "Eerste ronde gelopen" in client.get(url).content.decode()
    client.post(url, {"form": "place", "area": "WK999901"})
    assert Activity.objects.get(action=action).area.code == "WK999901"
    wethouder = _client(user_with("wethouder", "GM9999"))
    assert wethouder.get(url).status_code == 200
    assert wethouder.post(url, {"form": "status", "status": "done"}).status_code == 403


def test_accept_and_dismiss_koppelkansen_on_the_area_page(world: World) -> None:
    municipality = Area.objects.get(code="GM9999")
    for i, owner in enumerate(("Riolering", "Wegen", "Groen")):
        Activity.objects.create(
            municipality=municipality, title=f"Werk {owner}", owner=owner,
            start=date(2026, 1, 1), end=None, area=Area.objects.get(code="WK999901"),
            geometry_rd=shapely.to_wkb(shapely.Point(155_500 + i, 463_500).buffer(20)),
        )  # fmt: skip
    services.detect_couplings("GM9999")
    first, second, _third = CouplingOpportunity.objects.order_by("pk")
    client = _client(world.department)  # afdeling: edit_activity on the municipality
    page = client.get("/gebieden/SD999901/koppelkansen/").content.decode()
    assert "Groepen van drie of meer" in page and "Werk Riolering" in page
    client.post("/gebieden/SD999901/koppelkansen/", {"coupling": first.pk, "decision": "note",
                                                     "reason": "Samen plannen"})  # fmt: skip
    client.post("/gebieden/SD999901/koppelkansen/", {"coupling": second.pk,
                                                     "decision": "dismiss"})  # fmt: skip
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.outcome) == ("accepted", "note")
    assert second.status == "open"  # a dismissal needs a reason
    client.post("/gebieden/SD999901/koppelkansen/", {"coupling": second.pk, "decision": "dismiss",
                                                     "reason": "Andere planning"})  # fmt: skip
    second.refresh_from_db()
    assert (second.status, second.reason) == ("dismissed", "Andere planning")
    wethouder = _client(user_with("wethouder", "GM9999"))
    assert "Benutten" not in wethouder.get("/gebieden/SD999901/koppelkansen/").content.decode()


def test_area_page_has_tabs_and_the_cycle_position_for_staff(world: World) -> None:
    public = _client().get("/gebieden/SD999901/").content.decode()
    assert 'href="/gebieden/SD999901/agenda/"' in public
    assert 'href="/gebieden/SD999901/plan/"' not in public
    staff = _client(world.manager).get("/gebieden/SD999901/").content.decode()
    for tab in ("agenda", "plan", "activiteiten", "koppelkansen", "knelpunten"):
        assert f'href="/gebieden/SD999901/{tab}/"' in staff
    assert "Waar staat dit gebied in de cyclus?" in staff and "Volgende stap" in staff


def test_progress_report_page_and_budget_overview(world: World) -> None:
    Observation.objects.create(area=world.stadsdeel, indicator=Indicator.objects.get(
        key="inwoners"), period="2025", value=53_000)  # fmt: skip
    agenda = services.create_agenda("SD999901", title="Agenda Noord", start_year=2025,
                                    end_year=2028, by=world.manager)  # fmt: skip
    priority = services.add_priority(agenda.pk, title="Groeien", by=world.manager)
    services.add_target(priority.pk, indicator_key="inwoners", value=60_000, year=2028,
                        direction="up", by=world.manager)  # fmt: skip
    client = _client(world.manager)
    page = client.get("/voortgang/?gemeente=GM9999&periode=2025-2026").content.decode()
    assert "Agenda Noord" in page and "Groeien" in page and "op koers" in page
    assert client.get("/budgetten/?gemeente=GM9999").status_code == 200
    assert client.get("/voortgang/?gemeente=GM8888").status_code == 403


def test_a_partner_records_a_knelpunt_on_the_barriers_page(world: World) -> None:
    from gebiedskompas.accounts.models import Organisation
    from gebiedskompas.cycle.models import Barrier
    from tests.accounts.helpers import grant

    corporation = Organisation.objects.create(code="corp", name="Woonstichting Noord",
                                              kind="partner")  # fmt: skip
    partner = user_with(None, username="ria")
    grant(partner, "partner", "WK999901", organisation=corporation)
    plan = services.create_plan("WK999901", 2026, by=world.manager)
    own = services.add_action(plan.pk, title="Renovatie flats", owner="Woonstichting Noord",
                              start=date(2026, 1, 1), by=world.manager)  # fmt: skip
    other = services.add_action(plan.pk, title="Speeltuin", owner="Welzijn",
                                start=date(2026, 1, 1), by=world.manager)  # fmt: skip
    client = _client(partner)
    page = client.get("/gebieden/WK999901/knelpunten/").content.decode()
    assert "Knelpunt vastleggen" in page and 'value="ria (Woonstichting Noord)"' in page
    assert "Renovatie flats" in page and "Speeltuin" not in page  # only its own actions
    assert "Escaleer" not in page
    form = {"form": "record", "category": "samenwerking", "description": "Geen overleg",
            "raised_by": "Ria", "action": str(own.pk)}  # fmt: skip
    response = client.post("/gebieden/WK999901/knelpunten/", form, follow=True)
    assert "Knelpunt vastgelegd" in response.content.decode()
    assert Barrier.objects.get().action == own
    assert client.post("/gebieden/WK999901/knelpunten/",
                       {**form, "action": str(other.pk)}).status_code == 403  # fmt: skip
    assert client.post("/gebieden/WK999902/knelpunten/", form).status_code == 403
    assert Barrier.objects.count() == 1
    # On the page of its own action too; another owner's action has no such form.
    action_page = f"/gebieden/WK999901/acties/{own.pk}/"
    assert 'value="barrier"' in client.get(action_page).content.decode()
    assert (
        'value="barrier"'
        not in client.get(f"/gebieden/WK999901/acties/{other.pk}/").content.decode()
    )
    response = client.post(action_page, {"form": "barrier", "category": "capaciteit",
                                         "description": "Te weinig handen", "raised_by": ""},
                           follow=True)  # fmt: skip
    assert "Te weinig handen (ria (Woonstichting Noord))" in response.content.decode()
    assert client.post(f"/gebieden/WK999901/acties/{other.pk}/",
                       {"form": "barrier", "category": "data",
                        "description": "x"}).status_code == 403  # fmt: skip
    assert Barrier.objects.count() == 2
