"""Server-rendered SVG charts and the direction-aware verdicts behind the colours."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gebiedskompas.reports import charts
from gebiedskompas.reports.domain.compare import (
    Verdict,
    spread_of,
    standardised_difference,
    verdict,
)

pytestmark = pytest.mark.unit
SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("value", "reference", "direction", "spread", "expected"),
    [
        (12.0, 10.0, "higher_is_better", 2.0, Verdict.BETTER),
        (12.0, 10.0, "higher_is_worse", 2.0, Verdict.WORSE),
        (12.0, 10.0, "neutral", 2.0, Verdict.HIGHER),
        (10.4, 10.0, "higher_is_worse", 2.0, Verdict.SIMILAR),
        (10.1, 10.0, "higher_is_better", None, Verdict.SIMILAR),
        (None, 10.0, "higher_is_better", 2.0, Verdict.UNKNOWN),
    ],
    ids=["better", "worse-by-direction", "neutral-says-higher", "within-quarter-sd",
         "within-2pct-without-spread", "missing-value"],
)  # fmt: skip
def test_verdict(value, reference, direction, spread, expected) -> None:  # type: ignore[no-untyped-def]  # parametrised
    assert verdict(value, reference, direction, spread) is expected


def test_standardised_difference_is_positive_when_better() -> None:
    assert standardised_difference(8.0, 10.0, 2.0, "higher_is_worse") == 1.0
    assert standardised_difference(8.0, 10.0, 0.0, "higher_is_worse") is None
    assert spread_of([1.0, 2.0]) is None
    assert spread_of([1.0, 2.0, 3.0]) == pytest.approx(0.8165, abs=1e-4)


def test_sparkline_breaks_at_a_boundary_change_and_at_gaps() -> None:
    svg = charts.sparkline_svg(
        ["2019", "2020", "2021", "2022", "2023"],
        [1.0, 2.0, None, 3.0, 4.0],
        breaks=["2023"],
        label="Trend",
        summary="Van 1 naar 4",
        uid="s",
    )
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Trend"
    assert root.find(f"{SVG}desc").text == "Van 1 naar 4"
    assert len(root.findall(f"{SVG}polyline")) == 1  # 2019–2020; 2022 and 2023 are single points
    assert len(root.findall(f"{SVG}line")) == 1  # the break before 2023


def test_trend_chart_legend_names_each_series_with_a_distinct_style() -> None:
    chart = charts.TrendChart(
        title="WOZ",
        summary="Stijgt",
        periods=["2022", "2023", "2024"],
        series=[charts.Series("Wijk", [1, 2, 3]), charts.Series("Gemeente", [2, 2, 2])],
    )
    svg = charts.trend_chart_svg(chart, uid="t")
    assert "Wijk" in svg and "Gemeente" in svg and 'stroke-dasharray="6 3"' in svg
    ET.fromstring(svg)


def test_map_draws_each_area_with_its_name() -> None:
    square = {"type": "Polygon", "coordinates": [[[5, 52], [5.1, 52], [5.1, 52.1], [5, 52]]]}
    svg = charts.area_map_svg(
        [
            charts.MapFeature("Wijk & Co", "area", square),
            charts.MapFeature("Buur", "neighbour", square),
        ],
        title="Kaart",
        summary="Kaart van Wijk",
        uid="m",
    )
    root = ET.fromstring(svg)
    titles = [p.find(f"{SVG}title").text for p in root.iter(f"{SVG}path")]
    assert titles == ["Buur", "Wijk & Co"]  # neighbours below the area


def test_png_from_svg() -> None:
    png = charts.svg_to_png(
        charts.bar_chart_svg([charts.Bar("A", 1.0, "1")], title="t", summary="s", uid="b")
    )
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
