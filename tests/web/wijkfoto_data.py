"""Extra figures on the factory town for the wijkfoto: a trend with a boundary break, a survey
indicator with margins, a directional indicator for the highlights, and bounding boxes for
neighbours. Values chosen by hand so tests can name them."""

from __future__ import annotations

from gebiedskompas.areas.models import Area, AreaYear
from gebiedskompas.indicators.models import Direction, Domain, Indicator, Kind, Observation
from tests.web.factories import IndicatorFactory, ObservationFactory, Town, build_town

WOZ = {"2020": 210.0, "2021": 220.0, "2022": 240.0, "2023": 250.0, "2024": 262.0}


def build_wijkfoto_town() -> Town:
    town = build_town()
    woz = IndicatorFactory(
        key="woz_waarde",
        name="Gemiddelde WOZ-waarde",
        unit="x 1 000 euro",
        domain=Domain.WONEN,
        direction=Direction.NEUTRAL,
        min_population=0,
        decimals=0,
    )
    low_income = IndicatorFactory(
        key="huishoudens_met_een_laag_inkomen",
        name="Huishoudens met een laag inkomen",
        unit="%",
        domain=Domain.ECONOMIE,
        direction=Direction.HIGHER_IS_WORSE,
        min_population=50,
    )
    survey = IndicatorFactory(
        key="rapportcijfer_leefbaarheid",
        name="Rapportcijfer leefbaarheid buurt",
        unit="rapportcijfer",
        domain=Domain.WONEN,
        direction=Direction.HIGHER_IS_BETTER,
        kind=Kind.SUBJECTIVE,
        source="Demo bewonerspeiling",
        min_population=50,
    )
    IndicatorFactory(
        key="alleen_elders",
        name="Indicator zonder cijfers hier",
        unit="%",
        domain=Domain.ZORG,
        min_population=0,
    )
    wijk = town.wijk
    third = Area.objects.create(
        code="WK999903",
        name="Wijk Zonnehoek 3",
        level="wijk",
        parent=town.stadsdeel,
        municipality=town.gemeente,
    )
    town.extra["third_wijk"] = third
    ObservationFactory(area=third, indicator=town.inwoners, value=2900)
    for period, value in WOZ.items():
        ObservationFactory(area=wijk, indicator=woz, period=period, value=value)
    # New boundaries in 2022: the trend line breaks there.
    for year in range(2020, 2025):
        AreaYear.objects.create(area=wijk, year=year, change_indicator="2" if year == 2022 else "1")
    # Low income: the first wijk is clearly worse than the others and the gemeente.
    for area, values in (
        (wijk, (18.0, 21.5)),
        (town.wijken[1], (8.0, 7.5)),
        (third, (9.5, 9.0)),
        (town.gemeente, (10.0, 10.2)),
        (town.stadsdeel, (12.0, 12.5)),
    ):
        for period, value in zip(("2023", "2024"), values, strict=True):
            ObservationFactory(area=area, indicator=low_income, period=period, value=value)
    for buurt, value in zip(town.buurten, (9.0, 10.0, 11.0, 7.0, 8.0, 9.5), strict=True):
        ObservationFactory(area=buurt, indicator=low_income, period="2024", value=value)
    Observation.objects.create(
        area=wijk,
        indicator=survey,
        period="2024",
        value=6.8,
        margin_lower=6.5,
        margin_upper=7.1,
    )
    Observation.objects.create(area=town.gemeente, indicator=survey, period="2024", value=7.4)
    # Bounding boxes (WGS84) as the geometry import stores them: the two wijken touch.
    Area.objects.filter(pk=wijk.pk).update(min_x=5.0, min_y=52.01, max_x=5.05, max_y=52.06)
    Area.objects.filter(pk=town.wijken[1].pk).update(
        min_x=5.0, min_y=52.02, max_x=5.05, max_y=52.07
    )
    for area in (wijk, town.wijken[1]):
        area.refresh_from_db()
    return town


__all__ = ["WOZ", "Indicator", "build_wijkfoto_town"]
