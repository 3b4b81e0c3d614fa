"""The web shell: home, search, area page, map data, 404, language and security headers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from gebiedskompas.indicators.models import Observation, Status
from tests.accounts.helpers import grant
from tests.web.factories import Town, add_buurt

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def area_url(code: str) -> str:
    return reverse("web:area", args=[code])


def figure_cells(html: str, key: str) -> list[str]:
    """The text of the value cells in the row of one indicator, in column order."""
    import re

    row = re.search(rf'<tr[^>]*id="indicator-{key}".*?</tr>', html, re.S)
    assert row, f"no row for {key}"
    cells = re.findall(r'<td class="[^"]* figure figure--[^"]*">(.*?)</td>', row.group(0), re.S)
    return [re.sub(r"<[^>]+>", "", c).replace("\xa0", " ").strip() for c in cells]


@pytest.fixture
def staff_client(client: Client) -> Client:
    user = get_user_model().objects.create_user(
        "analist", password="een-lang-wachtwoord", is_staff=True
    )
    grant(user, "analist")
    client.force_login(user)
    return client


def test_home_lists_the_municipality_and_its_tree(client: Client, town: Town) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Gemeente Proefstad" in html
    assert f'href="{area_url(town.wijk.code)}"' in html
    assert f'href="{area_url(town.small_buurt.code)}"' in html
    assert "<details" in html
    assert 'class="utrecht-theme' in html


def test_home_without_areas_says_how_to_start(client: Client) -> None:
    response = client.get("/")
    assert "kompas demo" in response.content.decode()


def test_area_page_shows_value_beside_parent_and_municipality(client: Client, town: Town) -> None:
    response = client.get(area_url(town.big_buurt.code))
    html = response.content.decode()
    assert response.status_code == 200
    # Buurt 43,0 %, its wijk 43,7 %, the gemeente 41,3 %: each in its column.
    assert figure_cells(html, "percentage_eenpersoonshuishoudens") == ["42,0 %", "43,7 %", "41,3 %"]
    assert "2024" in html
    assert "CBS Kerncijfers wijken en buurten" in html
    assert "<details" in html and "Het aandeel eenpersoonshuishoudens" in html
    # Counts rounded to 5 for the public in buurt and wijk; the gemeente total as CBS gives it.
    third = client.get(area_url(town.buurten[2].code)).content.decode()
    assert figure_cells(third, "inwoners") == ["1.050", "3.100", "161.738"]


def test_area_page_breadcrumbs_and_children(client: Client, town: Town) -> None:
    html = client.get(area_url(town.wijk.code)).content.decode()
    crumbs = html.split('class="utrecht-breadcrumb-nav"', 1)[1].split("</nav>", 1)[0]
    assert crumbs.index("Gemeente Proefstad") < crumbs.index("Stadsdeel Noord")
    assert crumbs.index("Stadsdeel Noord") < crumbs.index(town.wijk.name)
    for buurt in town.buurten[:3]:
        assert f'href="{area_url(buurt.code)}"' in html


def test_latest_period_of_each_indicator_is_shown(client: Client, town: Town) -> None:
    Observation.objects.filter(area=town.big_buurt, period="2024").exclude(
        indicator=town.inwoners
    ).delete()
    html = client.get(area_url(town.big_buurt.code)).content.decode()
    # Only 2020 left for the percentage: shown with that year's parent and gemeente values.
    assert figure_cells(html, "percentage_eenpersoonshuishoudens") == ["12,3 %", "40,5 %", "39,9 %"]
    Observation.objects.filter(area=town.wijk, period="2020").delete()
    html = client.get(area_url(town.big_buurt.code)).content.decode()
    assert figure_cells(html, "percentage_eenpersoonshuishoudens") == ["12,3 %", "–", "39,9 %"]


def test_small_area_value_is_secret_to_the_public(client: Client, town: Town) -> None:
    html = client.get(area_url(town.small_buurt.code)).content.decode()
    assert figure_cells(html, "percentage_eenpersoonshuishoudens")[0] == "geheim"
    assert figure_cells(html, "huishoudens_totaal")[0] == "geheim"
    # The number of inhabitants itself is published for small buurten, rounded to 5, as CBS does.
    assert figure_cells(html, "inwoners")[0] == "20"
    assert "35,0" not in html


def test_staff_see_the_unsuppressed_value_marked(staff_client: Client, town: Town) -> None:
    html = staff_client.get(area_url(town.small_buurt.code)).content.decode()
    assert figure_cells(html, "percentage_eenpersoonshuishoudens")[0] == "35,0 %* (niet openbaar)"
    assert figure_cells(html, "huishoudens_totaal")[0] == "9* (niet openbaar)"
    # Staff see true counts, not rounded ones.
    third = staff_client.get(area_url(town.buurten[2].code)).content.decode()
    assert figure_cells(third, "inwoners")[0] == "1.051"


def test_complementary_suppression_protects_a_secret_sibling(client: Client, town: Town) -> None:
    # The small buurt's households are secret; its wijk total is shown, so one sibling must be
    # secret too, else the small buurt's count follows by subtraction: the smaller one.
    shown = [
        figure_cells(client.get(area_url(b.code)).content.decode(), "huishoudens_totaal")[0]
        for b in town.buurten[:3]
    ]
    assert shown == ["geheim", "geheim", "525"]


def test_value_suppressed_at_the_source_and_missing_value(client: Client, town: Town) -> None:
    Observation.objects.filter(area=town.big_buurt, indicator=town.pct, period="2024").update(
        status=Status.SUPPRESSED, value=None
    )
    Observation.objects.filter(area=town.wijk, indicator=town.pct, period="2024").update(
        status=Status.MISSING, value=None
    )
    html = client.get(area_url(town.big_buurt.code)).content.decode()
    assert figure_cells(html, "percentage_eenpersoonshuishoudens") == ["geheim", "–", "41,3 %"]


def test_unknown_area_gives_404_in_site_style(client: Client, town: Town) -> None:
    response = client.get(area_url("BU0000000"))
    html = response.content.decode()
    assert response.status_code == 404
    assert "Pagina niet gevonden" in html
    assert "utrecht-page" in html and "/static/web/site.css" in html


def test_search_finds_by_name_and_by_code(client: Client, town: Town) -> None:
    by_name = client.get("/zoeken", {"q": "zonnehoek"}).content.decode()
    assert f'href="{area_url(town.wijk.code)}"' in by_name
    by_code = client.get("/zoeken", {"q": town.big_buurt.code.lower()}).content.decode()
    assert f'href="{area_url(town.big_buurt.code)}"' in by_code
    assert "1 gebied gevonden" in by_code
    nothing = client.get("/zoeken", {"q": "Atlantis"}).content.decode()
    assert "Geen gebied gevonden" in nothing


def test_geojson_has_the_area_and_its_children(client: Client, town: Town) -> None:
    response = client.get(reverse("web:area-geojson", args=[town.wijk.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    roles = {f["properties"]["code"]: f["properties"]["role"] for f in data["features"]}
    assert roles[town.wijk.code] == "area"
    assert {code for code, role in roles.items() if role == "child"} == {
        b.code for b in town.buurten[:3]
    }
    first = data["features"][0]
    assert first["geometry"]["type"] == "Polygon"
    assert first["properties"]["url"] == area_url(town.wijk.code)


def test_area_without_geometry_renders_without_map(client: Client, town: Town) -> None:
    town.big_buurt.geojson_wgs84 = ""
    town.big_buurt.save()
    html = client.get(area_url(town.big_buurt.code)).content.decode()
    assert "data-area-map" not in html and "leaflet.js" not in html
    assert "42,0" in html
    with_map = client.get(area_url(town.wijk.code)).content.decode()
    assert "data-area-map" in with_map and "leaflet.js" in with_map
    features = client.get(reverse("web:area-geojson", args=[town.big_buurt.code])).json()
    assert features["features"] == []


def test_language_switch_to_english(client: Client, town: Town) -> None:
    assert "Gebieden en kerncijfers" in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html
    assert "Areas and key figures" in html
    area = client.get(area_url(town.big_buurt.code)).content.decode()
    assert "Key figures</h2>" in area and "Kerncijfers</h2>" not in area


def test_language_switch_is_a_csrf_protected_form(client: Client, town: Town) -> None:
    html = client.get("/").content.decode()
    form = html.split('action="/i18n/setlang/"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrfmiddlewaretoken"' in form
    assert 'value="en"' in form


def test_pages_send_a_strict_content_security_policy(client: Client, town: Town) -> None:
    for url in ("/", area_url(town.wijk.code), "/zoeken?q=wijk", area_url("XX")):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert response["Permissions-Policy"] == "geolocation=(), camera=(), microphone=()"
        html = response.content.decode()
        assert "style=" not in html
        assert "<script>" not in html and "<style" not in html


def test_area_page_query_count_is_bounded_and_independent_of_children(
    client: Client, town: Town, django_assert_max_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gebiedskompas.areas import versioning

    # A first visit builds the page: a light read, the data version, then the wijkfoto.
    with django_assert_max_num_queries(18):
        client.get(area_url(town.wijk.code))
    versioning.changed()  # the page is built again below, the peer groups stay cached
    with CaptureQueriesContext(connection) as few:
        client.get(area_url(town.wijk.code))
    for index in range(10, 40):
        add_buurt(town.wijk, town.gemeente, index, town.inwoners, town.pct)
    # The new buurten raised the data version: the page is built again, with them.
    with CaptureQueriesContext(connection) as many:
        response = client.get(area_url(town.wijk.code))
    html = response.content.decode()
    assert html.count("children-list") == 1
    assert f"{town.wijk.name[5:]}-39" in html
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_repeated_visit_is_served_from_the_cache_until_the_figures_change(
    client: Client, town: Town, django_assert_max_num_queries
) -> None:
    first = client.get(area_url(town.wijk.code)).content.decode()
    # The area, the data version, the session-less shell: nothing of the wijkfoto itself.
    with django_assert_max_num_queries(2):
        again = client.get(area_url(town.wijk.code)).content.decode()
    # Equal but for the per-request (masked) form token in the page's header.
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", again) == token.sub("", first)
    observation = town.wijk.observations.get(indicator=town.inwoners)
    observation.value = 987_655  # public counts are rounded to 5
    observation.save()
    changed = client.get(area_url(town.wijk.code)).content.decode()
    assert "987.655" in changed and "987.655" not in first


def test_staff_area_page_query_count_is_bounded(
    staff_client: Client, town: Town, django_assert_max_num_queries
) -> None:
    # 25 on a first visit: the peer groups are computed once per data version, then cached;
    # the page itself is cached too (a light read of the area and the data version first), and
    # the Netherlands is looked up to compare with; 3 more for the area's place in the
    # gebiedscyclus (its facts, the phases, who is on it), and 2 for the menu, whose entries
    # follow the reader's rights.
    with django_assert_max_num_queries(27):
        staff_client.get(area_url(town.small_buurt.code))


def test_dutch_is_shown_to_an_english_browser_until_english_is_chosen(
    client: Client, town: Town
) -> None:
    first = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert first["Content-Language"] == "nl"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.get("/")["Content-Language"] == "en"


def test_a_capped_percentage_shows_the_cap_to_the_public_and_the_value_to_staff(
    staff_client: Client, town: Town
) -> None:
    from gebiedskompas.areas import versioning

    client = Client()  # staff_client signed the default one in
    town.pct.cap_high = 41.5
    town.pct.save()
    buurt = town.buurten[1]  # 42 %
    versioning.changed()
    public = client.get(area_url(buurt.code)).content.decode()
    row = public.split(f'id="indicator-{town.pct.key}"', 1)[1].split("</tr>", 1)[0]
    assert "> 41,5 %" in row.replace("\u00a0", " ").replace("&gt;", ">")
    staff = staff_client.get(area_url(buurt.code)).content.decode()
    row = staff.split(f'id="indicator-{town.pct.key}"', 1)[1].split("</tr>", 1)[0]
    text = row.replace("\u00a0", " ").replace("&gt;", ">")
    assert re.search(r">42(,0)? %", text) and "> 41,5" not in text


def test_warming_renders_each_public_wijkfoto_once_and_a_first_reader_gets_it_cached(
    client: Client, town: Town, django_assert_max_num_queries, capsys
) -> None:
    from gebiedskompas.areas.models import Area
    from gebiedskompas.cli import main

    areas = Area.objects.exclude(level="land").count()
    assert main(["cache", "warm", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["rendered"], first["already"]) == (2 * areas, 0)  # Dutch and English
    assert main(["cache", "warm", "--municipality", "GM9999", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["rendered"], again["already"]) == (0, 2 * areas)
    # A run over everything for a data version already warmed looks at nothing.
    from gebiedskompas.web.warming import warm_pages

    with django_assert_max_num_queries(1):
        assert warm_pages().up_to_date
    # Nobody visited the buurt yet: its whole page comes from the cache (the data version).
    with django_assert_max_num_queries(1):
        html = client.get(area_url(town.small_buurt.code)).content.decode()
    assert town.small_buurt.name in html and "Kerncijfers" in html
    # After a change the next run renders the pages again.
    observation = town.wijk.observations.get(indicator=town.inwoners)
    observation.value = 3105
    observation.save()
    assert main(["cache", "warm", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rendered"] == 2 * areas


def test_a_public_reader_gets_the_whole_page_from_the_cache_with_a_token_of_their_own(
    town: Town, django_assert_max_num_queries
) -> None:
    first_reader, second_reader = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first = first_reader.get(area_url(town.wijk.code))
    # Without a session the page is the same for everyone: only the data version is read.
    with django_assert_max_num_queries(1):
        second = second_reader.get(area_url(town.wijk.code))
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    html = second.content.decode()
    assert token.sub("", html) == token.sub("", first.content.decode())
    assert town.wijk.name in html and second["Content-Type"].startswith("text/html")
    # The cached page's form works: its token matches the cookie the answer set.
    form_token = token.search(html).group(1)  # type: ignore[union-attr]
    assert form_token != token.search(first.content.decode()).group(1)  # type: ignore[union-attr]
    switched = second_reader.post(
        "/i18n/setlang/",
        {"language": "en", "next": area_url(town.wijk.code), "csrfmiddlewaretoken": form_token},
    )
    assert switched.status_code == 302
    english = second_reader.get(area_url(town.wijk.code))
    assert english["Content-Language"] == "en" and "Key figures" in english.content.decode()


def test_a_signed_in_reader_never_gets_the_public_page_from_the_cache(
    staff_client: Client, town: Town
) -> None:
    from gebiedskompas.areas import versioning

    town.pct.cap_high = 41.5
    town.pct.save()
    versioning.changed()
    buurt = town.buurten[1]  # 42 %, shown capped to the public
    public = Client().get(area_url(buurt.code)).content.decode()
    assert "41,5" in public
    staff = staff_client.get(area_url(buurt.code)).content.decode()
    row = staff.split(f'id="indicator-{town.pct.key}"', 1)[1].split("</tr>", 1)[0]
    assert "41,5" not in row and "analist" in staff


def test_a_reader_with_a_message_waiting_is_not_served_a_cached_page(
    client: Client, town: Town
) -> None:
    client.get(area_url(town.wijk.code))  # cached for readers without a session
    session = client.session
    session["note"] = "bezig met een formulier"
    session.save()
    client.cookies["sessionid"] = session.session_key  # type: ignore[assignment]
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse
    from django.test import RequestFactory

    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "Uw melding is ontvangen")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies["messages"] = carrier.cookies["messages"].value
    html = client.get(area_url(town.wijk.code)).content.decode()
    assert "Uw melding is ontvangen" in html
    # The next reader without a session does not see it.
    assert "Uw melding is ontvangen" not in Client().get(area_url(town.wijk.code)).content.decode()


@pytest.mark.parametrize(
    "page",
    ["home", "trend", "map", "compare", "ranking map"],
)
def test_other_public_pages_are_served_whole_from_the_cache_until_the_figures_change(
    town: Town, page: str, django_assert_max_num_queries
) -> None:
    wijk, buurt = town.wijk, town.big_buurt
    url = {
        "home": "/",
        "trend": reverse("web:trend", args=[wijk.code, town.inwoners.key]),
        "map": reverse("web:area-geojson", args=[wijk.code]),
        "compare": f"{reverse('web:compare')}?gebieden={wijk.code},{town.wijken[1].code}",
        "ranking map": f"{reverse('web:ranking-geojson')}?indicator={town.inwoners.key}"
        f"&niveau=buurt&gemeente={town.gemeente.code}",
    }[page]
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    first = Client().get(url)
    assert first.status_code == 200
    with django_assert_max_num_queries(1):  # the data version
        again = Client().get(url)
    assert token.sub("", again.content.decode()) == token.sub("", first.content.decode())
    assert again["Content-Type"] == first["Content-Type"]
    # A renamed area shows at once: the rename raised the data version.
    target = buurt if page == "ranking map" else wijk
    target.name = "Nieuwe Naam"
    target.save()
    assert "Nieuwe Naam" in Client().get(url).content.decode()


def test_a_database_made_anew_beside_an_old_page_cache_shows_its_own_figures(
    town: Town,
) -> None:
    from datetime import timedelta

    from gebiedskompas.areas.models import Area, DataVersion

    url = area_url(town.wijk.code)
    assert town.wijk.name in Client().get(url).content.decode()  # cached on disk
    # Another database under the same data folder, with as many changes counted: the old
    # page must not be taken for its page.
    Area.objects.filter(pk=town.wijk.pk).update(name="Andere Wijk")
    DataVersion.objects.filter(pk=1).update(
        changed_at=DataVersion.objects.get(pk=1).changed_at - timedelta(days=1)
    )
    assert "Andere Wijk" in Client().get(url).content.decode()


def test_made_up_query_parameters_do_not_fill_the_page_cache(town: Town) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gebiedskompas.web.caching import page_cache

    def entries() -> int:
        return len(list(Path(page_cache()._dir).glob("*")))  # type: ignore[attr-defined]

    url = area_url(town.wijk.code)
    Client().get(url)
    Client().get(f"{url}?x=0")  # the page's figures part, shared by every such request
    cached = entries()
    for n in range(1, 6):
        assert Client().get(f"{url}?x={n}").status_code == 200
    assert entries() == cached
    # A query the page reads is still cached: the ranking by indicator.
    ranking = f"{reverse('web:ranking')}?indicator={town.inwoners.key}&niveau=buurt"
    Client().get(ranking)
    with CaptureQueriesContext(connection) as queries:
        Client().get(ranking)
    assert len(queries.captured_queries) <= 1
