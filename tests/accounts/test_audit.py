"""The audit trail: each audited model records who changed what, shown per object to those who
may see it."""

from __future__ import annotations

import pytest
from django.test import Client

from gebiedskompas.accounts.models import RoleAssignment
from gebiedskompas.areas.models import Cluster
from gebiedskompas.indicators.models import Indicator
from tests.accounts.conftest import World
from tests.accounts.helpers import grant, user_with

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def _signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_area_rename_through_the_api_is_recorded_with_user_and_old_value(world: World) -> None:
    beheerder = user_with("beheerder", world.town.gemeente)
    client = _signed_in(beheerder)
    wijk = world.town.wijk
    old = wijk.name
    response = client.patch(
        f"/api/v1/gebieden/{wijk.code}",
        {"naam": "Wijk Nieuwe Naam"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    latest = wijk.history.latest()
    assert latest.history_user == beheerder and latest.name == "Wijk Nieuwe Naam"
    html = client.get(f"/geschiedenis/gebied/{wijk.pk}/").content.decode()
    assert "Wijk Nieuwe Naam" in html and old in html and beheerder.username in html


def test_history_is_hidden_outside_the_readers_scope(world: World) -> None:
    outsider = _signed_in(user_with("beheerder", world.other))
    assert outsider.get(f"/geschiedenis/gebied/{world.town.wijk.pk}/").status_code == 403
    assert Client().get(f"/geschiedenis/gebied/{world.town.wijk.pk}/").status_code == 302
    assert outsider.get("/geschiedenis/onbekend/1/").status_code == 404


@pytest.mark.parametrize(
    "model",
    ["cluster", "indicator", "roltoewijzing"],
    ids=["cluster", "indicator catalogue", "role assignment"],
)
def test_each_audited_model_keeps_its_changes(world: World, model: str) -> None:
    beheerder = user_with("beheerder", world.town.gemeente)
    if model == "cluster":
        obj = Cluster.objects.create(code="CL1", name="Focus", municipality=world.town.gemeente)
        obj.name = "Focus Oost"
        obj.save()
        old, new = "Focus", "Focus Oost"
    elif model == "indicator":
        obj = Indicator.objects.get(key="inwoners")
        old, new = obj.name, "Inwoners totaal"
        obj.name = new
        obj.save()
    else:
        obj = grant(user_with(None, username="nieuw"), "analist", world.town.wijk)
        obj.role = type(obj.role).objects.get(code="wethouder")
        obj.save()
        old, new = "Analist", "Wethouder"
        assert RoleAssignment.history.filter(id=obj.pk).count() == 2
    html = _signed_in(beheerder).get(f"/geschiedenis/{model}/{obj.pk}/").content.decode()
    assert "gewijzigd" in html, html
    if model != "roltoewijzing":
        assert old in html and new in html
    else:
        assert "role" in html


def test_every_model_with_history_has_a_history_page() -> None:
    from django.apps import apps

    from gebiedskompas.accounts.history import AUDITED

    # django-simple-history marks each model it records on its options.
    with_history = {
        m._meta.label
        for m in apps.get_models()
        if hasattr(m._meta, "simple_history_manager_attribute")
    }
    pages = {a.model for a in AUDITED.values()}
    assert with_history - pages == set(), "register these in accounts.history.AUDITED"


def test_cycle_changes_are_shown_per_object_to_history_readers(world: World) -> None:
    from datetime import date

    from gebiedskompas.cycle import services as cycle

    manager = user_with("gebiedsmanager", world.town.gemeente)
    wijk = world.town.wijk.code
    agenda = cycle.create_agenda(wijk, title="Agenda", start_year=2025, end_year=2028, by=manager)
    priority = cycle.add_priority(agenda.pk, title="Speerpunt", by=manager)
    target = cycle.add_target(priority.pk, indicator_key="inwoners", value=5, year=2027,
                              direction="up", by=manager)  # fmt: skip
    plan = cycle.create_plan(wijk, 2025, by=manager)
    action = cycle.add_action(plan.pk, title="Actie", owner="Wijkteam", start=date(2025, 1, 1),
                              by=manager)  # fmt: skip
    barrier = cycle.record_barrier(wijk, category="data", description="Geen cijfers",
                                   raised_by="Wijkteam", by=manager)  # fmt: skip
    client = _signed_in(manager)
    response = client.patch(
        f"/api/v1/acties/{action.pk}", {"status": "in_progress"}, content_type="application/json"
    )
    assert response.status_code == 200
    html = client.get(f"/geschiedenis/actie/{action.pk}/").content.decode()
    assert "gewijzigd" in html and "planned" in html and "in_progress" in html
    assert manager.username in html
    outsider = _signed_in(user_with("gebiedsmanager", world.other))
    objects = {"gebiedsagenda": agenda, "speerpunt": priority, "doel": target,
               "gebiedsplan": plan, "actie": action, "knelpunt": barrier}  # fmt: skip
    for model, obj in objects.items():
        assert client.get(f"/geschiedenis/{model}/{obj.pk}/").status_code == 200, model
        assert outsider.get(f"/geschiedenis/{model}/{obj.pk}/").status_code == 403, model
