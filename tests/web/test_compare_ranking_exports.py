"""Compare, ranking with map classes, and every download: CSV, XLSX, PDF, SVG, PNG."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from gebiedskompas.areas.models import Area, Level
from gebiedskompas.reports.ranking import classify
from tests.web.factories import Town, add_buurt
from tests.web.wijkfoto_data import build_wijkfoto_town

pytestmark = [pytest.mark.web, pytest.mark.django_db]


@pytest.fixture
def wtown(db: None) -> Town:
    return build_wijkfoto_town()


def ranking_url(**params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('web:ranking')}?{query}"


def test_compare_two_areas_side_by_side(client: Client, wtown: Town) -> None:
    a, b = wtown.wijken
    html = client.get(f"{reverse('web:compare')}?gebieden={a.code},{b.code}").content.decode()
    header = html.split("<thead", 1)[1].split("</thead>", 1)[0]
    assert header.index(a.name) < header.index(b.name)
    row = html.split('id="indicator-huishoudens_met_een_laag_inkomen"', 1)[1].split("</tr>", 1)[0]
    assert row.index("21,5") < row.index("7,5")


def test_compare_shows_every_figure_as_the_wijkfoto_does(client: Client, wtown: Town) -> None:
    from tests.web.test_pages import figure_cells

    # Buurten of two wijken, so suppressed values (small buurten) are among them.
    buurten = list(Area.objects.filter(level=Level.BUURT).order_by("code")[:4])
    codes = ",".join(b.code for b in buurten)
    compared = client.get(f"{reverse('web:compare')}?gebieden={codes}").content.decode()
    keys = ["inwoners", "huishoudens_met_een_laag_inkomen"]
    for position, buurt in enumerate(buurten):
        page = client.get(reverse("web:area", args=[buurt.code])).content.decode()
        for key in keys:
            assert figure_cells(compared, key)[position] == figure_cells(page, key)[0], (
                buurt.code,
                key,
            )


def test_compare_adds_an_area_by_name_and_reports_unknown_codes(
    client: Client, wtown: Town
) -> None:
    response = client.get(
        f"{reverse('web:compare')}?gebieden={wtown.wijk.code}&toevoegen=Stadsdeel Noord"
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"gebieden={wtown.wijk.code},{wtown.stadsdeel.code}")
    html = client.get(f"{reverse('web:compare')}?gebieden=WK0000,{wtown.wijk.code}").content
    assert "Onbekende gebiedscodes: WK0000" in html.decode()


def test_compare_downloads_xlsx_with_the_values_shown(client: Client, wtown: Town) -> None:
    a, b = wtown.wijken
    response = client.get(f"{reverse('web:compare')}?gebieden={a.code},{b.code}&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["cijfers"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["huishoudens_met_een_laag_inkomen"][4:6] == (21.5, 7.5)


def test_ranking_orders_by_direction_and_classes_the_map(client: Client, wtown: Town) -> None:
    url = ranking_url(
        indicator="huishoudens_met_een_laag_inkomen", niveau="buurt", gemeente="GM9999"
    )
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    body = html.split('id="ranking-caption"', 1)[1].split("</tbody>", 1)[0]
    # Higher is worse: the lowest share ranks first; the small buurt's value is secret, unranked.
    names = [b.name for b in sorted(wtown.buurten[1:], key=lambda b: b.code)]
    first = body.index(wtown.buurten[3].name)  # 7,0 %
    assert first < body.index(wtown.buurten[1].name)  # 10,0 %
    assert body.index(wtown.small_buurt.name) > max(body.index(n) for n in names)
    assert 'id="ranking-map"' in html and "klasse 1" in html
    data = client.get(url.replace("/ranglijst/?", "/ranglijst/kaart.geojson?")).json()
    classes = {f["properties"]["code"]: f["properties"]["class"] for f in data["features"]}
    assert classes[wtown.small_buurt.code] is None
    assert classes[wtown.buurten[3].code] == 0


def test_ranking_is_sortable_by_name(client: Client, wtown: Town) -> None:
    url = ranking_url(indicator="inwoners", niveau="buurt", gemeente="GM9999", sorteer="naam")
    body = client.get(url).content.decode().split("<tbody", 1)[1]
    names = sorted(b.name for b in wtown.buurten)
    positions = [body.index(n + "<") for n in names]
    assert positions == sorted(positions)


def test_ranking_of_unknown_indicator_says_so(client: Client, wtown: Town) -> None:
    html = client.get(ranking_url(indicator="bestaat_niet", niveau="wijk")).content.decode()
    assert "Onbekende indicator: bestaat_niet" in html


def test_ranking_csv_and_chart_downloads(client: Client, wtown: Town) -> None:
    base = dict(indicator="inwoners", niveau="wijk", gemeente="GM9999")
    response = client.get(ranking_url(**base, format="csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Rang", "Code", "Gebied"]
    assert [r[1] for r in rows[1:]] == ["WK999902", "WK999901", "WK999903"]
    assert rows[1][3] == "3300.0"
    svg = client.get(ranking_url(**base).replace("/ranglijst/?", "/ranglijst/grafiek.svg?"))
    assert b'role="img"' in svg.content and b"Wijk Zonnehoek 2" in svg.content
    png = client.get(ranking_url(**base).replace("/ranglijst/?", "/ranglijst/grafiek.png?"))
    assert png.content[:4] == b"\x89PNG"


def test_ranking_query_count_is_bounded(
    client: Client, wtown: Town, django_assert_max_num_queries
) -> None:
    url = ranking_url(indicator="inwoners", niveau="buurt", gemeente="GM9999")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    other = Area.objects.create(code="GM8888", name="Andere gemeente", level=Level.GEMEENTE)
    other_wijk = Area.objects.create(
        code="WK888801", name="Wijk Elders", level=Level.WIJK, parent=other, municipality=other
    )
    for index in range(1, 25):
        add_buurt(other_wijk, other, index, wtown.inwoners, wtown.pct)
    with django_assert_max_num_queries(len(few.captured_queries)):
        # One more municipality in the form's list costs no query.
        client.get(url)


def test_wijkfoto_xlsx_holds_the_values_a_reader_sees(client: Client, wtown: Town) -> None:
    response = client.get(reverse("web:area", args=[wtown.wijk.code]) + "?format=xlsx")
    assert response["Content-Disposition"].endswith(f'wijkfoto-{wtown.wijk.code}.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book["cijfers"][1]]
    rows = {r[2]: r for r in book["cijfers"].iter_rows(min_row=2, values_only=True)}
    assert header[5] == wtown.wijk.name
    assert rows["huishoudens_met_een_laag_inkomen"][5] == 21.5
    assert rows["huishoudens_met_een_laag_inkomen"][11] == "slechter"
    assert rows["rapportcijfer_leefbaarheid"][6:8] == (6.5, 7.1)
    # Rounded to 5 for the public, as on the page.
    assert rows["inwoners"][5] == 3100
    assert "CC BY 4.0" in book["bron"]["A2"].value


def test_wijkfoto_csv_marks_secret_values(client: Client, wtown: Town) -> None:
    response = client.get(reverse("web:area", args=[wtown.small_buurt.code]) + "?format=csv")
    rows = {r[2]: r for r in csv.reader(io.StringIO(response.content.decode()))}
    assert rows["percentage_eenpersoonshuishoudens"][5] == "geheim"


def test_wijkfoto_pdf_holds_figures_map_and_sources(client: Client, wtown: Town) -> None:
    from pypdf import PdfReader

    response = client.get(reverse("web:area-pdf", args=[wtown.wijk.code]))
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert f"Wijkfoto {wtown.wijk.name}" in text
    assert "21,5 %" in text.replace("\xa0", " ")
    assert "Cijfers tot en met 2024" in text
    assert "CBS Kerncijfers wijken en buurten" in text and "Demo bewonerspeiling" in text
    assert "Kaart" in text and "slechter" in text


def test_map_downloads_as_svg_and_png(client: Client, wtown: Town) -> None:
    svg = client.get(reverse("web:area-map", args=[wtown.wijk.code, "svg"]))
    assert svg.content.count(b"<path") == 5  # the wijk, three buurten, one neighbour
    assert b"<title" in svg.content and b"Buren: Wijk Zonnehoek 2" in svg.content
    png = client.get(reverse("web:area-map", args=[wtown.wijk.code, "png"]))
    assert png.content[:4] == b"\x89PNG"
    assert client.get(reverse("web:area-map", args=[wtown.wijk.code, "gif"])).status_code == 404


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        ("quantiles", [0, 0, 1, 1, 2, 2]),
        ("equal_interval", [0, 0, 0, 0, 0, 2]),
        ("fisher_jenks", [0, 0, 0, 0, 1, 2]),
    ],
    ids=["equal-counts", "equal-widths", "natural-gaps"],
)
def test_class_breaks_per_scheme(scheme: str, expected: list[int]) -> None:
    labels, bounds = classify([1, 2, 3, 4, 10, 30], scheme, 3)
    assert labels == expected
    assert bounds[-1] == 30


def test_a_gemeente_total_the_wijkfoto_hides_stays_hidden_in_the_ranking(db: None) -> None:
    """A gemeente whose only wijk is too small to show: its total would give the wijk away,
    so the wijkfoto hides it; the ranking of gemeenten must hide it too."""
    from gebiedskompas.indicators.models import Indicator, Observation
    from gebiedskompas.indicators.services import sync_catalogue
    from gebiedskompas.reports.ranking import ranking

    sync_catalogue()
    inwoners = Indicator.objects.get(key="inwoners")
    count = Indicator.objects.get(key="huishoudens_totaal")
    rows = []
    for code, population, households, wijk_population, wijk_households in (
        ("GM9990", 5000, 2000, 20, 8),  # one small wijk
        ("GM9991", 6000, 2500, 6000, 2500),
    ):
        gemeente = Area.objects.create(code=code, name=f"Gemeente {code}", level=Level.GEMEENTE)
        gemeente.municipality = gemeente
        gemeente.save()
        wijk = Area.objects.create(
            code=f"WK{code[2:]}00", name=f"Wijk {code}", level=Level.WIJK,
            parent=gemeente, municipality=gemeente,
        )  # fmt: skip
        for area, people, homes in (
            (gemeente, population, households),
            (wijk, wijk_population, wijk_households),
        ):
            rows += [
                Observation(area=area, indicator=inwoners, period="2024", value=people),
                Observation(area=area, indicator=count, period="2024", value=homes),
            ]
    Observation.objects.bulk_create(rows)
    from gebiedskompas.areas import versioning

    versioning.changed()
    page = Client().get(reverse("web:area", args=["GM9990"])).content.decode()
    assert "geheim" in page.split('id="indicator-huishoudens_totaal"', 1)[1].split("</tr>", 1)[0]
    result = ranking(
        indicator_key="huishoudens_totaal", level=Level.GEMEENTE, municipality_code="GM9990",
        period="2024", public=True,
    )  # fmt: skip
    shown = {entry.area.code: entry.cell for entry in result.entries}
    assert shown["GM9990"].shown == "secret"
    assert shown["GM9991"].shown == "value"
