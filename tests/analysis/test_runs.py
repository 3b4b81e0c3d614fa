"""Stored analysis runs on the demo municipality: ranking, recompute, weights, missing values,
sensitivity, trends and similar areas."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from tests.analysis.conftest import new_runs

from gebiedskompas.analysis import selectors, services
from gebiedskompas.analysis.domain.fingerprint import table_fingerprint
from gebiedskompas.analysis.models import AnalysisRun
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError
from gebiedskompas.indicators.models import Observation

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def run(**kwargs: Any) -> AnalysisRun:
    args: dict[str, Any] = {
        "method": "zscore",
        "municipality": "GM9999",
        "level": "buurt",
        "period": "2024",
    }
    args.update(kwargs)
    return services.run_analysis(**args)


def ranking(r: AnalysisRun) -> list[str]:
    return [row.area.code for row in selectors.result_rows(r)]


@pytest.mark.parametrize("method", ["baseline", "zscore", "imd", "svi"])
def test_focus_buurten_of_the_demo_rank_near_the_top(method: str, focus_buurten: set[str]) -> None:
    r = run(method=method)
    top = ranking(r)[:10]
    assert len(focus_buurten & set(top)) >= 4, (method, top)
    assert top[0] in focus_buurten


def test_run_stores_its_inputs_and_one_row_per_area(focus_buurten: set[str]) -> None:
    r = run()
    assert r.area_count == 57 == r.rows.count()
    assert sorted(row.position for row in r.rows.all()) == list(range(1, 58))
    assert r.domain_names == ["sociaal", "economie", "veiligheid", "wonen", "leefbaarheid"]
    assert len(r.data_fingerprint) == 64
    assert r.software_version
    sociaal = r.indicator_set[0]["indicators"][0]
    assert sociaal["column"] == "personen_per_soort_uitkering_bijstand_per_1000_inwoners"
    assert sociaal["per"] == "inwoners" and sociaal["period"] == "2024"
    # The biennial survey has no 2024 value: the run used 2023 and says so.
    survey = [i for d in r.indicator_set for i in d["indicators"] if d["name"] == "leefbaarheid"]
    assert {i["period"] for i in survey} == {"2023"}


def test_counts_are_analysed_as_rates_per_1000_inhabitants(demo: Any) -> None:
    r = run()
    row = r.rows.select_related("area").first()
    assert row is not None
    obs = dict(
        Observation.objects.filter(
            area=row.area,
            period="2024",
            indicator__key__in=["personen_per_soort_uitkering_bijstand", "inwoners"],
        ).values_list("indicator__key", "value")
    )
    expected = 1000 * obs["personen_per_soort_uitkering_bijstand"] / obs["inwoners"]
    assert row.values["personen_per_soort_uitkering_bijstand_per_1000_inwoners"] == pytest.approx(
        expected
    )


def test_recompute_gives_the_same_result_and_fingerprint(demo: Any) -> None:
    r = run(method="imd", weights={"sociaal": 2.0})
    again = services.recompute(r)
    assert again.same_data and again.same_result
    assert again.fingerprint == r.data_fingerprint


def test_recompute_notices_changed_data(demo: Any) -> None:
    r = run()
    obs = Observation.objects.filter(
        area__code=ranking(r)[5], indicator__key="woz_waarde", period="2024"
    ).get()
    obs.value = (obs.value or 0) + 1000
    obs.save()
    again = services.recompute(r)
    assert not again.same_data
    assert again.fingerprint != r.data_fingerprint


def test_fingerprint_ignores_row_and_column_order() -> None:
    table = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, float("nan")]}, index=["x", "y"])
    shuffled = table.loc[["y", "x"], ["b", "a"]]
    assert table_fingerprint(table) == table_fingerprint(shuffled)
    changed = table.copy()
    changed.loc["x", "a"] = 1.0000001
    assert table_fingerprint(changed) != table_fingerprint(table)


def test_weights_change_the_ranking_deterministically(demo: Any) -> None:
    equal = ranking(run())
    safety = run(weights={"veiligheid": 5.0, "sociaal": 0.0, "economie": 0.0})
    assert ranking(safety) != equal
    assert ranking(run(weights={"veiligheid": 5.0, "sociaal": 0.0, "economie": 0.0})) == ranking(
        safety
    )
    # With only safety weighed (and the others at their 1), safety dominates the top area.
    top = safety.rows.get(position=1)
    assert top.domain_ranks["veiligheid"] <= 5
    assert safety.weights_used["veiligheid"] == pytest.approx(5 / 7)


@pytest.mark.parametrize("method", ["baseline", "zscore", "imd", "svi"])
def test_contributions_sum_to_the_score(method: str, demo: Any) -> None:
    r = run(method=method, weights={"sociaal": 2.0, "wonen": 0.5})
    for row in r.rows.all():
        assert math.fsum(row.contributions.values()) == pytest.approx(row.score, abs=1e-9)
        if method != "imd":
            assert math.fsum(row.indicator_contributions.values()) == pytest.approx(
                row.score, abs=1e-9
            )


def test_missing_policy_reports_the_areas_it_affected(demo: Any) -> None:
    excluded = run(missing="exclude")
    # Three outlying buurten are too small for the resident survey, so they lack its figures.
    assert len(excluded.affected_areas) == 3
    assert not excluded.rows.filter(area__code__in=excluded.affected_areas).exists()
    imputed = run(missing="impute_median")
    assert imputed.affected_areas == excluded.affected_areas
    assert imputed.area_count == 60
    assert set(imputed.rows.filter(is_imputed=True).values_list("area__code", flat=True)) == set(
        excluded.affected_areas
    )


def test_sensitivity_is_stored_with_the_run(demo: Any) -> None:
    r = run(sensitivity=200, seed=3)
    sens = r.sensitivity
    assert sens["draws"] == 200 and sens["seed"] == 3 and sens["leave_one_out"]
    top = r.rows.get(position=1).area.code
    entry = sens["areas"][top]
    assert entry["base_rank"] == 1
    assert entry["rank_low"] <= 1 <= entry["rank_high"]
    assert 0 <= entry["p_top_k"] <= 1
    assert entry["loo_rank_min"] >= 1
    assert len(sens["areas"]) == r.area_count


def test_wijk_level_uses_the_aggregated_figures(demo: Any) -> None:
    r = run(level="wijk", method="baseline")
    assert r.area_count == 10
    assert all(code.startswith("WK9999") for code in ranking(r))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "topsis"}, "unknown method 'topsis'; expected one of baseline, zscore"),
        ({"municipality": "GM0001"}, "unknown municipality 'GM0001'"),
        ({"period": "2031"}, "no data for period 2031 in GM9999"),
        ({"period": "twintig"}, "period 'twintig' is not a period"),
        ({"level": "gemeente"}, "level 'gemeente' cannot be analysed"),
        ({"missing": "drop"}, "unknown missing-value policy 'drop'"),
        ({"weights": {"groen": 1.0}}, "unknown domain 'groen' in the weights"),
        ({"weights": {"sociaal": 0.0, "economie": 0.0, "veiligheid": 0.0, "wonen": 0.0,
                      "leefbaarheid": 0.0}}, "zscore: at least one domain weight must be above 0"),
    ],
    ids=["method", "municipality", "period-without-data", "period-not-a-period", "level",
         "missing-policy", "unknown-domain", "all-weights-zero"],
)  # fmt: skip
def test_bad_run_requests_say_what_is_wrong(
    kwargs: dict[str, Any], message: str, demo: Any
) -> None:
    with pytest.raises(KompasError, match="^" + message.replace("(", r"\(")):
        run(**kwargs)
    assert not new_runs().exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sociaal=2,economie=1.5", {"sociaal": 2.0, "economie": 1.5}),
        (" wonen = 0 ", {"wonen": 0.0}),
        ("", {}),
    ],
)
def test_parse_weights(text: str, expected: dict[str, float]) -> None:
    assert services.parse_weights(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sociaal:2", "'sociaal:2' is not domain=weight"),
        ("sociaal=-1", "'sociaal=-1' is not domain=weight"),
        ("sociaal=2,sociaal=3", "domain 'sociaal' is named twice"),
    ],
)
def test_bad_weights_are_refused(text: str, message: str) -> None:
    with pytest.raises(KompasError, match=message):
        services.parse_weights(text)


def test_early_warning_lists_areas_worsening_on_several_domains(demo: Any) -> None:
    gemeente = Area.objects.get(code="GM9999")
    report = selectors.trend_report(gemeente, "buurt", "2024")
    assert report.periods["rapportcijfer_leefbaarheid"] == ("2021", "2023")
    assert report.periods["woz_waarde"] == ("2023", "2024")
    for warning in report.warnings:
        assert warning.n_worsening >= 2
        assert len(warning.domains) == warning.n_worsening
        assert warning.mean_score < 0
    # Make one buurt clearly worse on safety and income in 2024: it must be listed.
    code = "BU99990000"
    for key, factor in (
        ("misdrijven_vermogen_vernieling_geweld", 3.0),
        ("woninginbraken", 3.0),
        ("huishoudens_met_een_laag_inkomen", 2.0),
        ("gemiddeld_inkomen_per_inwoner", 0.6),
    ):
        obs = Observation.objects.get(area__code=code, indicator__key=key, period="2024")
        obs.value = (obs.value or 1) * factor
        obs.save()
    report = selectors.trend_report(gemeente, "buurt", "2024")
    listed = {w.area.code: w for w in report.warnings}
    assert code in listed
    assert {"veiligheid", "economie"} <= set(listed[code].domains)


def test_similar_areas_are_peers_on_the_structural_profile(demo: Any) -> None:
    area = Area.objects.get(code="BU99990303")
    peers = selectors.similar_areas(area, n=5)
    assert len(peers) == 5
    assert all(p.area.level == "buurt" and p.area.code != area.code for p in peers)
    distances = [p.distance for p in peers]
    assert distances == sorted(distances)
    wijk = Area.objects.get(code="WK999903")
    assert all(p.area.level == "wijk" for p in selectors.similar_areas(wijk, n=3))


def test_similar_areas_is_empty_without_data(db: None) -> None:
    lonely = Area.objects.create(code="BU00000001", name="Los", level="buurt")
    assert selectors.similar_areas(lonely) == []


def test_baseline_scores_100_at_the_municipality_value_not_the_mean_of_areas(demo: Any) -> None:
    r = run(method="baseline")
    municipality = Area.objects.get(code="GM9999")
    woz = Observation.objects.get(area=municipality, indicator__key="woz_waarde", period="2024")
    assert woz.value in [pytest.approx(v) for v in r.parameters["used"]["reference_values"]]
    values = [row.values["woz_waarde"] for row in r.rows.all()]
    assert woz.value != pytest.approx(sum(values) / len(values))
    row = r.rows.first()
    assert row is not None
    # higher WOZ is better: the score is 100 · value / the municipality's value
    normalised = next(v for k, v in row.normalised.items() if k.endswith("woz_waarde"))
    assert normalised == pytest.approx(100 * row.values["woz_waarde"] / woz.value)
    assert r.parameters["references"]["woz_waarde"] == {
        "value": pytest.approx(woz.value),
        "period": "2024",
        "source": "gemeente",
    }


def test_baseline_base_year_takes_the_municipality_value_of_that_year(demo: Any) -> None:
    r = run(method="baseline", parameters={"base_year": 2022})
    woz_2022 = Observation.objects.get(
        area__code="GM9999", indicator__key="woz_waarde", period="2022"
    ).value
    assert r.parameters["references"]["woz_waarde"]["period"] == "2022"
    assert r.parameters["references"]["woz_waarde"]["value"] == pytest.approx(woz_2022)
    assert services.recompute(r).same_result


def test_baseline_base_year_must_be_a_year(demo: Any) -> None:
    with pytest.raises(KompasError, match="base year 'vorig jaar' is not a year"):
        run(method="baseline", parameters={"base_year": "vorig jaar"})
