"""Koppelkansen: place and time overlap of activities of different owners."""

from __future__ import annotations

from datetime import date

import pytest
import shapely

from gebiedskompas.cycle.domain.couplings import Span, detect

pytestmark = pytest.mark.unit

JAN, FEB, MAR, JUN, DEC = (date(2026, m, d) for m, d in ((1, 1), (2, 1), (3, 1), (6, 1), (12, 31)))


def box(x: float, y: float, size: float = 100.0) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def span(key: str, owner: str, geometry: object, start: date = JAN, end: date | None = DEC) -> Span:
    return Span(key, owner, start, end, geometry)  # type: ignore[arg-type]


def keys(found: list) -> list[tuple[object, object]]:  # type: ignore[type-arg]
    return [(c.a, c.b) for c in found]


def test_overlapping_polygons_of_different_owners_pair() -> None:
    found = detect([span("riool", "Riolering", box(0, 0)), span("weg", "Wegen", box(50, 0))])
    assert keys(found) == [("riool", "weg")]
    assert found[0].shared_area_m2 == 5000.0


def test_same_owner_never_paired_even_when_written_differently() -> None:
    found = detect([span("a", "Wegen", box(0, 0)), span("b", " wegen ", box(0, 0))])
    assert found == []


def test_touching_geometries_count() -> None:
    found = detect(
        [span("a", "Riolering", box(0, 0)), span("b", "Wegen", box(100, 0))], distance_m=0
    )
    assert keys(found) == [("a", "b")]
    assert found[0].distance_m == 0.0
    assert found[0].place_score == 0.5


def test_distance_exactly_at_the_threshold_counts_and_beyond_does_not() -> None:
    a, b = span("a", "Riolering", box(0, 0)), span("b", "Wegen", box(150, 0))
    assert keys(detect([a, b], distance_m=50)) == [("a", "b")]
    assert detect([a, b], distance_m=49.99) == []


def test_point_inside_polygon_counts() -> None:
    found = detect(
        [span("plein", "Wegen", box(0, 0)), span("speeltuin", "Jeugd", shapely.Point(10, 10))],
        distance_m=0,
    )
    assert keys(found) == [("plein", "speeltuin")]
    assert found[0].place_score == 1.0


def test_open_ended_periods_overlap_anything_later() -> None:
    a = span("beheer", "Wijkbeheer", box(0, 0), start=date(2020, 1, 1), end=None)
    b = span("renovatie", "Corporatie", box(0, 0), start=date(2030, 1, 1), end=date(2030, 6, 1))
    found = detect([a, b], window_days=0)
    assert keys(found) == [("beheer", "renovatie")]
    assert found[0].gap_days == 0


def test_both_open_ended_share_for_ever() -> None:
    found = detect([span("a", "X", box(0, 0), end=None), span("b", "Y", box(0, 0), end=None)])
    assert found[0].shared_days is None and found[0].time_score == 1.0


def test_periods_within_the_window_pair_and_beyond_do_not() -> None:
    a = span("a", "X", box(0, 0), start=JAN, end=FEB)
    b = span("b", "Y", box(0, 0), start=MAR, end=JUN)  # 28 days after a ends
    assert keys(detect([a, b], window_days=28)) == [("a", "b")]
    assert detect([a, b], window_days=27) == []


def test_start_on_the_day_the_other_ends_is_no_gap() -> None:
    a = span("a", "X", box(0, 0), start=JAN, end=FEB)
    b = span("b", "Y", box(0, 0), start=FEB, end=MAR)
    found = detect([a, b], window_days=0)
    assert found[0].gap_days == 0 and found[0].shared_days == 1


def test_far_apart_in_place_not_paired() -> None:
    assert detect([span("a", "X", box(0, 0)), span("b", "Y", box(1000, 0))], distance_m=50) == []


def test_without_geometry_skipped() -> None:
    assert detect([span("a", "X", None), span("b", "Y", box(0, 0))]) == []


def test_ranked_by_overlap_best_first() -> None:
    spans = [
        span("base", "Wegen", box(0, 0)),
        span("near", "Groen", box(130, 0)),  # 30 m away
        span("same", "Riolering", box(0, 0)),  # the same place, the same year
    ]
    found = detect(spans, distance_m=50)
    assert keys(found)[0] == ("base", "same")
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    assert ("base", "near") in keys(found)


def test_result_independent_of_input_order_except_pair_orientation() -> None:
    spans = [span(str(i), f"eigenaar {i % 3}", box(i * 60.0, 0)) for i in range(8)]
    forward = {frozenset((c.a, c.b)): c.score for c in detect(spans)}
    backward = {frozenset((c.a, c.b)): c.score for c in detect(spans[::-1])}
    assert forward == backward and forward


def test_negative_parameters_refused() -> None:
    with pytest.raises(ValueError):
        detect([], distance_m=-1)
