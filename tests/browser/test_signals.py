"""A resident reports a problem: the map shows the municipality, a click drops the pin and fills
the coordinates, the report is stored once; axe finds nothing on the form."""

from __future__ import annotations

from typing import Any

import pytest

from gebiedskompas.signals.models import Signal
from tests.browser.conftest import axe_violations
from tests.signals.conftest import Place, build_place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def place(transactional_db: None) -> Place:
    return build_place()


def test_resident_drops_a_pin_and_sends_a_report(page: Any, live_server: Any, place: Place) -> None:
    page.goto(live_server.url + "/meldingen/nieuw/")
    page.wait_for_selector("#signal-map[data-state=ready]")
    # The municipality's outline is drawn, so a resident can find the spot without map tiles.
    page.wait_for_selector("#signal-map .leaflet-overlay-pane svg path")
    box = page.locator("#signal-map .leaflet-overlay-pane svg path").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.locator("#id_lat").input_value() != ""
    # Typing coordinates moves the pin too; put it in the middle of a buurt.
    lat, lon = place.inside(0)
    page.fill("#id_lat", f"{lat:.6f}")
    page.fill("#id_lon", f"{lon:.6f}")
    page.select_option("#id_category", value=f"{place.town.gemeente.code}/zwerfafval")
    page.fill("#id_description", "Zakken met afval naast de container.")
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_selector("text=uw melding is ontvangen")
    signal = Signal.objects.get()
    assert signal.category.code == "zwerfafval"
    assert signal.area is not None and signal.area.level == "buurt"
    assert page.errors.messages == []


def test_the_report_form_has_no_accessibility_violations(
    axe_page: Any, live_server: Any, place: Place
) -> None:
    axe_page.goto(live_server.url + "/meldingen/nieuw/")
    assert axe_violations(axe_page) == []
