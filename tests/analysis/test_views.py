"""The analysis pages: staff can run and read, others are sent to log in, CSRF is enforced."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from tests.accounts.helpers import grant
from tests.analysis.conftest import new_runs

from gebiedskompas.analysis import services

pytestmark = [pytest.mark.web, pytest.mark.django_db]

FORM = {
    "method": "zscore",
    "level": "buurt",
    "municipality": "GM9999",
    "period": "2024",
    "missing": "exclude",
    "sensitivity": "50",
    "weight_sociaal": "1",
    "weight_economie": "1",
    "weight_veiligheid": "1",
    "weight_wonen": "1",
    "weight_leefbaarheid": "1",
}


@pytest.fixture
def staff(demo: Any, db: None) -> Client:
    user = get_user_model().objects.create_user("ana", password="x" * 16, is_staff=True)
    grant(user, "analist")
    client = Client()
    client.force_login(user)
    return client


def test_staff_runs_an_analysis_and_sees_the_ranking(
    staff: Client, focus_buurten: set[str]
) -> None:
    page = staff.get("/analyse/")
    assert page.status_code == 200
    assert 'type="range"' in page.content.decode()
    response = staff.post("/analyse/", FORM)
    run = new_runs().get()
    assert response.status_code == 302 and response["Location"] == f"/analyse/runs/{run.pk}/"
    assert run.created_by is not None and run.created_by.username == "ana"
    html = staff.get(response["Location"]).content.decode()
    first = run.rows.get(position=1).area
    assert f'href="/gebieden/{first.code}/"' in html
    assert f'href="/analyse/runs/{run.pk}/gebieden/{first.code}/"' in html
    assert 'id="sensitivity-chart"' in html and '<title id="sensitivity-chart-title">' in html
    assert f"/analyse/runs/{run.pk}/kaart.geojson" in html


def test_partial_request_returns_the_result_fragment(staff: Client) -> None:
    response = staff.post(
        "/analyse/", {**FORM, "weight_veiligheid": "5"}, headers={"X-Kompas-Partial": "1"}
    )
    assert response.status_code == 200
    run = new_runs().get()
    assert response["X-Kompas-Run-Url"] == f"/analyse/runs/{run.pk}/"
    html = response.content.decode()
    assert "<html" not in html and 'id="analysis-ranking"' in html
    assert run.weights["veiligheid"] == 5.0


def test_bad_input_is_shown_beside_the_form(staff: Client) -> None:
    response = staff.post("/analyse/", {**FORM, **dict.fromkeys(
        [k for k in FORM if k.startswith("weight_")], "0")})  # fmt: skip
    assert response.status_code == 400
    assert "ten minste één domeingewicht moet boven 0 liggen" in response.content.decode()
    assert not new_runs().exists()


@pytest.mark.parametrize(
    "url", ["/analyse/", "/analyse/runs/", "/analyse/runs/1/", "/analyse/signalen/"]
)
def test_anonymous_is_sent_to_log_in(url: str, client: Client) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen/?next=")


def test_non_staff_cannot_start_a_run(demo: Any, client: Client) -> None:
    user = get_user_model().objects.create_user("bewoner", password="x" * 16)
    client.force_login(user)
    response = client.post("/analyse/", FORM)
    assert response.status_code == 403
    assert not new_runs().exists()


def test_starting_a_run_needs_the_csrf_token(demo: Any) -> None:
    user = get_user_model().objects.create_user("ana", password="x" * 16, is_staff=True)
    grant(user, "analist")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/analyse/", FORM).status_code == 403
    assert not new_runs().exists()
    page = client.get("/analyse/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = client.post("/analyse/", {**FORM, "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302


def test_why_page_explains_the_score_by_domain_and_indicator(staff: Client) -> None:
    run = services.run_analysis(
        method="zscore", municipality="GM9999", level="buurt", period="2024"
    )
    row = run.rows.select_related("area").get(position=1)
    response = staff.get(f"/analyse/runs/{run.pk}/gebieden/{row.area.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html and '<title id="why-chart-title">' in html
    assert 'id="why-chart-desc"' in html
    total = re.search(r'id="why-total">([^<]+)<', html)
    assert total is not None
    assert float(total.group(1).replace(",", ".")) == pytest.approx(row.score, abs=0.006)
    assert 'id="why-personen_per_soort_uitkering_bijstand"' in html
    assert "per 1.000 aantal inwoners" in html or "per 1.000 " in html
    assert staff.get(f"/analyse/runs/{run.pk}/gebieden/GM0000/").status_code == 404
    assert staff.get("/analyse/runs/99999/").status_code == 404


def test_geojson_of_a_run_colours_every_area_by_rank(staff: Client) -> None:
    run = services.run_analysis(method="svi", municipality="GM9999", level="wijk", period="2024")
    data = staff.get(f"/analyse/runs/{run.pk}/kaart.geojson").json()
    assert len(data["features"]) == 10
    props = sorted((f["properties"] for f in data["features"]), key=lambda p: p["position"])
    assert [p["quintile"] for p in props] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert props[0]["url"] == f"/gebieden/{props[0]['code']}/"


def test_runs_list_links_each_stored_run(staff: Client) -> None:
    run = services.run_analysis(method="imd", municipality="GM9999", level="wijk", period="2024")
    html = staff.get("/analyse/runs/").content.decode()
    assert f'href="/analyse/runs/{run.pk}/"' in html


def test_early_warning_page_lists_areas(staff: Client) -> None:
    response = staff.get(
        "/analyse/signalen/", {"municipality": "GM9999", "level": "buurt", "period": "2024"}
    )
    assert response.status_code == 200
    assert 'id="early-warnings"' in response.content.decode()
    bad = staff.get("/analyse/signalen/", {"municipality": "GM0001", "period": "2024"})
    assert bad.status_code == 400 and "onbekende gemeente" in bad.content.decode()
