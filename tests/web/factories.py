"""Small seeded factories for web tests: a fictitious town with a few areas and figures.

`build_town()` gives a gemeente with one stadsdeel, two wijken and buurten with square
geometry, and two indicators (inhabitants, a count; a percentage needing 50 inhabitants) for
two years. One buurt is small (20 inhabitants), so its percentage is secret to the public.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import factory
import factory.random
from factory.django import DjangoModelFactory

from gebiedskompas.areas.models import Area, Level
from gebiedskompas.indicators.models import Domain, Indicator, Observation, Status

factory.random.reseed_random(20240601)


def square(x: float, y: float, size: float = 0.01) -> str:
    """A GeoJSON polygon in WGS84 with its south-west corner at (x, y)."""
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


class AreaFactory(DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"BU9999{n:04d}")
    name = factory.Faker("city", locale="nl_NL")
    level = Level.BUURT
    parent = None
    municipality = None
    geojson_wgs84 = ""


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = Indicator
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"indicator_{n}")
    name = factory.Sequence(lambda n: f"Indicator {n}")
    definition = "Een indicator voor de test."
    unit = ""
    domain = Domain.SOCIAAL
    source = "CBS Kerncijfers wijken en buurten"
    is_count = False
    min_population = 50
    decimals = 1


class ObservationFactory(DjangoModelFactory):
    class Meta:
        model = Observation

    area = factory.SubFactory(AreaFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    period = "2024"
    value = factory.Faker("pyfloat", min_value=0, max_value=100, right_digits=1)
    status = Status.OK


@dataclass
class Town:
    gemeente: Area
    stadsdeel: Area
    wijken: list[Area]
    buurten: list[Area]
    inwoners: Indicator
    pct: Indicator
    extra: dict[str, Area] = field(default_factory=dict)

    @property
    def wijk(self) -> Area:
        return self.wijken[0]

    @property
    def small_buurt(self) -> Area:
        return self.buurten[0]

    @property
    def big_buurt(self) -> Area:
        return self.buurten[1]


def add_buurt(wijk: Area, gemeente: Area, index: int, inwoners: Indicator, pct: Indicator) -> Area:
    buurt = AreaFactory(
        code=f"{wijk.code.replace('WK', 'BU')}{index:02d}",
        name=f"Buurt {wijk.name[5:]}-{index}",
        level=Level.BUURT,
        parent=wijk,
        municipality=gemeente,
        geojson_wgs84=square(5.0 + 0.01 * index, 52.0 + 0.01 * int(wijk.code[-2:])),
    )
    ObservationFactory(area=buurt, indicator=inwoners, value=1000 + 17 * index)
    ObservationFactory(area=buurt, indicator=pct, value=40 + index)
    households = Indicator.objects.get(key="huishoudens_totaal")
    ObservationFactory(area=buurt, indicator=households, value=500 + 8 * index)
    return buurt


def build_town(buurten_per_wijk: int = 3) -> Town:
    """The town described in the module docstring; buurten of the first wijk come first."""
    inwoners = IndicatorFactory(
        key="inwoners",
        name="Aantal inwoners",
        unit="aantal",
        domain=Domain.DEMOGRAFIE,
        is_count=True,
        min_population=0,
        decimals=0,
        definition="Het aantal inwoners op 1 januari.",
    )
    pct = IndicatorFactory(
        key="percentage_eenpersoonshuishoudens",
        name="Eenpersoonshuishoudens",
        unit="%",
        domain=Domain.WONEN,
        definition="Het aandeel eenpersoonshuishoudens in alle huishoudens.",
    )
    households = IndicatorFactory(
        key="huishoudens_totaal",
        name="Huishoudens totaal",
        unit="aantal",
        domain=Domain.DEMOGRAFIE,
        is_count=True,
        min_population=0,
        decimals=0,
    )
    gemeente = AreaFactory(
        code="GM9999",
        name="Gemeente Proefstad",
        level=Level.GEMEENTE,
        geojson_wgs84=square(5.0, 52.0, 0.2),
    )
    gemeente.municipality = gemeente
    gemeente.save()
    stadsdeel = AreaFactory(
        code="SD999901",
        name="Stadsdeel Noord",
        level=Level.STADSDEEL,
        parent=gemeente,
        municipality=gemeente,
        geojson_wgs84=square(5.0, 52.0, 0.1),
    )
    wijken = [
        AreaFactory(
            code=f"WK9999{i:02d}",
            name=f"Wijk Zonnehoek{'' if i == 1 else ' ' + str(i)}",
            level=Level.WIJK,
            parent=stadsdeel,
            municipality=gemeente,
            geojson_wgs84=square(5.0, 52.0 + 0.01 * i, 0.05),
        )
        for i in (1, 2)
    ]
    buurten = [
        add_buurt(wijk, gemeente, index, inwoners, pct)
        for wijk in wijken
        for index in range(1, buurten_per_wijk + 1)
    ]
    small = buurten[0]
    Observation.objects.filter(area=small, indicator=inwoners).update(value=20)
    Observation.objects.filter(area=small, indicator=pct).update(value=35.0)
    Observation.objects.filter(area=small, indicator=households).update(value=9)
    # Totals as CBS publishes them, and an older year for the "latest period" rule.
    for area, population, share in (
        (gemeente, 161738, 41.3),
        (stadsdeel, 52000, 42.0),
        (wijken[0], 3100, 43.7),
        (wijken[1], 3300, 44.1),
    ):
        ObservationFactory(area=area, indicator=inwoners, value=population)
        ObservationFactory(area=area, indicator=households, value=population // 2)
        ObservationFactory(area=area, indicator=pct, value=share)
    for area, share in ((gemeente, 39.9), (wijken[0], 40.5), (buurten[1], 12.3)):
        ObservationFactory(area=area, indicator=pct, period="2020", value=share)
    return Town(gemeente, stadsdeel, wijken, buurten, inwoners, pct)
