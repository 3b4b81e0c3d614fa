"""The wijkfoto page: comparisons, trends with breaks, survey margins, highlights, map, 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from gebiedskompas.areas.models import Area, Level
from tests.web.factories import Town, add_buurt
from tests.web.wijkfoto_data import build_wijkfoto_town

pytestmark = [pytest.mark.web, pytest.mark.django_db]


@pytest.fixture
def wtown(db: None) -> Town:
    return build_wijkfoto_town()


def row_html(html: str, key: str) -> str:
    row = re.search(rf'<tr[^>]*id="indicator-{key}".*?</tr>', html, re.S)
    assert row, f"no row for {key}"
    return row.group(0)


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).replace("\xa0", " ").strip()


def test_indicators_grouped_by_domain_with_definition_and_source(
    client: Client, wtown: Town
) -> None:
    html = client.get(reverse("web:area", args=[wtown.wijk.code])).content.decode()
    captions = re.findall(r"<caption[^>]*>(.*?)</caption>", html)
    assert captions == ["Demografie", "Wonen", "Economie en inkomen"]
    row = row_html(html, "percentage_eenpersoonshuishoudens")
    assert "<details" in row and "Het aandeel eenpersoonshuishoudens" in row
    assert "CBS Kerncijfers wijken en buurten" in row


def test_worse_value_is_marked_by_word_and_icon_not_colour_alone(
    client: Client, wtown: Town
) -> None:
    html = client.get(reverse("web:area", args=[wtown.wijk.code])).content.decode()
    row = row_html(html, "huishoudens_met_een_laag_inkomen")
    # 21,5 % in the wijk against 10,2 % in the gemeente; higher is worse.
    assert "21,5 %" in text_of(row) and "10,2 %" in text_of(row)
    cell = re.search(r'<td class="[^"]*assessment--worse[^"]*">(.*?)</td>', row, re.S)
    assert cell and "▼" in cell.group(1) and "slechter" in cell.group(1)


def test_highlights_name_the_largest_difference_and_change(client: Client, wtown: Town) -> None:
    html = client.get(reverse("web:area", args=[wtown.wijk.code])).content.decode()
    section = html.split('id="opvallend"', 1)[1].split("</section>", 1)[0]
    assert "Huishoudens met een laag inkomen: 21,5 % tegen 10,2 % in Gemeente Proefstad" in (
        text_of(section)
    )
    assert "verslechterd" in section
    assert "van 18,0 % (2023) naar 21,5 % (2024)" in text_of(section)


def test_trend_sparkline_breaks_where_boundaries_changed(client: Client, wtown: Town) -> None:
    html = client.get(reverse("web:area", args=[wtown.wijk.code])).content.decode()
    row = row_html(html, "woz_waarde")
    svg = re.search(r"<svg.*?</svg>", row, re.S)
    assert svg, "no sparkline"
    assert 'role="img"' in svg.group(0)
    assert 'class="chart-break"' in svg.group(0)
    # Two line pieces: 2020–2021 and 2022–2024.
    assert svg.group(0).count("<polyline") == 2
    assert "Nieuwe gebiedsgrenzen vanaf 2022" in svg.group(0)
    assert "Van 210 x 1 000 euro in 2020 naar 262 x 1 000 euro in 2024." in svg.group(0)


def test_subjective_indicator_shows_its_margin_beside_objective_ones(
    client: Client, wtown: Town
) -> None:
    html = client.get(reverse("web:area", args=[wtown.wijk.code])).content.decode()
    wonen = html.split('id="domein-wonen"', 1)[1].split("</table>", 1)[0]
    assert wonen.index("indicator-woz_waarde") < wonen.index("indicator-rapportcijfer_leefbaarheid")
    row = text_of(row_html(html, "rapportcijfer_leefbaarheid"))
    assert "beleving" in row and "6,8" in row and "(6,5–7,1)" in row


def test_indicator_without_data_for_the_area_says_so(client: Client, wtown: Town) -> None:
    from gebiedskompas.indicators.models import Indicator
    from tests.web.factories import ObservationFactory

    ObservationFactory(
        area=wtown.gemeente, indicator=Indicator.objects.get(key="alleen_elders"), value=3.0
    )
    html = client.get(reverse("web:area", args=[wtown.wijk.code])).content.decode()
    row = text_of(row_html(html, "alleen_elders"))
    assert f"Geen gegevens voor {wtown.wijk.name}" in row


def test_suppressed_value_is_shown_as_secret(client: Client, wtown: Town) -> None:
    html = client.get(reverse("web:area", args=[wtown.small_buurt.code])).content.decode()
    assert "geheim" in text_of(row_html(html, "percentage_eenpersoonshuishoudens"))


def test_map_region_and_neighbours_listed(client: Client, wtown: Town) -> None:
    html = client.get(reverse("web:area", args=[wtown.wijk.code])).content.decode()
    assert 'id="area-map"' in html
    neighbours = html.split('id="buren"', 1)[1].split("</ul>", 1)[0]
    assert wtown.wijken[1].name in neighbours
    data = client.get(reverse("web:area-geojson", args=[wtown.wijk.code])).json()
    roles = sorted(f["properties"]["role"] for f in data["features"])
    assert roles == ["area", "child", "child", "child", "neighbour"]


def test_area_without_geometry_renders_without_the_map(client: Client, wtown: Town) -> None:
    Area.objects.filter(pk=wtown.wijk.pk).update(geojson_wgs84="")
    response = client.get(reverse("web:area", args=[wtown.wijk.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="area-map"' not in html and "leaflet.js" not in html
    assert "21,5\xa0%" in html
    assert client.get(reverse("web:area-map", args=[wtown.wijk.code, "svg"])).status_code == 404


def test_unknown_area_is_a_404_in_site_style(client: Client, wtown: Town) -> None:
    response = client.get("/gebieden/WK0000000/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Pagina niet gevonden" in html and "web/site.css" in html


def test_wijkfoto_query_count_does_not_grow_with_areas_elsewhere(
    client: Client, wtown: Town, django_assert_max_num_queries
) -> None:
    url = reverse("web:area", args=[wtown.big_buurt.code])
    # A first visit: a light read, the data version, then the wijkfoto is built.
    with django_assert_max_num_queries(18):
        client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gebiedskompas.areas import versioning

    versioning.changed()  # built again (not from the page cache), as after the changes below
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    # Another municipality with many areas, and more buurten in the other wijk.
    other = Area.objects.create(code="GM8888", name="Andere gemeente", level=Level.GEMEENTE)
    other_wijk = Area.objects.create(
        code="WK888801", name="Wijk Elders", level=Level.WIJK, parent=other, municipality=other
    )
    for index in range(1, 30):
        add_buurt(other_wijk, other, index, wtown.inwoners, wtown.pct)
        add_buurt(wtown.wijken[1], wtown.gemeente, 10 + index, wtown.inwoners, wtown.pct)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_trend_page_has_chart_table_alternative_and_downloads(client: Client, wtown: Town) -> None:
    url = reverse("web:trend", args=[wtown.wijk.code, "woz_waarde"])
    html = client.get(url).content.decode()
    assert "<svg" in html and "nieuwe grenzen" in html
    table = html.split('id="trend-caption"', 1)[1].split("</table>", 1)[0]
    assert "2022" in table and "240" in table
    svg = client.get(reverse("web:trend-image", args=[wtown.wijk.code, "woz_waarde", "svg"]))
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert b"<title" in svg.content
    png = client.get(reverse("web:trend-image", args=[wtown.wijk.code, "woz_waarde", "png"]))
    assert png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_english_wijkfoto(client: Client, wtown: Town) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("web:area", args=[wtown.wijk.code])).content.decode()
    assert "Key figures" in html and "Highlights" in html and "worse" in html
