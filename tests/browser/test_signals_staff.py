"""Staff handle signals in the browser: the queue opens on their own department, the signal's
page lets them mark its photo as showing persons, the intake form takes a report by phone; axe
finds nothing on the queue, the signal's page, the intake form and the retention page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from PIL import Image

from gebiedskompas.signals import services
from gebiedskompas.signals.models import Signal
from tests.accounts.helpers import grant, user_with
from tests.browser.conftest import axe_violations
from tests.signals.conftest import Place, build_place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def desk(transactional_db: None, settings: Any, tmp_path: Path) -> tuple[Place, Any, Signal]:
    """The test town with two signals close together (one with a photo and a reporter) and a
    staff member of the department Reiniging."""
    settings.MEDIA_ROOT = tmp_path
    place = build_place()
    lat, lon = place.inside()
    signal = services.create_signal(
        services.SignalInput(
            "zwerfafval", "with-photo", description="Zakken afval bij de bushalte",
            lat=lat, lon=lon, photo_name="foto.jpg", photo_data=_jpeg(),
            reporter=services.ReporterInput("Piet", "piet@example.org", "0612345678", True),
        )
    ).signal  # fmt: skip
    services.create_signal(
        services.SignalInput(
            "zwerfafval", "nearby", description="Nog meer afval", lat=lat + 0.0001, lon=lon
        )  # fmt: skip
    )
    staff = get_user_model().objects.create_user("reiniger", password="een-lang-wachtwoord-42")
    grant(staff, "afdeling", place.town.gemeente, organisation=place.department)
    return place, staff, signal


def _sign_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value,
          "url": live_server.url}]
    )  # fmt: skip


def test_staff_open_their_queue_and_mark_a_photo_as_showing_persons(
    page: Any, live_server: Any, desk: tuple[Place, Any, Signal]
) -> None:
    _place, staff, signal = desk
    _sign_in(page, live_server, staff)
    page.goto(live_server.url + "/meldingen/")
    assert page.get_by_text("U ziet de meldingen van uw afdeling Reiniging.").is_visible()
    assert page.locator("#f-department").input_value() == str(signal.department_id)
    assert page.get_by_role("link", name="Alle meldingen tonen die u mag behandelen").is_visible()
    page.locator(f"a[href='/meldingen/{signal.reference}/']").click()
    page.get_by_role("radio", name="Ja, toont personen").check()
    page.get_by_role("button", name="Foto markeren").click()
    page.wait_for_selector("text=Foto gemarkeerd als: toont personen.")
    assert Signal.objects.get(pk=signal.pk).photo_shows_persons
    assert page.errors.messages == []


@pytest.mark.parametrize(
    "path", ["/meldingen/", "/meldingen/?department=", "{signal}", "/meldingen/aannemen/"],
    ids=["queue", "queue-all", "signal", "intake"],
)  # fmt: skip
def test_staff_signal_pages_have_no_axe_violations(
    axe_page: Any, live_server: Any, desk: tuple[Place, Any, Signal], path: str
) -> None:
    _place, staff, signal = desk
    services.mark_photo(signal, shows_persons=True, by=staff)
    _sign_in(axe_page, live_server, staff)
    axe_page.goto(live_server.url + path.replace("{signal}", f"/meldingen/{signal.reference}/"))
    if path.endswith("aannemen/"):
        axe_page.wait_for_selector("#signal-map[data-state=ready]")
    assert axe_page.locator("h1").count() == 1
    assert axe_violations(axe_page) == []


def test_the_retention_page_has_no_axe_violations(
    axe_page: Any, live_server: Any, desk: tuple[Place, Any, Signal]
) -> None:
    place, _staff, _signal = desk
    _sign_in(axe_page, live_server, user_with("beheerder", place.town.gemeente, username="bh"))
    axe_page.goto(live_server.url + "/beheer/bewaartermijnen/")
    axe_page.fill("#days-signals\\.reporters", "99999")
    axe_page.get_by_role("button", name="Opslaan").click()
    axe_page.wait_for_selector(".utrecht-form-field-error-message")
    assert axe_violations(axe_page) == []
