"""Signals in the audit trail: who changed a signal's status, assignment or text, when, with old
and new values, on the history page, for those who may see the signal, without the reporter's
personal data."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gebiedskompas.areas.models import Area
from gebiedskompas.signals import services
from gebiedskompas.signals.models import Category, Reporter, Signal
from tests.accounts.helpers import user_with
from tests.signals.conftest import Place

pytestmark = [pytest.mark.web, pytest.mark.django_db]

CONTACT = services.ReporterInput(
    name="Jantine Melder", email="jantine@example.org", phone="0612345678", consent_updates=True
)


def _signal(place: Place) -> Signal:
    lat, lon = place.inside()
    data = services.SignalInput(
        "zwerfafval", "audit-1", "Vuilniszakken naast de container", lat=lat, lon=lon,
        reporter=CONTACT,
    )  # fmt: skip
    return services.create_signal(data).signal


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_status_and_assignment_changes_show_who_when_old_and_new(place: Place) -> None:
    signal = _signal(place)
    handler = user_with("afdeling", place.town.gemeente, username="behandelaar")
    client = _signed_in(handler)
    response = client.post(
        f"/meldingen/{signal.reference}/status/", {"status": "in_progress", "note": "opgepakt"}
    )
    assert response.status_code == 302
    services.assign(signal, department=place.department.pk, person=handler.pk, by=handler)
    records = Signal.audit.filter(id=signal.pk).order_by("history_date")
    assert [r.status for r in records] == ["reported", "in_progress", "in_progress"]
    assert [r.history_user for r in records][1:] == [handler, handler]

    detail = client.get(f"/meldingen/{signal.reference}/").content.decode()
    assert f'href="/geschiedenis/melding/{signal.pk}/"' in detail
    html = client.get(f"/geschiedenis/melding/{signal.pk}/").content.decode()
    assert "gewijzigd" in html and "aangemaakt" in html
    assert '<td class="utrecht-table__cell">reported</td>' in html
    assert '<td class="utrecht-table__cell">in_progress</td>' in html
    assert "behandelaar" in html and "assigned_to" in html


def test_the_history_keeps_no_reporter_contact_data(place: Place) -> None:
    from django.apps import apps

    signal = _signal(place)
    handler = user_with("afdeling", place.town.gemeente)
    services.change_status(signal, "closed", by=handler, note="opgeruimd")
    assert Reporter.objects.get(signal=signal).email == CONTACT.email
    # No historical model for the reporter, and nothing of theirs in the signal's records.
    labels = {m._meta.label for m in apps.get_models()}
    assert "signals.HistoricalReporter" not in labels and "signals.HistoricalSignal" in labels
    for record in Signal.audit.filter(id=signal.pk).values():
        values = " ".join(str(v) for v in record.values())
        assert "Jantine" not in values and "example.org" not in values and "0612" not in values
    reader = user_with("wethouder", place.town.gemeente)
    html = _signed_in(reader).get(f"/geschiedenis/melding/{signal.pk}/").content.decode()
    assert "closed" in html
    assert "Jantine" not in html and "example.org" not in html and "0612345678" not in html


def test_only_those_who_may_see_the_signal_see_its_history(place: Place) -> None:
    signal = _signal(place)
    url = f"/geschiedenis/melding/{signal.pk}/"
    other = Area.objects.create(code="GM9990", name="Andere gemeente", level="gemeente")
    assert Client().get(url).status_code == 302
    for outsider in (
        user_with("afdeling", other, username="elders"),
        user_with("partner", place.town.gemeente, username="partner"),  # no internal pages
    ):
        assert _signed_in(outsider).get(url).status_code == 403
    for reader in ("afdeling", "wethouder", "gebiedsverbinder"):
        user = user_with(reader, place.town.gemeente, username=f"lezer-{reader}")
        assert _signed_in(user).get(url).status_code == 200


def test_category_changes_by_staff_are_audited(place: Place) -> None:
    beheerder = user_with("beheerder", place.town.gemeente)
    client = _signed_in(beheerder)
    category: Category = place.sub
    category.handling_days = 5
    category.save()
    html = client.get(f"/geschiedenis/meldingcategorie/{category.pk}/").content.decode()
    assert "handling_days" in html and ">3<" in html and ">5<" in html
    other = Area.objects.create(code="GM9990", name="Andere gemeente", level="gemeente")
    outsider = _signed_in(user_with("beheerder", other, username="elders"))
    assert outsider.get(f"/geschiedenis/meldingcategorie/{category.pk}/").status_code == 403
