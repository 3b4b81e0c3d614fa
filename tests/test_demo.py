"""The demo municipality: deterministic, idempotent, plausible."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from django.contrib.auth import authenticate
from django.test import RequestFactory

from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.models import Area, Cluster
from gebiedskompas.demo import (
    CLUSTER_CODE,
    DEMO_USERS,
    MUNICIPALITY_CODE,
    DemoArea,
    build_demo,
    demo_layout,
    demo_values,
)
from gebiedskompas.indicators.models import Indicator, Observation

LayoutAndValues = tuple[list[DemoArea], pd.DataFrame]
AGES = ["leeftijd_0_15", "leeftijd_15_25", "leeftijd_25_45", "leeftijd_45_65", "leeftijd_65_plus"]


@pytest.fixture(scope="module")
def layout_and_values() -> LayoutAndValues:
    layout = demo_layout(2026)
    return layout, demo_values(layout, 2026)


def wide(values: pd.DataFrame) -> pd.DataFrame:
    return values.pivot_table(index=["code", "period"], columns="key", values="value")


@pytest.mark.unit
def test_same_seed_gives_the_same_areas_and_figures() -> None:
    first, second = demo_layout(2026), demo_layout(2026)
    assert [(a.code, a.name, a.shape.wkb) for a in first] == [
        (a.code, a.name, a.shape.wkb) for a in second
    ]
    pd.testing.assert_frame_equal(demo_values(first, 2026), demo_values(second, 2026))
    other = demo_values(demo_layout(7), 7)
    assert not other["value"].equals(demo_values(first, 2026)["value"])


@pytest.mark.unit
def test_buurten_tile_their_wijk_and_wijken_tile_the_gemeente(
    layout_and_values: LayoutAndValues,
) -> None:
    layout, _ = layout_and_values
    by_level = {lv: [a for a in layout if a.level is lv] for lv in AreaLevel}
    assert len(by_level[AreaLevel.GEMEENTE]) == 1
    assert len(by_level[AreaLevel.STADSDEEL]) == 5
    assert len(by_level[AreaLevel.WIJK]) == 10
    assert len(by_level[AreaLevel.BUURT]) == 60
    assert all(a.shape.is_valid and not a.shape.is_empty for a in layout)
    gemeente = by_level[AreaLevel.GEMEENTE][0].shape
    assert 30e6 < gemeente.area < 90e6  # a medium-sized Dutch municipality, in m²
    for wijk in by_level[AreaLevel.WIJK]:
        buurten = [b.shape for b in by_level[AreaLevel.BUURT] if b.wijk == wijk.code]
        assert 5 <= len(buurten) <= 7
        assert shapely.union_all(buurten).symmetric_difference(wijk.shape).area < 1.0
    wijken = shapely.union_all([w.shape for w in by_level[AreaLevel.WIJK]])
    assert wijken.symmetric_difference(gemeente).area < 1.0
    assert all(w.stadsdeel.startswith("SD9999-") for w in by_level[AreaLevel.WIJK])


@pytest.mark.unit
def test_counts_add_up_in_every_buurt_and_year(layout_and_values: LayoutAndValues) -> None:
    _, values = layout_and_values
    table = wide(values)
    assert (table[AGES].sum(axis=1) == table["inwoners"]).all()
    assert (table["mannen"] + table["vrouwen"] == table["inwoners"]).all()
    households = ["eenpersoonshuishoudens", "huishoudens_zonder_kinderen"]
    households.append("huishoudens_met_kinderen")
    assert (table[households].sum(axis=1) == table["huishoudens_totaal"]).all()
    assert (table["koopwoningen"] + table["huurwoningen_totaal"] <= 100.01).all()
    grades = table["rapportcijfer_leefbaarheid"].dropna()
    assert grades.between(4, 9.5).all() and len(grades) > 0
    survey = values[values["key"] == "ervaart_overlast"]
    assert (survey["margin_lower"] < survey["value"]).all()
    assert (survey["value"] < survey["margin_upper"]).all()
    assert values["key"].nunique() >= 40
    assert sorted(values["period"].unique()) == [str(y) for y in range(2015, 2025)]


@pytest.mark.unit
def test_a_few_buurten_are_clearly_worse_on_several_domains(
    layout_and_values: LayoutAndValues,
) -> None:
    _, values = layout_and_values
    latest = wide(values[values["period"] == "2024"]).droplevel("period")
    latest = latest[latest["inwoners"] >= 500]
    welfare = latest["personen_per_soort_uitkering_bijstand"] / latest["inwoners"]
    worst = set(welfare.nlargest(6).index)
    # The same buurten have lower incomes, WOZ values and liveability grades than the median.
    for key, higher_is_worse in [
        ("gemiddeld_inkomen_per_inwoner", False),
        ("woz_waarde", False),
        ("huishoudens_met_een_laag_inkomen", True),
    ]:
        column = latest[key]
        below = column.loc[list(worst)] > column.median()
        assert below.all() if higher_is_worse else (~below).all(), key


@pytest.mark.integration
@pytest.mark.django_db
def test_demo_builds_a_plausible_municipality_and_a_second_build_changes_nothing() -> None:
    first = build_demo(seed=2026)
    assert first.areas_created == 76
    assert first.observations_new > 25_000
    assert first.aggregates_written > 0
    assert {u.username for u in first.users} == {u.username for u in DEMO_USERS}
    text = str(first)
    assert "GM9999" in text and "fictief" in text
    assert "beheerder / demo-beheerder" in text and "analist / demo-analist" in text

    gemeente = Area.objects.get(code=MUNICIPALITY_CODE)
    assert gemeente.name == "Gemeente Voorbeeld"
    buurten = Area.objects.filter(municipality=gemeente, level="buurt")
    assert buurten.count() == 60
    assert all(b.has_geometry and b.area_m2 for b in buurten)
    assert set(buurten.values_list("parent__level", flat=True)) == {"wijk"}
    wijken = Area.objects.filter(municipality=gemeente, level="wijk")
    assert set(wijken.values_list("parent__level", flat=True)) == {"stadsdeel"}
    assert set(
        Area.objects.filter(level="stadsdeel", municipality=gemeente).values_list(
            "parent__code", flat=True
        )
    ) == {MUNICIPALITY_CODE}

    inwoners = pd.DataFrame.from_records(
        Observation.objects.filter(
            area__municipality=gemeente, indicator__key="inwoners"
        ).values_list("area__level", "period", "value"),
        columns=["level", "period", "value"],
    )
    per_year = inwoners.pivot_table(index="period", columns="level", values="value", aggfunc="sum")
    assert len(per_year) == 10
    assert (per_year["buurt"] == per_year["gemeente"]).all()
    assert (per_year["buurt"] == per_year["wijk"]).all()
    assert (inwoners.loc[inwoners["level"] == "buurt", "value"] < 50).any()

    cluster = Cluster.objects.get(code=CLUSTER_CODE)
    assert cluster.name == "Focusgebied Oost"
    members = list(cluster.members.all())
    assert len(members) == 6
    assert {m.parent.parent.code for m in members if m.parent and m.parent.parent} == {
        "SD9999-oost"
    }
    subjective = Indicator.objects.get(key="rapportcijfer_leefbaarheid")
    assert subjective.kind == "subjective" and subjective.source == "Demo bewonerspeiling"
    assert Observation.objects.filter(
        indicator=subjective, area__level="buurt", margin_lower__isnull=False
    ).exists()
    for demo in DEMO_USERS:
        # django-axes needs the request to count failures.
        request = RequestFactory().post("/inloggen/")
        user = authenticate(request, username=demo.username, password=demo.password)
        assert user is not None and user.is_staff
        assert user.is_superuser is demo.is_superuser

    stored = dict(
        ((code, key, period), value)
        for code, key, period, value in Observation.objects.values_list(
            "area__code", "indicator__key", "period", "value"
        )
    )
    _assert_the_demo_has_a_full_cycle(gemeente)
    second = build_demo(seed=2026)
    assert not second.changed
    assert (second.areas_created, second.areas_updated, second.observations_new) == (0, 0, 0)
    assert (second.observations_updated, second.aggregates_written, second.users_created) == (
        0,
        0,
        0,
    )
    assert second.observations_unchanged == first.observations_new
    again = dict(
        ((code, key, period), value)
        for code, key, period, value in Observation.objects.values_list(
            "area__code", "indicator__key", "period", "value"
        )
    )
    assert again == stored
    # What is stored is exactly what the seed generates: a fresh build gives the same figures.
    expected = demo_values(demo_layout(2026), 2026)
    for row in expected.sample(200, random_state=1).itertuples(index=False):
        assert stored[(row.code, row.key, row.period)] == pytest.approx(row.value)


def _assert_the_demo_has_a_full_cycle(gemeente: Area) -> None:
    from gebiedskompas.cycle.models import AreaAgenda, CouplingOpportunity
    from gebiedskompas.reports.voortgang import build_report

    agendas = AreaAgenda.objects.filter(area__municipality=gemeente, status="adopted")
    assert set(agendas.values_list("area__level", flat=True)) == {"stadsdeel"}
    assert agendas.count() == 5
    assert all(p.analysis_run_id for a in agendas for p in a.priorities.all())
    statuses = set(
        agendas.first().area.plans.values_list("actions__status", flat=True)  # type: ignore[union-attr]
    )
    assert {"planned", "in_progress", "done", "on_hold"} <= statuses
    couplings = CouplingOpportunity.objects.filter(municipality=gemeente)
    assert couplings.count() >= 5 and couplings.filter(status="accepted").exists()
    report = build_report(MUNICIPALITY_CODE, 2025, 2026)
    assert len(report.sections) == 5 and any(s.barriers for s in report.sections)
