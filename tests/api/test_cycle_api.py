"""The gebiedscyclus in the API: agendas, plans, actions, activities, koppelkansen and knelpunten
read per role and area, written by the roles that may, filtered and paged like the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client

from gebiedskompas.accounts.models import Organisation, OrganisationKind
from gebiedskompas.accounts.services import issue_token
from gebiedskompas.cycle import services as cycle
from gebiedskompas.cycle.models import Activity, AreaAgenda, Barrier, CouplingOpportunity
from tests.accounts.conftest import World
from tests.accounts.helpers import grant, user_with

pytestmark = [pytest.mark.web, pytest.mark.django_db]


@dataclass
class Cycle:
    world: World
    operator: Any
    agenda: AreaAgenda
    plan_id: int
    action_id: int
    barrier_id: int
    ours: Activity
    theirs: Activity
    elsewhere: Activity
    coupling: CouplingOpportunity
    corporation: Organisation


def _client(user: Any | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _token_client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def cyc(world: World) -> Cycle:
    operator = user_with("operator", None, username="op")
    wijk = world.town.wijk
    agenda = cycle.create_agenda(
        wijk.code, title="Samen sterker", start_year=2024, end_year=2027, by=operator
    )
    plan = cycle.create_plan(wijk.code, 2025, by=operator, agenda_id=agenda.pk)
    action = cycle.add_action(
        plan.pk, title="Buurtkamer", owner="Welzijn", start=date(2025, 2, 1), by=operator,
        budget_planned="12500.50",
    )  # fmt: skip
    barrier = cycle.record_barrier(
        wijk.code, category="financiering", description="Geen dekking", raised_by="Welzijn",
        by=operator, raised_on=date(2025, 3, 1),
    )  # fmt: skip
    corporation = Organisation.objects.create(
        code="woonstichting", name="Woonstichting Noord", kind=OrganisationKind.PARTNER
    )
    ours = Activity.objects.create(
        municipality=world.town.gemeente, area=wijk, title="Renovatie flats",
        owner="Woonstichting Noord", start=date(2025, 1, 1), end=date(2025, 12, 31),
    )  # fmt: skip
    theirs = Activity.objects.create(
        municipality=world.town.gemeente, area=wijk, title="Riolering",
        owner="Gemeente Wegen", start=date(2025, 3, 1), end=date(2025, 6, 30),
    )  # fmt: skip
    elsewhere = Activity.objects.create(
        municipality=world.other, area=world.other_buurt.parent, title="Elders",
        owner="Woonstichting Noord", start=date(2025, 1, 1),
    )  # fmt: skip
    coupling = CouplingOpportunity.objects.create(
        municipality=world.town.gemeente, activity_a=ours, activity_b=theirs, score=0.8
    )
    return Cycle(world, operator, agenda, plan.pk, action.pk, barrier.pk, ours, theirs,
                 elsewhere, coupling, corporation)  # fmt: skip


def test_lists_need_sign_in_and_keep_what_the_caller_may_read(cyc: Cycle) -> None:
    anonymous = Client().get("/api/v1/gebiedsagendas")
    assert anonymous.status_code == 200 and anonymous.json()["resultaten"] == []  # a concept
    assert Client().get(f"/api/v1/gebiedsagendas/{cyc.agenda.pk}").status_code == 401
    assert Client().get("/api/v1/acties").status_code == 401
    manager = _client(user_with("gebiedsmanager", cyc.world.town.gemeente))
    body = manager.get("/api/v1/gebiedsagendas").json()
    assert [a["titel"] for a in body["resultaten"]] == ["Samen sterker"]
    assert body["totaal"] == 1 and "_links" in body
    outsider = _client(user_with("gebiedsmanager", cyc.world.other))
    assert outsider.get("/api/v1/gebiedsagendas").json()["resultaten"] == []
    assert outsider.get(f"/api/v1/gebiedsagendas/{cyc.agenda.pk}").status_code == 403
    assert outsider.get("/api/v1/acties").json()["totaal"] == 0
    wethouder = _client(user_with("wethouder", cyc.world.town.gemeente))
    action = wethouder.get(f"/api/v1/acties/{cyc.action_id}").json()
    assert action["begroot"] == "12500.50" and action["status"] == "planned"
    assert action["gebied"] == cyc.world.town.wijk.code and action["jaar"] == 2025


def test_filters_on_area_period_and_status(cyc: Cycle) -> None:
    reader = _client(user_with("analist", cyc.world.town.gemeente))
    other_wijk = cyc.world.town.wijken[1].code
    assert reader.get("/api/v1/gebiedsagendas", {"gebied": other_wijk}).json()["totaal"] == 0
    town = cyc.world.town.gemeente.code
    assert reader.get("/api/v1/gebiedsagendas", {"gebied": town}).json()["totaal"] == 1
    assert reader.get("/api/v1/gebiedsagendas", {"periode": "2028"}).json()["totaal"] == 0
    assert reader.get("/api/v1/gebiedsagendas", {"periode": "2026"}).json()["totaal"] == 1
    assert reader.get("/api/v1/gebiedsagendas", {"status": "adopted"}).json()["totaal"] == 0
    assert reader.get("/api/v1/gebiedsplannen", {"periode": "2025"}).json()["totaal"] == 1
    assert reader.get("/api/v1/knelpunten", {"status": "open"}).json()["totaal"] == 1
    assert reader.get("/api/v1/knelpunten", {"status": "opgelost"}).json()["totaal"] == 0
    bad = reader.get("/api/v1/acties", {"status": "klaar"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert bad.json()["invalidParams"][0]["name"] == "status"
    assert reader.get("/api/v1/acties", {"gebied": "XX0000"}).status_code == 404


def test_gebiedsmanager_writes_agenda_plan_and_actions_of_own_area_only(cyc: Cycle) -> None:
    manager = _client(user_with("gebiedsmanager", cyc.world.town.stadsdeel))
    wijk = cyc.world.town.wijk.code
    created = manager.post(
        "/api/v1/gebiedsagendas",
        {"gebied": wijk, "titel": "Volgende ronde", "vanafJaar": 2028, "totEnMetJaar": 2031},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "concept"
    agenda_id = created.json()["id"]
    moved = manager.patch(
        f"/api/v1/gebiedsagendas/{agenda_id}", {"status": "consultation"},
        content_type="application/json",
    )  # fmt: skip
    assert moved.status_code == 200 and moved.json()["status"] == "consultation"
    refused = manager.patch(
        f"/api/v1/gebiedsagendas/{agenda_id}", {"status": "superseded"},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 400
    speerpunt = manager.post(
        f"/api/v1/gebiedsagendas/{agenda_id}/speerpunten", {"titel": "Eenzaamheid"},
        content_type="application/json",
    )  # fmt: skip
    assert speerpunt.status_code == 201
    assert [p["titel"] for p in speerpunt.json()["speerpunten"]] == ["Eenzaamheid"]
    action = manager.post(
        "/api/v1/acties",
        {"gebiedsplan": cyc.plan_id, "titel": "Wijkfeest", "eigenaar": "Wijkteam",
         "start": "2025-06-01", "begroot": "800"},
        content_type="application/json",
    )  # fmt: skip
    assert action.status_code == 201 and action.json()["begroot"] == "800.00"
    done = manager.patch(
        f"/api/v1/acties/{action.json()['id']}", {"status": "in_progress"},
        content_type="application/json",
    )  # fmt: skip
    assert done.json()["status"] == "in_progress"
    outside = manager.post(
        "/api/v1/gebiedsplannen", {"gebied": "WK888801", "jaar": 2025},
        content_type="application/json",
    )  # fmt: skip
    assert outside.status_code == 403
    assert outside["Content-Type"] == "application/problem+json"
    wethouder = _client(user_with("wethouder", cyc.world.town.gemeente))
    read_only = wethouder.patch(
        f"/api/v1/acties/{cyc.action_id}", {"status": "done"}, content_type="application/json"
    )
    assert read_only.status_code == 403


def test_partner_creates_and_changes_its_own_activities_with_its_token(cyc: Cycle) -> None:
    service_user = user_with(None, username="woonstichting-api")
    grant(service_user, "partner", cyc.world.town.gemeente, organisation=cyc.corporation)
    client = _token_client(issue_token(service_user, "koppeling", organisation=cyc.corporation))
    listed = client.get("/api/v1/activiteiten").json()["resultaten"]
    assert [a["titel"] for a in listed] == ["Renovatie flats"]  # own, not the other owner's
    created = client.post(
        "/api/v1/activiteiten",
        {"gebied": cyc.world.town.wijk.code, "titel": "Groen dak", "start": "2025-04-01",
         "einde": "2025-05-01", "kenmerk": "WN-7"},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    assert created.json()["eigenaar"] == "Woonstichting Noord"
    changed = client.patch(
        f"/api/v1/activiteiten/{created.json()['id']}", {"einde": "2025-09-01"},
        content_type="application/json",
    )  # fmt: skip
    assert changed.status_code == 200 and changed.json()["einde"] == "2025-09-01"
    backwards = client.patch(
        f"/api/v1/activiteiten/{created.json()['id']}", {"einde": "2024-01-01"},
        content_type="application/json",
    )  # fmt: skip
    assert backwards.status_code == 400
    assert "eindigt" in backwards.json()["invalidParams"][0]["reason"]
    not_ours = client.patch(
        f"/api/v1/activiteiten/{cyc.theirs.pk}", {"titel": "Overgenomen"},
        content_type="application/json",
    )  # fmt: skip
    assert not_ours.status_code == 403
    other_owner = client.post(
        "/api/v1/activiteiten",
        {"gebied": cyc.world.town.wijk.code, "titel": "x", "start": "2025-04-01",
         "eigenaar": "Politie"},
        content_type="application/json",
    )  # fmt: skip
    assert other_owner.status_code == 403
    other_town = client.patch(
        f"/api/v1/activiteiten/{cyc.elsewhere.pk}", {"titel": "x"},
        content_type="application/json",
    )  # fmt: skip
    assert other_town.status_code == 403
    cyc.theirs.refresh_from_db()
    assert cyc.theirs.title == "Riolering"


def test_koppelkansen_are_read_and_decided_by_those_involved(cyc: Cycle) -> None:
    partner = user_with(None, username="corp")
    grant(partner, "partner", cyc.world.town.gemeente, organisation=cyc.corporation)
    client = _client(partner)
    rows = client.get("/api/v1/koppelkansen").json()["resultaten"]
    assert len(rows) == 1 and rows[0]["activiteitA"]["titel"] == "Renovatie flats"
    no_reason = client.patch(
        f"/api/v1/koppelkansen/{cyc.coupling.pk}", {"status": "dismissed"},
        content_type="application/json",
    )  # fmt: skip
    assert no_reason.status_code == 400
    accepted = client.patch(
        f"/api/v1/koppelkansen/{cyc.coupling.pk}", {"status": "accepted"},
        content_type="application/json",
    )  # fmt: skip
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    outsider = _client(user_with("gebiedsmanager", cyc.world.other))
    assert outsider.get(f"/api/v1/koppelkansen/{cyc.coupling.pk}").status_code == 403


def test_cycle_resources_are_in_the_openapi_document(cyc: Cycle) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/gebiedsagendas", "/api/v1/gebiedsagendas/{agenda_id}",
                 "/api/v1/gebiedsplannen", "/api/v1/acties", "/api/v1/activiteiten",
                 "/api/v1/koppelkansen", "/api/v1/knelpunten/{barrier_id}"):  # fmt: skip
        assert path in paths, path
    assert "post" in paths["/api/v1/activiteiten"]


def test_a_key_issued_to_one_organisation_writes_only_its_activities(cyc: Cycle) -> None:
    police = Organisation.objects.create(
        code="politie", name="Politie", kind=OrganisationKind.PARTNER
    )
    user = user_with(None, username="twee-petten")
    grant(user, "partner", cyc.world.town.gemeente, organisation=cyc.corporation)
    grant(user, "partner", cyc.world.town.gemeente, organisation=police)
    client = _token_client(issue_token(user, "politie-koppeling", organisation=police))
    refused = client.patch(
        f"/api/v1/activiteiten/{cyc.ours.pk}", {"titel": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403  # the corporation's, not the police's
    created = client.post(
        "/api/v1/activiteiten",
        {"gebied": cyc.world.town.wijk.code, "titel": "Buurtschouw", "start": "2025-04-01"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["eigenaar"] == "Politie"


def test_partner_records_knelpunten_of_its_area_and_own_actions_only(cyc: Cycle) -> None:
    partner = user_with(None, username="corp-knelpunt")
    grant(partner, "partner", cyc.world.town.gemeente, organisation=cyc.corporation)
    client = _client(partner)
    wijk = cyc.world.town.wijk.code
    own = cycle.add_action(cyc.plan_id, title="Renovatie", owner="Woonstichting Noord",
                           start=date(2025, 1, 1), by=cyc.operator)  # fmt: skip
    body = {"gebied": wijk, "categorie": "samenwerking", "omschrijving": "Geen overleg",
            "gemeldDoor": "Ria (Woonstichting Noord)", "gemeldOp": "2025-04-01"}  # fmt: skip
    created = client.post("/api/v1/knelpunten", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["gemeldDoor"] == "Ria (Woonstichting Noord)"
    with_action = client.post("/api/v1/knelpunten", {**body, "actie": own.pk},
                              content_type="application/json")  # fmt: skip
    assert with_action.status_code == 201 and with_action.json()["actie"] == own.pk
    # Another owner's action, and an area outside the partner's scope: refused, nothing stored.
    count = Barrier.objects.count()
    others = client.post("/api/v1/knelpunten", {**body, "actie": cyc.action_id},
                         content_type="application/json")  # fmt: skip
    assert others.status_code == 403
    outside = client.post("/api/v1/knelpunten", {**body, "gebied": "WK888801"},
                          content_type="application/json")  # fmt: skip
    assert outside.status_code == 403
    assert Barrier.objects.count() == count


def _adopt(agenda_id: int, by: Any) -> None:
    for status in ("proposed", "adopted"):
        cycle.change_agenda_status(
            agenda_id, status, by=by, decision_reference="Raad 2024/12", adopted_on=date(2024, 5, 1)
        )


def test_adopted_agendas_are_public_with_priorities_and_targets(cyc: Cycle) -> None:
    priority = cycle.add_priority(cyc.agenda.pk, title="Meer ontmoeting", by=cyc.operator)
    cycle.add_target(priority.pk, indicator_key="inwoners", value=3200, year=2027,
                     direction="up", by=cyc.operator)  # fmt: skip
    _adopt(cyc.agenda.pk, cyc.operator)
    other_wijk = cyc.world.town.wijken[1].code
    concept = cycle.create_agenda(other_wijk, title="Nog geheim", start_year=2025, end_year=2028,
                                  by=cyc.operator)  # fmt: skip
    consulted = cycle.create_agenda(cyc.world.other_buurt.parent.code, title="In consultatie",
                                    start_year=2025, end_year=2028, by=cyc.operator)  # fmt: skip
    cycle.change_agenda_status(consulted.pk, "consultation", by=cyc.operator)

    anonymous = Client()
    listed = anonymous.get("/api/v1/gebiedsagendas").json()
    assert [a["titel"] for a in listed["resultaten"]] == ["Samen sterker"]
    body = anonymous.get(f"/api/v1/gebiedsagendas/{cyc.agenda.pk}").json()
    assert body["status"] == "adopted" and body["besluit"] == "Raad 2024/12"
    (speerpunt,) = body["speerpunten"]
    assert speerpunt["titel"] == "Meer ontmoeting"
    assert speerpunt["doelen"] == [
        {"indicator": "inwoners", "streefwaarde": "3200.000", "jaar": 2027, "richting": "up"}
    ]
    for hidden in (concept.pk, consulted.pk):
        assert anonymous.get(f"/api/v1/gebiedsagendas/{hidden}").status_code == 401
    # A signed-in user without internal rights sees only the public ones too; a manager of the
    # area sees the concept as well, one of another municipality not.
    partner = _client(user_with("partner", cyc.world.town.gemeente))
    assert partner.get("/api/v1/gebiedsagendas").json()["totaal"] == 1
    assert partner.get(f"/api/v1/gebiedsagendas/{concept.pk}").status_code == 403
    manager = _client(user_with("gebiedsmanager", cyc.world.town.gemeente))
    titles = {a["titel"] for a in manager.get("/api/v1/gebiedsagendas").json()["resultaten"]}
    assert titles == {"Samen sterker", "Nog geheim"}
    operator = _client(cyc.operator)
    assert operator.get("/api/v1/gebiedsagendas").json()["totaal"] == 3
    # Reading is public, changing is not.
    refused = anonymous.patch(f"/api/v1/gebiedsagendas/{cyc.agenda.pk}", {"status": "concept"},
                              content_type="application/json")  # fmt: skip
    assert refused.status_code == 401
    added = partner.post(f"/api/v1/gebiedsagendas/{cyc.agenda.pk}/speerpunten", {"titel": "x"},
                         content_type="application/json")  # fmt: skip
    assert added.status_code == 403
