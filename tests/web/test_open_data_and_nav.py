"""The open-data page and its downloads, and the menu showing what the user may do."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import Client

from tests.accounts.helpers import user_with
from tests.web.factories import Town

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def test_open_data_page_lists_indicators_api_and_downloads(town: Town) -> None:
    page = Client().get("/open-data/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Het aantal inwoners op 1 januari." in text  # the definition of an indicator
    assert "/api/v1/openapi.json" in text and "/api/v1/docs" in text
    assert f"/open-data/{town.gemeente.code}.csv" in text
    assert f"/open-data/{town.gemeente.code}.xlsx" in text
    assert "CC BY 4.0" in text
    assert 'href="/open-data/"' in Client().get("/").content.decode()  # linked from every page


def test_open_data_csv_is_disclosure_controlled_whoever_asks(town: Town) -> None:
    analist = Client()
    analist.force_login(user_with("analist", town.gemeente))
    response = analist.get(f"/open-data/{town.gemeente.code}.csv")
    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="open-data-{town.gemeente.code}.csv"'
    )
    assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    small = [r for r in rows if r["Gebied"] == town.small_buurt.code]
    share = [r for r in small if r["Indicator"] == "percentage_eenpersoonshuishoudens"]
    assert share and all(r["Status"] == "suppressed" and r["Waarde"] == "" for r in share)
    assert {r["Gebied"] for r in rows} >= {town.gemeente.code, town.wijk.code}


def test_open_data_xlsx_and_unknown_municipality(town: Town) -> None:
    response = Client().get(f"/open-data/{town.gemeente.code}.xlsx", {"periode": "2024"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:3] == ["Gebied", "Gebiedsnaam", "Niveau"]
    assert Client().get("/open-data/GM0000.csv").status_code == 404
    assert Client().get(f"/open-data/{town.gemeente.code}.pdf").status_code == 404


MENU = {
    "/analyse/": "Analyse",
    "/verhalen/beoordelen/": "Verhalen beoordelen",
    "/beheer/inlezen/": "Inlezen",
    "/analyse/runs/": "Analyses",
    "/budgetten/": "Budgetten",
    "/voortgang/": "Voortgang",
    "/mijn-werk/": "Mijn werk",
}
CYCLE = {"/budgetten/", "/voortgang/"}
MINE = {"/mijn-werk/"}


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (None, set()),
        ("afdeling", CYCLE | MINE),
        ("partner", MINE),
        ("wethouder", {"/analyse/runs/"} | CYCLE),
        ("gebiedsverbinder", {"/analyse/runs/", "/verhalen/beoordelen/"} | CYCLE | MINE),
        ("gebiedsmanager", {"/analyse/runs/", "/verhalen/beoordelen/"} | CYCLE | MINE),
        ("analist", {"/analyse/", "/beheer/inlezen/"} | CYCLE),
        ("beheerder", {"/analyse/", "/verhalen/beoordelen/", "/beheer/inlezen/"} | CYCLE | MINE),
    ],
    ids=[
        "no role",
        "department: overviews and own work",
        "partner: own work",
        "alderman reads analyses and overviews",
        "connector moderates",
        "area manager: budgets, progress, own work",
        "analyst runs and imports",
        "administrator",
    ],  # fmt: skip
)
def test_menu_shows_what_the_user_may_do_not_whether_they_are_staff(
    town: Town, role: str | None, shown: set[str]
) -> None:
    user = user_with(role, town.gemeente if role else None)
    user.is_staff = True  # staff status alone no longer opens a menu entry
    user.save()
    client = Client()
    client.force_login(user)
    html = client.get("/").content.decode()
    nav = html.split('aria-label="Hoofdmenu"', 1)[1].split("</nav>", 1)[0]
    linked = {path for path in MENU if f'href="{path}"' in nav}
    assert linked == shown
    for path in shown:
        assert client.get(path).status_code == 200, path  # the entry leads somewhere allowed


def test_overviews_from_the_menu_ask_for_a_municipality_when_there_are_several(
    town: Town,
) -> None:
    from gebiedskompas.areas.models import Area

    other = Area.objects.create(code="GM8888", name="Elders", level="gemeente")
    client = Client()
    client.force_login(user_with("operator", None))
    html = client.get("/voortgang/").content.decode()
    assert "Kies een gemeente" in html
    assert f'href="/voortgang/?gemeente={town.gemeente.code}"' in html
    assert f'href="/voortgang/?gemeente={other.code}"' in html
    scoped = Client()
    scoped.force_login(user_with("gebiedsmanager", town.gemeente, username="gm"))
    assert town.gemeente.name in scoped.get("/budgetten/").content.decode()
    assert Client().get("/budgetten/").status_code == 302


def test_anonymous_menu_has_only_public_entries(town: Town) -> None:
    html = Client().get("/").content.decode()
    nav = html.split('aria-label="Hoofdmenu"', 1)[1].split("</nav>", 1)[0]
    assert not any(f'href="{path}"' in nav for path in MENU)
    assert 'href="/open-data/"' in nav


def test_anonymous_downloads_are_rate_limited(town: Town, settings: object) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.API_RATES = {"anon": "2/minute", "user": "100/minute"}  # type: ignore[attr-defined]
    url = f"/open-data/{town.gemeente.code}.csv"
    assert [Client().get(url).status_code for _ in range(3)] == [200, 200, 429]
