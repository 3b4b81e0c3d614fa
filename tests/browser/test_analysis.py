"""The gebiedsanalyse in Chromium: run, move a weight slider, see the ranking update, open the
explanation of an area; axe-core finds no WCAG 2.1 AA violation."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from gebiedskompas.demo import build_demo
from tests.accounts.helpers import grant
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_login(transactional_db: None, live_server: Any) -> dict[str, str]:
    build_demo(figures_only=True)
    user = get_user_model().objects.create_user("ana", password="analyse-wachtwoord", is_staff=True)
    grant(user, "analist")
    return {"username": "ana", "password": "analyse-wachtwoord"}


def log_in(page: Any, live_server: Any, login: dict[str, str]) -> None:
    page.goto(live_server.url + "/admin/login/?next=/analyse/")
    page.fill("#id_username", login["username"])
    page.fill("#id_password", login["password"])
    page.click("input[type=submit]")
    page.wait_for_url("**/analyse/")
    if hasattr(page, "errors"):
        # The admin log-in page asks for /favicon.ico, which the site does not serve there.
        page.errors.messages.clear()


def test_slider_updates_the_ranking_and_an_area_explains_itself(
    page: Any, live_server: Any, staff_login: dict[str, str]
) -> None:
    log_in(page, live_server, staff_login)
    page.get_by_role("button", name="Analyseer").click()
    page.wait_for_url("**/analyse/runs/*/")
    page.wait_for_selector("#analysis-map[data-state=ready]")
    assert page.locator("#analysis-map .leaflet-overlay-pane svg path").count() == 57
    first_run = page.locator("#analysis-run").get_attribute("data-run-id")
    before = page.locator("#analysis-ranking tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.area)"
    )

    page.get_by_label("Veiligheid").fill("5")
    page.get_by_label("Sociaal").fill("0")
    page.wait_for_function(
        "id => document.querySelector('#analysis-run').dataset.runId !== id", arg=first_run
    )
    page.wait_for_selector("#analysis-map[data-state=ready]")
    after = page.locator("#analysis-ranking tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.area)"
    )
    assert after != before and sorted(after) == sorted(before)
    assert page.locator("#veiligheid-value, #id_weight_veiligheid-value").first.inner_text() == "5"
    assert page.locator("[data-analysis-status]").inner_text() == "Rangorde bijgewerkt."
    new_run = page.locator("#analysis-run").get_attribute("data-run-id")
    assert page.url.endswith(f"/analyse/runs/{new_run}/")
    assert not page.errors.messages

    page.locator("#analysis-ranking tbody tr").first.get_by_role("link", name="Waarom?").click()
    page.wait_for_url(f"**/analyse/runs/{new_run}/gebieden/*/")
    assert page.locator("h1").inner_text().startswith("Waarom staat")
    assert page.locator("#why-chart rect").count() == 5
    assert page.locator("#why-domains tbody tr").count() == 5
    assert not page.errors.messages


def test_analysis_pages_have_no_axe_violations(
    axe_page: Any, live_server: Any, staff_login: dict[str, str]
) -> None:
    log_in(axe_page, live_server, staff_login)
    assert axe_violations(axe_page) == []
    axe_page.get_by_role("button", name="Analyseer").click()
    axe_page.wait_for_url("**/analyse/runs/*/")
    axe_page.wait_for_selector("#analysis-map[data-state=ready]")
    assert axe_violations(axe_page) == []
    axe_page.locator("#analysis-ranking tbody tr").first.get_by_role("link", name="Waarom?").click()
    axe_page.wait_for_url("**/gebieden/*/")
    assert axe_violations(axe_page) == []
    axe_page.goto(
        live_server.url + "/analyse/signalen/?municipality=GM9999&level=buurt&period=2024"
    )
    assert axe_violations(axe_page) == []
    axe_page.goto(live_server.url + "/analyse/runs/")
    assert axe_violations(axe_page) == []
