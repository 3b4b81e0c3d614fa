"""Small cases worked by hand for every method, and the shared input rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gebiedskompas.analysis.domain.methods import METHODS, baseline, imd, svi, zscore
from gebiedskompas.analysis.domain.model import (
    AnalysisInput,
    Direction,
    DomainSpec,
    IndicatorSpec,
    MissingPolicy,
)
from gebiedskompas.core.errors import KompasError

pytestmark = pytest.mark.unit

WORSE = Direction.HIGHER_IS_WORSE
BETTER = Direction.HIGHER_IS_BETTER


def domain(name: str, *cols: tuple[str, Direction], weight: float | None = None) -> DomainSpec:
    return DomainSpec(name, weight, tuple(IndicatorSpec(c, d) for c, d in cols))


def test_registry_holds_the_four_methods_under_their_stable_keys() -> None:
    assert set(METHODS) == {"baseline", "zscore", "imd", "svi"}
    assert all(key == m.key for key, m in METHODS.items())


# --- baseline ------------------------------------------------------------------------------

BASELINE_TABLE = pd.DataFrame(
    {"a": [12.0, 8.0, 10.0], "b": [10.0, 30.0, 20.0], "c": [50.0, 40.0, 60.0]},
    index=["x", "y", "z"],
)
BASELINE_DOMAINS = (domain("A", ("a", BETTER), ("b", WORSE)), domain("B", ("c", BETTER)))
REFERENCE = {"a": 10.0, "b": 20.0, "c": 50.0}


def test_baseline_scores_100_at_reference_and_mirrors_indicators_where_higher_is_worse() -> None:
    # x: a 12/10 → 120, b 10 vs 20 → 200 − 50 = 150, theme A 135; c 50/50 → 100; index 117.5
    # y: a 80, b 200 − 150 = 50, A 65; c 80; index 72.5.  z: A 100, B 120, index 110.
    result = baseline.run(
        AnalysisInput(BASELINE_TABLE, BASELINE_DOMAINS, reference_values=REFERENCE)
    )
    s = result.scores
    assert s["A_score"].tolist() == pytest.approx([135.0, 65.0, 100.0])
    assert s["B_score"].tolist() == pytest.approx([100.0, 80.0, 120.0])
    assert s["score"].tolist() == pytest.approx([117.5, 72.5, 110.0])
    assert s["rank"].tolist() == [3, 1, 2]
    assert result.bands is not None
    assert result.bands["overall"].tolist() == ["favourable", "less_favourable", "average"]
    assert result.bands.at["y", "A"] == "unfavourable"
    assert result.contributions.sum(axis=1).tolist() == pytest.approx(s["score"].tolist())


def test_baseline_weights_the_mean_of_themes_when_weights_are_given() -> None:
    domains = (
        domain("A", ("a", BETTER), ("b", WORSE), weight=3.0),
        domain("B", ("c", BETTER), weight=1.0),
    )
    result = baseline.run(AnalysisInput(BASELINE_TABLE, domains, reference_values=REFERENCE))
    assert result.scores.at["x", "score"] == pytest.approx(0.75 * 135 + 0.25 * 100)
    assert result.weights == {"A": 0.75, "B": 0.25}


def test_baseline_mirrored_orientation_turns_scores_and_bands_around_100() -> None:
    inp = AnalysisInput(
        BASELINE_TABLE,
        BASELINE_DOMAINS,
        reference_values=REFERENCE,
        parameters={"orientation": "higher_is_worse"},
    )
    result = baseline.run(inp)
    assert result.scores["score"].tolist() == pytest.approx([82.5, 127.5, 90.0])
    assert result.scores["rank"].tolist() == [3, 1, 2]
    assert result.bands is not None
    assert result.bands["overall"].tolist() == ["favourable", "less_favourable", "average"]


def test_baseline_band_edges_belong_to_the_band_nearer_the_middle() -> None:
    table = pd.DataFrame({"a": [70.0, 90.0, 110.0, 69.9, 110.1]}, index=list("pqrst"))
    result = baseline.run(
        AnalysisInput(table, (domain("A", ("a", BETTER)),), reference_values={"a": 100.0})
    )
    assert result.bands is not None
    assert result.bands["A"].tolist() == [
        "less_favourable",
        "average",
        "average",
        "unfavourable",
        "favourable",
    ]


def test_baseline_rejects_a_reference_of_zero_naming_the_column() -> None:
    with pytest.raises(KompasError, match="reference value of column 'a' is 0.0"):
        baseline.run(AnalysisInput(BASELINE_TABLE, BASELINE_DOMAINS, reference_values={"a": 0.0}))


# --- zscore -------------------------------------------------------------------------------

Z_TABLE = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [10.0, 10.0, 40.0]}, index=["p", "q", "r"])
Z_DOMAINS = (domain("D", ("a", WORSE), ("b", BETTER)),)


def test_zscore_standardises_against_reference_and_signs_positive_as_worse() -> None:
    # a: mean 2, sd 1 → z −1, 0, 1.  b: mean 20, sd √300 → −0.577, −0.577, 1.155, negated
    # because higher is better.  Domain = mean of the two.
    result = zscore.run(AnalysisInput(Z_TABLE, Z_DOMAINS))
    zb = np.array([-10.0, -10.0, 20.0]) / np.sqrt(300.0)
    expected = (np.array([-1.0, 0.0, 1.0]) - zb) / 2
    assert result.scores["D_score"].to_numpy() == pytest.approx(expected)
    assert result.scores["score"].to_numpy() == pytest.approx(expected)
    assert result.scores["rank"].tolist() == [3, 1, 2]
    assert result.bands is not None
    assert set(result.bands["overall"]) == {"average"}


def test_zscore_uses_only_the_reference_rows_for_mean_and_sd() -> None:
    table = pd.DataFrame({"a": [1.0, 3.0, 10.0]}, index=["p", "q", "r"])
    result = zscore.run(
        AnalysisInput(table, (domain("D", ("a", WORSE)),), reference_areas=("p", "q"))
    )
    # mean 2, sd √2 from p and q only; r lies (10 − 2)/√2 ≈ 5.66 sd above.
    assert result.scores.at["r", "score"] == pytest.approx(8 / np.sqrt(2))
    assert result.bands is not None
    assert result.bands.at["r", "overall"] == "much_worse"


def test_zscore_names_a_column_without_spread() -> None:
    table = pd.DataFrame({"a": [1.0, 1.0, 1.0]}, index=["p", "q", "r"])
    with pytest.raises(KompasError, match="column 'a' has the same value in every reference"):
        zscore.run(AnalysisInput(table, (domain("D", ("a", WORSE)),)))


# --- imd ----------------------------------------------------------------------------------

IMD_NAMES = ("income", "employment", "education", "health", "crime", "barriers", "environment")
IMD_WEIGHTS = np.array([0.225, 0.225, 0.135, 0.135, 0.093, 0.093, 0.093])


def expected_imd(scores: np.ndarray) -> np.ndarray:
    """Independent reimplementation: rank 1 = least deprived, R = rank/N, exponential, weights."""
    n = scores.shape[0]
    ranks = scores.argsort(axis=0).argsort(axis=0) + 1
    r = ranks / n
    x = -23 * np.log(1 - r * (1 - np.exp(-100 / 23)))
    return x @ IMD_WEIGHTS


def test_imd_reproduces_the_hand_computed_score_with_the_2019_weights() -> None:
    rng = np.random.default_rng(7)
    scores = rng.random((6, 7)).round(3)
    table = pd.DataFrame(scores, index=[f"L{i}" for i in range(6)], columns=list(IMD_NAMES))
    domains = tuple(domain(n, (n, WORSE)) for n in IMD_NAMES)
    result = imd.run(AnalysisInput(table, domains))
    assert result.scores["score"].to_numpy() == pytest.approx(expected_imd(scores), abs=1e-12)
    assert result.weights == dict(zip(IMD_NAMES, IMD_WEIGHTS.tolist(), strict=True))


def test_imd_most_deprived_area_on_every_domain_scores_the_weight_sum_times_100() -> None:
    table = pd.DataFrame({n: [1.0, 2.0, 3.0] for n in IMD_NAMES}, index=["least", "middle", "most"])
    result = imd.run(AnalysisInput(table, tuple(domain(n, (n, WORSE)) for n in IMD_NAMES)))
    assert result.scores.at["most", "score"] == pytest.approx(99.9)
    assert result.scores.at["most", "rank"] == 1
    assert result.scores.at["most", "income_score"] == pytest.approx(100.0)


def test_imd_from_published_domain_ranks_out_of_n_areas() -> None:
    # A made-up LSOA with IoD-style domain ranks (1 = most deprived of 32,844), computed by hand.
    n = 32844
    ranks = np.array([[1.0, 100.0, 5000.0, 16422.0, 32844.0, 20000.0, 300.0]])
    table = pd.DataFrame(ranks, index=["E0X"], columns=list(IMD_NAMES))
    result = imd.run(
        AnalysisInput(
            table,
            tuple(domain(c, (c, WORSE)) for c in IMD_NAMES),
            parameters={"domain_input": "ranks", "n_areas": n},
        )
    )
    r = (n + 1 - ranks[0]) / n
    expected = (-23 * np.log(1 - r * (1 - np.exp(-100 / 23)))) @ IMD_WEIGHTS
    assert result.scores.at["E0X", "score"] == pytest.approx(expected, abs=1e-9)
    assert result.scores.at["E0X", "income_score"] == pytest.approx(100.0)


def test_imd_equal_weights_for_other_than_seven_domains_and_better_domains_negated() -> None:
    table = pd.DataFrame({"a": [1.0, 2.0], "b": [5.0, 1.0]}, index=["p", "q"])
    result = imd.run(AnalysisInput(table, (domain("A", ("a", WORSE)), domain("B", ("b", BETTER)))))
    assert result.weights == {"A": 0.5, "B": 0.5}
    # q is more deprived on both: a higher (worse), b lower (better is higher).
    assert result.scores.at["q", "rank"] == 1
    assert result.scores.at["q", "score"] == pytest.approx(100.0)


def test_imd_rejects_a_rank_outside_one_to_n() -> None:
    table = pd.DataFrame({"a": [0.0]}, index=["p"])
    with pytest.raises(KompasError, match="a rank must be a whole number from 1 to 10"):
        imd.run(
            AnalysisInput(
                table,
                (domain("A", ("a", WORSE)),),
                parameters={"domain_input": "ranks", "n_areas": 10},
            )
        )


# --- svi ----------------------------------------------------------------------------------

SVI_TABLE = pd.DataFrame(
    {
        "v1": [10.0, 20.0, 20.0, 30.0, 40.0],
        "v2": [5.0, 4.0, 3.0, 2.0, 1.0],
        "v3": [1.0, 1.0, 1.0, 1.0, 2.0],
    },
    index=["a1", "a2", "a3", "a4", "a5"],
)
SVI_DOMAINS = (domain("t1", ("v1", WORSE), ("v2", BETTER)), domain("t2", ("v3", WORSE)))


def test_svi_worked_example_percentile_ranks_sums_and_flags() -> None:
    # N − 1 = 4.  v1: values below = 0,1,1,3,4 (ties share the lowest) → 0, .25, .25, .75, 1.
    # v2 is better when higher, ranked descending → 0, .25, .5, .75, 1.  v3 → 0, 0, 0, 0, 1.
    # SPL1 = 0, .5, .75, 1.5, 2 → RPL1 0, .25, .5, .75, 1; SPL2 = 0,0,0,0,1 → RPL2 0,0,0,0,1.
    # SPL_THEMES = 0, .5, .75, 1.5, 3 → RPL 0, .25, .5, .75, 1.  a5 has three EPL ≥ .9.
    result = svi.run(AnalysisInput(SVI_TABLE, SVI_DOMAINS))
    s = result.scores
    assert result.normalised["t1:v1"].tolist() == [0.0, 0.25, 0.25, 0.75, 1.0]
    assert result.normalised["t1:v2"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert s["t1_score"].tolist() == pytest.approx([0.0, 0.5, 0.75, 1.5, 2.0])
    assert s["t1_rank"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert s["t2_rank"].tolist() == [0.0, 0.0, 0.0, 0.0, 1.0]
    assert s["score"].tolist() == pytest.approx([0.0, 0.5, 0.75, 1.5, 3.0])
    assert s["rank"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert s["flags"].tolist() == [0, 0, 0, 0, 3]
    assert result.flags is not None
    assert result.flags.loc["a5"].tolist() == [2, 1, 3]


def test_svi_rounds_percentile_ranks_to_four_decimals_as_cdc_publishes() -> None:
    # 1/3 → 0.3333, 2/3 → 0.6667 (CDC's published SVI 2020 ranks are rounded, ADR 0002).
    table = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0]}, index=list("abcd"))
    result = svi.run(AnalysisInput(table, (domain("t", ("v", WORSE)),)))
    assert result.normalised["t:v"].tolist() == [0.0, 0.3333, 0.6667, 1.0]
    assert result.parameters["rounding"] == "round"


def test_svi_truncates_on_request_like_excel_percentrank_inc() -> None:
    table = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0]}, index=list("abcd"))
    inp = AnalysisInput(table, (domain("t", ("v", WORSE)),), parameters={"rounding": "truncate"})
    assert svi.run(inp).normalised["t:v"].tolist() == [0.0, 0.3333, 0.6666, 1.0]


def test_svi_rounds_half_up_exactly_where_floating_point_would_not() -> None:
    # N − 1 = 8: 1/8 = 0.125 → 0.1250 (exact) but at two decimals 0.125 must round up to 0.13,
    # where float rounding (round-half-even on 12.5) would give 0.12.
    table = pd.DataFrame({"v": np.arange(9, dtype=float)}, index=[f"a{i}" for i in range(9)])
    inp = AnalysisInput(table, (domain("t", ("v", WORSE)),), parameters={"precision": 2})
    assert svi.run(inp).normalised["t:v"].tolist()[:4] == [0.0, 0.13, 0.25, 0.38]


def test_svi_percentile_ranks_are_exact_where_floating_point_would_drop_a_unit() -> None:
    # 29/100 = 0.29, but 0.29 * 10000 in floating point is 2899.999…; CDC and Excel show 0.29.
    table = pd.DataFrame(
        {"v": np.arange(101, dtype=float)}, index=[f"a{i:03d}" for i in range(101)]
    )
    for rounding in ("round", "truncate"):
        inp = AnalysisInput(table, (domain("t", ("v", WORSE)),), parameters={"rounding": rounding})
        result = svi.run(inp)
        assert result.normalised.at["a029", "t:v"] == 0.29
        assert result.scores.at["a090", "flags"] == 1
        assert result.scores.at["a089", "flags"] == 0


def test_svi_rejects_an_unknown_rounding() -> None:
    table = pd.DataFrame({"v": [1.0, 2.0]}, index=["a", "b"])
    inp = AnalysisInput(table, (domain("t", ("v", WORSE)),), parameters={"rounding": "ceil"})
    with pytest.raises(KompasError, match="'rounding' is 'ceil'; expected one of round, truncate"):
        svi.run(inp)


def test_svi_needs_at_least_two_areas() -> None:
    table = pd.DataFrame({"v": [1.0]}, index=["a"])
    with pytest.raises(KompasError, match="at least two areas"):
        svi.run(AnalysisInput(table, (domain("t", ("v", WORSE)),)))


# --- shared rules -------------------------------------------------------------------------


def test_exclude_policy_drops_areas_with_gaps_and_lists_them() -> None:
    table = SVI_TABLE.copy()
    table.loc["a2", "v3"] = np.nan
    result = svi.run(AnalysisInput(table, SVI_DOMAINS, missing=MissingPolicy.EXCLUDE))
    assert "a2" not in result.scores.index
    assert result.affected_areas == ("a2",)
    assert result.missing is MissingPolicy.EXCLUDE


def test_impute_median_fills_with_the_reference_median_and_lists_the_area() -> None:
    table = Z_TABLE.copy()
    table.loc["q", "a"] = np.nan
    result = zscore.run(
        AnalysisInput(
            table, Z_DOMAINS, missing=MissingPolicy.IMPUTE_MEDIAN, reference_areas=("p", "r")
        )
    )
    assert result.affected_areas == ("q",)
    # median of p and r for a = 2, which is also their mean → z of q on a is 0.
    assert result.normalised.at["q", "D:a"] == pytest.approx(0.0)


def test_neutral_indicators_are_shown_but_not_scored() -> None:
    table = Z_TABLE.assign(n=[1.0, 2.0, 3.0])
    domains = (domain("D", ("a", WORSE), ("b", BETTER), ("n", Direction.NEUTRAL)),)
    with_neutral = zscore.run(AnalysisInput(table, domains))
    without = zscore.run(AnalysisInput(Z_TABLE, Z_DOMAINS))
    assert with_neutral.scores["score"].tolist() == pytest.approx(without.scores["score"].tolist())
    assert "neutral:n" in with_neutral.normalised.columns


@pytest.mark.parametrize(
    ("domains", "message"),
    [
        ((), "no domains given"),
        ((domain("D", ("zz", WORSE)),), "column 'zz' of domain 'D' is not in the table"),
        ((domain("D", ("a", Direction.NEUTRAL)),), "domain 'D' has no indicator with a direction"),
        ((domain("D", ("a", WORSE), weight=1.0), domain("E", ("b", WORSE))), "has no weight"),
        ((domain("D", ("a", WORSE), weight=-1.0),), "must be 0 or more"),
    ],
    ids=["no-domains", "unknown-column", "only-neutral", "mixed-weights", "negative-weight"],
)
def test_bad_specifications_raise_with_the_cause(
    domains: tuple[DomainSpec, ...], message: str
) -> None:
    for method in METHODS.values():
        with pytest.raises(KompasError, match=message):
            method.run(AnalysisInput(Z_TABLE, domains))


def test_explain_lists_domain_contributions_that_add_up_to_the_score() -> None:
    result = zscore.run(
        AnalysisInput(
            SVI_TABLE, (domain("t1", ("v1", WORSE)), domain("t2", ("v3", WORSE))), parameters={}
        )
    )
    why = result.explain("a5")
    assert why["contribution"].sum() == pytest.approx(result.scores.at["a5", "score"])
    assert set(why["domain"]) == {"t1", "t2"}
