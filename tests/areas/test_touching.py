"""Neighbours by bounding box: across a municipal border, not beyond, in few reads."""

from __future__ import annotations

import pytest

from gebiedskompas.areas.models import Area
from gebiedskompas.areas.selectors import touching

pytestmark = pytest.mark.django_db


def _area(code: str, level: str, box: tuple[float, float, float, float] | None, **kw) -> Area:
    bounds = dict(zip(("min_x", "min_y", "max_x", "max_y"), box, strict=True)) if box else {}
    area = Area.objects.create(code=code, name=f"Gebied {code}", level=level, **bounds, **kw)
    if level == "gemeente":
        area.municipality = area
        area.save(update_fields=["municipality"])
    return area


def test_neighbours_are_found_across_the_border_and_not_far_away() -> None:
    west = _area("GM9901", "gemeente", (0.0, 0.0, 1.0, 1.0))
    east = _area("GM9902", "gemeente", (1.0, 0.0, 2.0, 1.0))
    far = _area("GM9903", "gemeente", (5.0, 5.0, 6.0, 6.0))
    # A municipality whose boundary was never loaded: its buurten may still touch.
    unmapped = _area("GM9904", "gemeente", None)
    here = _area("BU99010001", "buurt", (0.5, 0.0, 1.0, 0.5), municipality=west)
    same_side = _area("BU99010002", "buurt", (0.0, 0.0, 0.5, 0.5), municipality=west)
    over_border = _area("BU99020001", "buurt", (1.0, 0.0, 1.5, 0.5), municipality=east)
    _area("BU99020002", "buurt", (1.5, 0.5, 2.0, 1.0), municipality=east)  # not touching
    _area("BU99030001", "buurt", (5.0, 5.0, 5.5, 5.5), municipality=far)
    loose = _area("BU99040001", "buurt", (0.9, 0.4, 1.1, 0.6), municipality=unmapped)
    _area("WK990100", "wijk", (0.0, 0.0, 1.0, 1.0), municipality=west)  # another level
    found = {a.code for a in touching(here)}
    assert found == {same_side.code, over_border.code, loose.code}
    assert {a.code for a in touching(west)} == {east.code}
    assert not touching(_area("BU99050001", "buurt", None, municipality=west)).exists()


def test_the_look_up_is_one_query(django_assert_num_queries) -> None:
    west = _area("GM9901", "gemeente", (0.0, 0.0, 1.0, 1.0))
    here = _area("BU99010001", "buurt", (0.5, 0.0, 1.0, 0.5), municipality=west)
    with django_assert_num_queries(1):
        list(touching(here))
