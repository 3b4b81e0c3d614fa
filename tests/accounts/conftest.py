from __future__ import annotations

from dataclasses import dataclass

import pytest

from gebiedskompas.areas.models import Area, Level
from tests.web.factories import AreaFactory, ObservationFactory, Town, build_town, square


@dataclass
class World:
    """The test town (GM9999) and a second municipality (GM8888) in the same installation."""

    town: Town
    other: Area
    other_buurt: Area


def build_world() -> World:
    town = build_town()
    other = AreaFactory(code="GM8888", name="Gemeente Anderstad", level=Level.GEMEENTE)
    other.municipality = other
    other.save()
    wijk = AreaFactory(
        code="WK888801",
        name="Wijk Elders",
        level=Level.WIJK,
        parent=other,
        municipality=other,
        geojson_wgs84=square(6.0, 53.0, 0.05),
    )
    ObservationFactory(area=wijk, indicator=town.inwoners, value=4000)
    buurt = AreaFactory(
        code="BU88880101", name="Buurt Elders", level=Level.BUURT, parent=wijk, municipality=other
    )
    return World(town, other, buurt)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
