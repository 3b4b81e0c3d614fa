"""The gebiedsmanager's daily view: from the area page to the agenda (create a priority), the
plan (add an action, start it) and the koppelkansen (accept one); axe finds nothing on the
cycle pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import shapely
from django.test import Client
from django.utils import timezone

from gebiedskompas.areas.models import Area
from gebiedskompas.cycle import services
from gebiedskompas.cycle.models import Action, Activity, CouplingOpportunity, Priority
from tests.accounts.helpers import user_with
from tests.browser.conftest import axe_violations
from tests.cycle.conftest import WIJK_BOXES
from tests.web.factories import build_town

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager(transactional_db: None) -> Any:
    build_town()
    for code, (x, y) in WIJK_BOXES.items():
        Area.objects.filter(code=code).update(
            geometry_rd=shapely.to_wkb(shapely.box(x, y, x + 1000, y + 1000))
        )
    user = user_with("gebiedsmanager", "SD999901")
    year = timezone.localdate().year
    services.create_agenda("SD999901", title="Stadsdeelagenda Noord", start_year=year,
                           end_year=year + 3, by=user)  # fmt: skip
    services.create_plan("SD999901", year, by=user)
    municipality = Area.objects.get(code="GM9999")
    for i, owner in enumerate(("Afdeling Riolering", "Afdeling Wegen")):
        Activity.objects.create(
            municipality=municipality, title=f"Werk van {owner}", owner=owner,
            start=date(year, 1, 1), end=date(year, 12, 31),
            area=Area.objects.get(code="WK999901"),
            geometry_rd=shapely.to_wkb(shapely.box(155_100 + 50 * i, 463_100, 155_400, 463_400)),
        )  # fmt: skip
    services.detect_couplings("GM9999")
    return user


def _sign_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value,
          "url": live_server.url}]
    )  # fmt: skip


def test_priority_action_and_koppelkans_in_the_browser(
    page: Any, live_server: Any, manager: Any
) -> None:
    _sign_in(page, live_server, manager)
    page.goto(live_server.url + "/gebieden/SD999901/")
    page.get_by_role("navigation", name="Onderdelen van dit gebied").get_by_role(
        "link", name="Agenda"
    ).click()
    page.fill("#id_title", "Samen jong en oud")
    page.fill("#id_motivation", "Veel ouderen wonen alleen.")
    page.select_option("#id_indicator", value="inwoners")
    page.fill("#id_target_value", "55000")
    page.get_by_role("button", name="Speerpunt toevoegen").click()
    page.wait_for_selector("text=Speerpunt toegevoegd.")
    assert page.locator("h3", has_text="Samen jong en oud").count() == 1
    priority = Priority.objects.get()
    assert priority.targets.get().value == 55000

    page.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_text("Actie toevoegen", exact=True).click()
    page.fill("#id_title", "Ontmoetingsplek in het wijkcentrum")
    page.fill("#id_owner", "Welzijn Noord")
    page.select_option("#id_priority", value=str(priority.pk))
    page.fill("#id_start", timezone.localdate().isoformat())
    page.fill("#id_budget_planned", "12500")
    page.get_by_role("button", name="Actie opslaan").click()
    page.wait_for_selector("text=Actie toegevoegd.")
    page.locator("button[value=in_progress]", has_text="Ontmoetingsplek").click()
    page.wait_for_selector("text=Status van de actie gewijzigd.")
    action = Action.objects.get(title="Ontmoetingsplek in het wijkcentrum")
    assert (action.status, action.priority_id, action.budget_planned) == (
        "in_progress", priority.pk, 12500,
    )  # fmt: skip

    page.goto(live_server.url + "/gebieden/SD999901/koppelkansen/")
    page.fill("textarea[name=reason]", "Eén keer de straat open")
    page.get_by_role("button", name="Benutten: gezamenlijke actie").click()
    page.wait_for_selector("text=er is een gezamenlijke actie gemaakt")
    coupling = CouplingOpportunity.objects.get()
    assert coupling.status == "accepted" and coupling.joint_action is not None
    page.get_by_role("link", name=coupling.joint_action.title).click()
    page.wait_for_selector("h2:has-text('Gezamenlijk:')")
    assert page.errors.messages == []


@pytest.mark.parametrize("path", ["", "agenda/", "plan/", "activiteiten/", "koppelkansen/",
                                  "knelpunten/"])  # fmt: skip
def test_cycle_pages_have_no_axe_violations(
    axe_page: Any, live_server: Any, manager: Any, path: str
) -> None:
    _sign_in(axe_page, live_server, manager)
    axe_page.goto(f"{live_server.url}/gebieden/SD999901/{path}")
    if path == "activiteiten/":
        axe_page.wait_for_selector("#activities-map[data-state=ready]")
    assert axe_violations(axe_page) == []
