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
