"""User journeys through the web shell in Chromium, with axe-core on every page type."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations
from tests.web.factories import Town, build_town

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def town(transactional_db: None) -> Town:
    return build_town()


def test_home_to_buurt_with_map_and_english(page: Any, live_server: Any, town: Town) -> None:
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Gebieden en kerncijfers"

    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"

    page.get_by_label("Zoek een gebied", exact=True).fill("zonnehoek")
    page.get_by_role("search").first.get_by_role("button", name="Zoeken").click()
    page.wait_for_url("**/zoeken?q=zonnehoek")
    page.get_by_role("link", name=town.wijk.name, exact=True).click()

    page.wait_for_url(f"**/gebieden/{town.wijk.code}/")
    assert page.locator("h1").inner_text() == town.wijk.name
    # The map draws the wijk and its three buurten as SVG paths, from the app's own GeoJSON.
    page.wait_for_selector("#area-map[data-state=ready]")
    paths = page.locator("#area-map .leaflet-overlay-pane svg path")
    assert paths.count() == 4
    assert not page.locator("#area-map img.leaflet-tile").count()
    # Figures beside the parent (stadsdeel) and the municipality.
    row = page.locator("#indicator-percentage_eenpersoonshuishoudens td")
    assert row.nth(0).inner_text() == "43,7\u00a0%"
    assert row.nth(2).inner_text() == "41,3\u00a0%"

    buurt = town.big_buurt
    page.locator(".children-list").get_by_role("link", name=buurt.name).click()
    page.wait_for_url(f"**/gebieden/{buurt.code}/")
    assert page.locator("h1").inner_text() == buurt.name
    assert page.locator(".utrecht-breadcrumb-nav").get_by_role("link", name=town.wijk.name).count()
    page.wait_for_selector("#area-map[data-state=ready]")
    assert page.locator("#area-map .leaflet-overlay-pane svg path").count() == 1

    page.get_by_role("button", name="English").click()
    page.wait_for_url(f"**/gebieden/{buurt.code}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#kerncijfers").inner_text() == "Key figures"
    page.get_by_role("button", name="Nederlands").click()
    page.wait_for_url(f"**/gebieden/{buurt.code}/")
    assert page.locator("#kerncijfers").inner_text() == "Kerncijfers"

    assert page.errors.messages == []


def test_clicking_a_buurt_on_the_map_opens_it(page: Any, live_server: Any, town: Town) -> None:
    page.goto(f"{live_server.url}/gebieden/{town.wijk.code}/")
    page.wait_for_selector("#area-map[data-state=ready]")
    page.locator("#area-map .leaflet-overlay-pane svg path").first.click()
    page.wait_for_url("**/gebieden/BU*/")
    assert page.url.rsplit("/", 2)[-2] in {b.code for b in town.buurten[:3]}
    assert page.errors.messages == []


def test_unknown_area_gives_404_in_site_style(page: Any, live_server: Any, town: Town) -> None:
    response = page.goto(f"{live_server.url}/gebieden/BU0000000/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Pagina niet gevonden"
    assert page.locator("link[href$='web/site.css']").count() == 1
    assert page.locator("body.utrecht-theme").count() == 1
    # The browser reports the 404 of the page itself; nothing else may go wrong.
    assert [m for m in page.errors.messages if "status of 404" not in m] == []


def test_area_page_fits_a_phone(browser: Any, live_server: Any, town: Town) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/gebieden/{town.wijk.code}/")
        page.wait_for_selector("#area-map[data-state=ready]")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
        assert page.locator("#area-map .leaflet-overlay-pane svg path").count() == 4
    finally:
        context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/zoeken?q=zonnehoek",
        "/zoeken?q=atlantis",
        "/gebieden/WK999901/",
        "/gebieden/BU99990101/",
        "/gebieden/GM9999/",
        "/gebieden/BU0000000/",
    ],
    ids=["home", "search", "search-empty", "wijk", "small-buurt", "gemeente", "404"],
)
def test_page_has_no_wcag_violations(
    axe_page: Any, live_server: Any, town: Town, path: str
) -> None:
    axe_page.goto(live_server.url + path)
    if axe_page.locator("[data-area-map]").count():
        axe_page.wait_for_selector("#area-map[data-state=ready]")
    assert axe_violations(axe_page) == []


def test_english_page_has_no_wcag_violations(axe_page: Any, live_server: Any, town: Town) -> None:
    axe_page.goto(f"{live_server.url}/gebieden/{town.wijk.code}/")
    axe_page.get_by_role("button", name="English").click()
    axe_page.wait_for_selector("#area-map[data-state=ready]")
    assert axe_page.locator("html").get_attribute("lang") == "en"
    assert axe_violations(axe_page) == []
