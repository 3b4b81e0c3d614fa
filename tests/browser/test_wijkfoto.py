"""Journeys through the wijkfoto, compare and ranking in Chromium; axe on every new page type."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.browser.conftest import axe_violations
from tests.web.factories import Town
from tests.web.wijkfoto_data import build_wijkfoto_town

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def wtown(transactional_db: None) -> Town:
    return build_wijkfoto_town()


def test_home_to_buurt_wijkfoto(page: Any, live_server: Any, wtown: Town) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=wtown.wijk.name, exact=True).first.click()
    page.wait_for_url(f"**/gebieden/{wtown.wijk.code}/")
    assert page.locator("#opvallend").inner_text() == "Opvallend"
    page.wait_for_selector("#area-map[data-state=ready]")
    # The wijk, its three buurten and its neighbour.
    assert page.locator("#area-map .leaflet-overlay-pane svg path").count() == 5
    cell = page.locator("#indicator-huishoudens_met_een_laag_inkomen td.assessment")
    assert cell.inner_text() == "▼ slechter"
    # Definition on demand, by keyboard.
    summary = page.locator("#indicator-woz_waarde summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("#indicator-woz_waarde details").get_attribute("open") is not None
    page.locator(".children-list").get_by_role("link", name=wtown.big_buurt.name).click()
    page.wait_for_url(f"**/gebieden/{wtown.big_buurt.code}/")
    assert page.locator("h1").inner_text() == wtown.big_buurt.name
    assert page.errors.messages == []


def test_compare_two_areas(page: Any, live_server: Any, wtown: Town) -> None:
    page.goto(f"{live_server.url}/vergelijk/?gebieden={wtown.wijk.code}")
    page.get_by_label("Gebied toevoegen (naam of code)").fill(wtown.wijken[1].code)
    page.get_by_role("button", name="Toevoegen").click()
    page.wait_for_url(f"**/vergelijk/?gebieden={wtown.wijk.code},{wtown.wijken[1].code}")
    cells = page.locator("#indicator-huishoudens_met_een_laag_inkomen td")
    assert cells.nth(0).inner_text() == "21,5\u00a0%"
    assert cells.nth(1).inner_text() == "7,5\u00a0%"
    assert page.errors.messages == []


def test_ranking_with_choropleth_map(page: Any, live_server: Any, wtown: Town) -> None:
    page.goto(
        f"{live_server.url}/ranglijst/?indicator=huishoudens_met_een_laag_inkomen"
        "&niveau=buurt&gemeente=GM9999&indeling=fisher_jenks&klassen=3"
    )
    page.wait_for_selector("#ranking-map[data-state=ready]")
    paths = page.locator("#ranking-map .leaflet-overlay-pane svg path")
    assert paths.count() == len(wtown.buurten)
    fills = {paths.nth(i).get_attribute("fill") for i in range(paths.count())}
    assert "#440154" in fills and "#ffffff" in fills  # lowest class, and the secret buurt
    assert not page.locator("img.leaflet-tile").count()
    assert page.locator(".legend__item").count() == 4
    # Sort by name with the keyboard.
    page.get_by_role("link", name="Gebied", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sorteer=naam**")
    assert page.errors.messages == []


def test_english_and_downloads(page: Any, live_server: Any, wtown: Town) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    page.goto(f"{live_server.url}/gebieden/{wtown.wijk.code}/")
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Wijkfoto als PDF").click()
    text = "\n".join(p.extract_text() for p in PdfReader(pdf_download.value.path()).pages).replace(
        "\xa0", " "
    )
    assert f"Wijkfoto {wtown.wijk.name}" in text and "21,5 %" in text
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Tabel als Excel (XLSX)").click()
    with open(xlsx_download.value.path(), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    rows = {r[2]: r for r in book["cijfers"].iter_rows(min_row=2, values_only=True)}
    assert rows["huishoudens_met_een_laag_inkomen"][5] == 21.5

    page.get_by_role("button", name="English").click()
    page.wait_for_url(f"**/gebieden/{wtown.wijk.code}/")
    assert page.locator("#opvallend").inner_text() == "Highlights"
    cell = page.locator("#indicator-huishoudens_met_een_laag_inkomen td.assessment")
    assert cell.inner_text() == "▼ worse"
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Area profile as PDF").click()
    text = "\n".join(p.extract_text() for p in PdfReader(pdf_download.value.path()).pages)
    assert f"Area profile {wtown.wijk.name}" in text and "Highlights" in text
    assert page.errors.messages == []


@pytest.mark.parametrize(
    "path",
    [
        "/gebieden/WK999901/",
        "/gebieden/BU99990102/",
        "/gebieden/WK999901/trend/woz_waarde/",
        "/vergelijk/?gebieden=WK999901,WK999902",
        "/ranglijst/?indicator=huishoudens_met_een_laag_inkomen&niveau=buurt&gemeente=GM9999",
        "/gebieden/WK999901/verhalen/",
        "/gebieden/WK999901/verhalen/nieuw/",
    ],
    ids=["wijkfoto", "buurt-wijkfoto", "trend", "compare", "ranking", "stories", "story-form"],
)
def test_axe_finds_no_violations(axe_page: Any, live_server: Any, wtown: Town, path: str) -> None:
    axe_page.goto(live_server.url + path)
    if "ranglijst" in path:
        axe_page.wait_for_selector("#ranking-map[data-state=ready]")
    elif path.endswith("WK999901/"):
        axe_page.wait_for_selector("#area-map[data-state=ready]")
    assert axe_violations(axe_page) == []
