"""The REST API: Design Rules shape (paging, problem+json, API-Version, no trailing slash),
disclosure control for the public, writes by role, API keys, throttling, the OpenAPI schema."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from gebiedskompas.accounts.services import issue_token
from gebiedskompas.indicators.models import Observation
from tests.accounts.conftest import World
from tests.accounts.helpers import user_with

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def _client(user: object | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


def test_areas_are_paged_with_links_and_carry_the_api_version(world: World) -> None:
    response = Client().get("/api/v1/gebieden", {"pageSize": 2, "page": 2})
    assert response.status_code == 200 and response["API-Version"] == "1.0.0"
    body = response.json()
    assert body["pagina"] == 2 and body["paginaGrootte"] == 2 and body["totaal"] >= 10
    assert {"self", "first", "prev", "next", "last"} <= set(body["_links"])
    assert "page=3" in body["_links"]["next"]["href"]
    assert len(body["resultaten"]) == 2


def test_errors_are_problem_json(world: World) -> None:
    response = Client().get("/api/v1/gebieden/XX0000")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Onbekend gebied: XX0000"
    invalid = Client().get("/api/v1/gebieden", {"niveau": "planeet"})
    assert invalid.status_code == 400
    assert invalid.json()["invalidParams"][0]["name"] == "niveau"


def test_no_trailing_slashes(world: World) -> None:
    response = Client().get("/api/v1/gebieden/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_public_observations_are_disclosure_controlled(world: World) -> None:
    small = world.town.small_buurt
    public = Client().get("/api/v1/waarnemingen", {"gebied": small.code})
    rows = {r["indicator"]: r for r in public.json()["resultaten"]}
    assert rows["percentage_eenpersoonshuishoudens"]["status"] == "suppressed"
    assert rows["percentage_eenpersoonshuishoudens"]["waarde"] is None
    assert public["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    analist = _client(user_with("analist", world.town.gemeente))
    internal = analist.get("/api/v1/waarnemingen", {"gebied": small.code}).json()["resultaten"]
    assert {r["indicator"]: r["waarde"] for r in internal}[
        "percentage_eenpersoonshuishoudens"
    ] == 35.0
    outsider = _client(user_with("analist", world.other))
    shown = outsider.get("/api/v1/waarnemingen", {"gebied": small.code}).json()["resultaten"]
    assert {r["indicator"]: r["status"] for r in shown}["percentage_eenpersoonshuishoudens"] == (
        "suppressed"
    )


def test_open_data_downloads_as_csv(world: World) -> None:
    response = Client().get(
        "/api/v1/waarnemingen", {"gebied": world.town.wijk.code, "format": "csv"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "gebied,gebiedsnaam,niveau,indicator,periode,waarde,status"
    assert len(lines) > 3


def test_observations_need_a_filter(world: World) -> None:
    response = Client().get("/api/v1/waarnemingen")
    assert response.status_code == 400
    assert {p["name"] for p in response.json()["invalidParams"]} == {"gebied", "indicator"}


def test_an_analist_writes_observations_for_their_municipality_only(world: World) -> None:
    analist = _client(user_with("analist", world.town.gemeente))
    body = {
        "gebied": world.town.wijk.code,
        "indicator": "inwoners",
        "periode": "2025",
        "waarde": 3200,
    }
    created = analist.post("/api/v1/waarnemingen", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["nieuw"] == 1
    assert Observation.objects.get(area=world.town.wijk, period="2025").value == 3200
    elsewhere = {**body, "gebied": world.other.code}
    assert (
        analist.post("/api/v1/waarnemingen", elsewhere, content_type="application/json").status_code
        == 403
    )
    anonymous = Client().post("/api/v1/waarnemingen", body, content_type="application/json")
    assert anonymous.status_code == 401 and anonymous["Content-Type"] == "application/problem+json"
    wethouder = _client(user_with("wethouder", world.town.gemeente))
    assert (
        wethouder.post("/api/v1/waarnemingen", body, content_type="application/json").status_code
        == 403
    )


def test_a_beheerder_renames_an_area_and_others_may_not(world: World) -> None:
    url = f"/api/v1/gebieden/{world.town.wijk.code}"
    beheerder = _client(user_with("beheerder", world.town.gemeente))
    ok = beheerder.patch(url, {"naam": "Zonnehoek"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["naam"] == "Zonnehoek"
    bad = beheerder.patch(url, {"naam": ""}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["invalidParams"][0]["name"] == "naam"
    analist = _client(user_with("analist", world.town.gemeente))
    assert analist.patch(url, {"naam": "X"}, content_type="application/json").status_code == 403


def test_an_api_key_acts_as_its_partner_user(world: World) -> None:
    partner_user = user_with("analist", world.town.gemeente, username="corporatie-api")
    key = issue_token(partner_user, "corporatie")
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    body = {"gebied": world.town.wijk.code, "indicator": "inwoners", "periode": "2026", "waarde": 1}
    response = Client().post(
        "/api/v1/waarnemingen", body, content_type="application/json", **headers
    )
    assert response.status_code == 201
    wrong = Client().get("/api/v1/analyses", HTTP_AUTHORIZATION="Token abc.def")
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "Onbekende of ingetrokken API-sleutel."


def test_analyses_need_sign_in(world: World) -> None:
    assert Client().get("/api/v1/analyses").status_code == 401
    analist = _client(user_with("analist", world.town.gemeente))
    assert analist.get("/api/v1/analyses").json()["totaal"] == 0


@override_settings(API_RATES={"anon": "3/minute", "user": "100/minute"})
def test_the_public_api_is_throttled(world: World) -> None:
    client = Client()
    statuses = [client.get("/api/v1/indicatoren").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    last = client.get("/api/v1/indicatoren")
    assert last["Content-Type"] == "application/problem+json" and "Retry-After" in last


def test_openapi_schema_and_documentation_are_served(world: World) -> None:
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/gebieden/{code}" in paths and "/api/v1/waarnemingen" in paths
    assert all(not p.endswith("/") for p in paths)
    docs = Client().get("/api/v1/docs")
    html = docs.content.decode()
    assert docs.status_code == 200 and "<script>" not in html and "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script = Client().get("/api/v1/docs?script=")
    assert script.status_code == 200
    assert "script-src 'self'" in docs["Content-Security-Policy"]


def test_a_repeated_open_data_question_is_answered_from_the_cache_until_the_figures_change(
    world: World, django_assert_max_num_queries
) -> None:
    question = {"gebied": world.town.wijk.code, "indicator": "inwoners"}
    first = Client().get("/api/v1/waarnemingen", question)
    # Another reader without a session asks the same: only the data version is read.
    with django_assert_max_num_queries(1):
        again = Client().get("/api/v1/waarnemingen", question)
    assert again.json() == first.json() and again["Link"] == first["Link"]
    assert again["API-Version"] == "1.0.0" and again["X-Kompas-Openbaar"] == "ja"
    # The same question as CSV is its own answer.
    csv = Client().get("/api/v1/waarnemingen", {**question, "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().startswith("gebied,gebiedsnaam,niveau")
    observation = Observation.objects.get(
        area=world.town.wijk, indicator__key="inwoners", period="2024"
    )
    observation.value = 4_321
    observation.save()
    changed = Client().get("/api/v1/waarnemingen", question).json()["resultaten"]
    assert 4_320 in [r["waarde"] for r in changed if r["periode"] == "2024"]  # rounded to 5


def test_open_data_keeps_the_complementary_suppression_of_the_pages(world: World) -> None:
    """Asked about one buurt alone, the API must hide what the wijkfoto hides: a sibling kept
    secret so that the small buurt cannot be derived from the wijk total minus the others."""
    from gebiedskompas.areas.models import Area
    from tests.web.test_pages import figure_cells

    hidden_on_pages = 0
    for buurt in Area.objects.filter(parent=world.town.small_buurt.parent).order_by("code"):
        rows = Client().get("/api/v1/waarnemingen", {"gebied": buurt.code}).json()["resultaten"]
        latest = {}
        for row in rows:
            if row["periode"] >= latest.get(row["indicator"], {"periode": ""})["periode"]:
                latest[row["indicator"]] = row
        page = Client().get(f"/gebieden/{buurt.code}/").content.decode()
        for key, row in latest.items():
            shown = figure_cells(page, key)[0]
            if shown == "geheim":
                hidden_on_pages += 1
                assert (row["status"], row["waarde"]) == ("suppressed", None), (buurt.code, key)
            else:
                assert row["status"] == "ok", (buurt.code, key)
    assert hidden_on_pages >= 3  # the small buurt's own, and a sibling's by complement
