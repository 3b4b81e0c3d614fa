"""The open-data page: reachable from the menu, a download link that serves the figures, and
no accessibility violations (axe)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations
from tests.web.factories import Town, build_town

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def town(transactional_db: None) -> Town:
    return build_town()


def test_open_data_is_in_the_menu_and_has_no_accessibility_violations(
    axe_page: Any, live_server: Any, town: Town
) -> None:
    axe_page.goto(live_server.url + "/")
    axe_page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Open data"
    ).click()
    axe_page.wait_for_selector("h1:has-text('Open data')")
    assert axe_page.get_by_role("table", name="Indicatoren met definitie en bron").is_visible()
    with axe_page.expect_download() as download:
        axe_page.get_by_role("link", name=f"CSV van {town.gemeente.name}").click()
    assert download.value.suggested_filename == f"open-data-{town.gemeente.code}.csv"
    assert axe_violations(axe_page) == []
