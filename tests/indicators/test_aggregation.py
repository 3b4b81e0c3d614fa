"""Aggregation of buurt values to groups, and the check against published totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gebiedskompas.core.errors import KompasError
from gebiedskompas.indicators.domain.aggregation import (
    RESULT_COLUMNS,
    AggregationRule,
    RuleSpec,
    aggregate,
    compare_published,
)

pytestmark = pytest.mark.unit

SUM = RuleSpec(AggregationRule.SUM)
RULES = {
    "inwoners": SUM,
    "bijstand": SUM,
    "bijstand_pct": RuleSpec(
        AggregationRule.RATIO, numerator="bijstand", denominator="inwoners", scale=100
    ),
    "woz": RuleSpec(AggregationRule.WEIGHTED_MEAN, weight="woningen"),
    "woningen": SUM,
    "naam_code": RuleSpec(AggregationRule.NONE),
}


def frame(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["area", "indicator", "period", "value"])


def links(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["member", "group"])


def row(result: pd.DataFrame, group: str, indicator: str, period: str = "2024") -> pd.Series:
    match = result[
        (result["group"] == group)
        & (result["indicator"] == indicator)
        & (result["period"] == period)
    ]
    assert len(match) == 1
    return match.iloc[0]


WIJK = links([("b1", "WK01"), ("b2", "WK01"), ("b3", "WK01"), ("b1", "GM"), ("b2", "GM")])


def test_sum_of_a_complete_wijk_is_the_plain_sum() -> None:
    values = frame([("b1", "inwoners", "2024", 100), ("b2", "inwoners", "2024", 250),
                    ("b3", "inwoners", "2024", 5)])  # fmt: skip
    result = aggregate(values, WIJK, RULES)
    assert list(result.columns) == list(RESULT_COLUMNS)
    wijk = row(result, "WK01", "inwoners")
    assert wijk["value"] == 355
    assert (wijk["n_members"], wijk["n_missing"], wijk["is_complete"]) == (3, 0, True)
    assert row(result, "GM", "inwoners")["value"] == 350


def test_sum_with_a_buurt_left_empty_by_cbs_gives_no_value() -> None:
    values = frame([("b1", "inwoners", "2024", 100), ("b2", "inwoners", "2024", np.nan)])
    result = aggregate(values, WIJK, RULES)
    wijk = row(result, "WK01", "inwoners")
    assert np.isnan(wijk["value"])
    # b2 is NaN and b3 has no row at all: both count as missing.
    assert (wijk["n_members"], wijk["n_missing"], wijk["is_complete"]) == (3, 2, False)


def test_ratio_is_the_ratio_of_sums_over_members_having_both() -> None:
    values = frame([
        ("b1", "inwoners", "2024", 100), ("b1", "bijstand", "2024", 10),
        ("b2", "inwoners", "2024", 300), ("b2", "bijstand", "2024", 10),
        ("b3", "inwoners", "2024", 50), ("b3", "bijstand", "2024", np.nan),
    ])  # fmt: skip
    wijk = row(aggregate(values, WIJK, RULES), "WK01", "bijstand_pct")
    assert wijk["value"] == pytest.approx(100 * 20 / 400)  # not the mean of 10 % and 3.3 %
    assert (wijk["n_missing"], wijk["is_complete"]) == (1, False)


def test_weighted_mean_weighs_by_the_other_indicator() -> None:
    values = frame([
        ("b1", "woz", "2024", 200), ("b1", "woningen", "2024", 10),
        ("b2", "woz", "2024", 400), ("b2", "woningen", "2024", 30),
    ])  # fmt: skip
    result = aggregate(values, WIJK, RULES)
    assert row(result, "GM", "woz")["value"] == pytest.approx((2000 + 12000) / 40)
    assert bool(row(result, "GM", "woz")["is_complete"])


def test_ratio_with_zero_denominator_is_missing() -> None:
    values = frame([("b1", "inwoners", "2024", 0), ("b1", "bijstand", "2024", 0),
                    ("b2", "inwoners", "2024", 0), ("b2", "bijstand", "2024", 0)])  # fmt: skip
    assert np.isnan(row(aggregate(values, WIJK, RULES), "GM", "bijstand_pct")["value"])


def test_not_aggregable_indicator_gives_no_rows_and_areas_outside_groups_are_ignored() -> None:
    values = frame([("b1", "naam_code", "2024", 1), ("WK01", "inwoners", "2024", 999),
                    ("b1", "inwoners", "2024", 1)])  # fmt: skip
    result = aggregate(values, WIJK, RULES)
    assert "naam_code" not in set(result["indicator"])
    assert row(result, "GM", "inwoners")["n_missing"] == 1


def test_every_group_gets_a_row_for_each_period_of_the_indicator() -> None:
    values = frame([("b1", "inwoners", "2023", 1), ("b3", "inwoners", "2024", 1)])
    result = aggregate(values, WIJK, RULES)
    gm_2024 = row(result, "GM", "inwoners", "2024")  # neither of GM's members has 2024 data
    assert (gm_2024["n_missing"], bool(gm_2024["is_complete"])) == (2, False)
    # 2 groups × 2 periods × (inwoners, and bijstand_pct whose denominator is inwoners)
    assert len(result) == 8


def test_empty_rules_or_membership_give_an_empty_frame_with_the_columns() -> None:
    values = frame([("b1", "inwoners", "2024", 1)])
    assert list(aggregate(values, WIJK, {}).columns) == list(RESULT_COLUMNS)
    assert aggregate(values, links([]), RULES).empty


@pytest.mark.parametrize(
    ("values", "membership", "rules", "message"),
    [
        (frame([]).drop(columns="period"), WIJK, RULES,
         "values lack column period; expected columns area, indicator, period, value"),
        (frame([]), links([]).drop(columns="group"), RULES,
         "column group: membership lack column group"),
        (frame([("b1", "inwoners", "2024", 1)]).astype({"value": object}).assign(value="twaalf"),
         WIJK, RULES, "column value: values must be numbers"),
        (frame([("b1", "inwoners", "2024", 1), ("b1", "inwoners", "2024", 2)]), WIJK, RULES,
         "values hold more than one row for area b1, indicator inwoners, period 2024"),
        (frame([]), links([("b1", "WK01"), ("b1", "WK01")]), RULES,
         "membership lists b1 in WK01 more than once"),
        (frame([]), WIJK, {"x": RuleSpec(AggregationRule.RATIO, numerator="a")},
         "indicator x: a ratio rule needs both a numerator and a denominator"),
        (frame([]), WIJK, {"x": RuleSpec(AggregationRule.WEIGHTED_MEAN)},
         "indicator x: a weighted mean rule needs a weight"),
        (frame([]), WIJK, {"x": RuleSpec(AggregationRule.SUM, scale=float("nan"))},
         "indicator x: scale must be a finite number"),
    ],
    ids=["values-no-period", "membership-no-group", "text-value", "duplicate-value",
         "duplicate-link", "ratio-no-denominator", "mean-no-weight", "nan-scale"],
)  # fmt: skip
def test_bad_input_is_refused_with_a_message_naming_it(
    values: pd.DataFrame, membership: pd.DataFrame, rules: dict[str, RuleSpec], message: str
) -> None:
    with pytest.raises(KompasError) as raised:
        aggregate(values, membership, rules)
    assert message in str(raised.value)


# --- properties -------------------------------------------------------------------------------

member_values = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5000),  # inwoners
        st.integers(min_value=0, max_value=500),  # bijstand
    ),
    min_size=1,
    max_size=12,
)


def build(data: list[tuple[int, int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for i, (people, benefits) in enumerate(data):
        rows += [(f"b{i:02d}", "inwoners", "2024", float(people)),
                 (f"b{i:02d}", "bijstand", "2024", float(min(benefits, people)))]  # fmt: skip
    membership = links([(f"b{i:02d}", "W") for i in range(len(data))])
    return frame(rows), membership


@settings(derandomize=True, max_examples=60, deadline=None)
@given(member_values)
def test_complete_sum_equals_the_plain_sum(data: list[tuple[int, int]]) -> None:
    values, membership = build(data)
    assert row(aggregate(values, membership, RULES), "W", "inwoners")["value"] == sum(
        people for people, _ in data
    )


@settings(derandomize=True, max_examples=60, deadline=None)
@given(member_values)
def test_ratio_lies_within_the_members_ratios(data: list[tuple[int, int]]) -> None:
    values, membership = build(data)
    value = row(aggregate(values, membership, RULES), "W", "bijstand_pct")["value"]
    ratios = [100 * min(b, p) / p for p, b in data if p > 0]
    if not ratios:
        assert np.isnan(value)
    else:
        assert min(ratios) - 1e-9 <= value <= max(ratios) + 1e-9


@settings(derandomize=True, max_examples=40, deadline=None)
@given(member_values, st.integers(min_value=0, max_value=2**31))
def test_result_does_not_depend_on_row_order(data: list[tuple[int, int]], seed: int) -> None:
    values, membership = build(data)
    membership = pd.concat([membership, membership.assign(group="GM")], ignore_index=True)
    shuffled_values = values.sample(frac=1, random_state=seed).reset_index(drop=True)
    shuffled_links = membership.sample(frac=1, random_state=seed + 1).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        aggregate(values, membership, RULES), aggregate(shuffled_values, shuffled_links, RULES)
    )


# --- compare_published ------------------------------------------------------------------------


def computed_row(group: str, value: float, n_members: int) -> dict[str, object]:
    return {"group": group, "indicator": "inwoners", "period": "2024", "value": value,
            "n_members": n_members, "n_missing": 0, "is_complete": True}  # fmt: skip


def test_sums_within_random_rounding_slack_are_not_listed() -> None:
    computed = pd.DataFrame([computed_row("WK01", 1000, 3), computed_row("WK02", 1000, 3)])
    published = frame([("WK01", "inwoners", "2024", 1019), ("WK02", "inwoners", "2024", 1021)])
    result = compare_published(published, computed, rel_tol=0, abs_tol=0, rules=RULES)
    # slack (3 + 1) * 5 = 20: 19 passes, 21 does not.
    assert list(result["area"]) == ["WK02"]
    assert result.iloc[0][["published", "computed", "difference", "tolerance"]].tolist() == [
        1021,
        1000,
        -21,
        20,
    ]


def test_without_rules_only_the_given_tolerances_apply() -> None:
    computed = pd.DataFrame([computed_row("GM", 1000, 3)])
    published = frame([("GM", "inwoners", "2024", 1011), ("GM", "inwoners", "2023", 5)])
    result = compare_published(published, computed, rel_tol=0.01, abs_tol=0.5)
    assert result["tolerance"].tolist() == [pytest.approx(0.5 + 10.11)]


def test_missing_values_are_not_compared() -> None:
    computed = pd.DataFrame([computed_row("GM", np.nan, 3)])
    published = frame([("GM", "inwoners", "2024", 1011)])
    assert compare_published(published, computed, rel_tol=0, abs_tol=0).empty


@pytest.mark.parametrize(
    ("published", "computed", "kwargs", "message"),
    [
        (frame([]).drop(columns="value"), pd.DataFrame([computed_row("GM", 1, 1)]),
         {"rel_tol": 0, "abs_tol": 0}, "column value: published lack column value"),
        (frame([]), pd.DataFrame([computed_row("GM", 1, 1)]).drop(columns="n_members"),
         {"rel_tol": 0, "abs_tol": 0}, "column n_members: computed lack column n_members"),
        (frame([]), pd.DataFrame([computed_row("GM", 1, 1)]),
         {"rel_tol": -0.1, "abs_tol": 0}, "rel_tol must be 0 or more, not -0.1"),
        (frame([]), pd.DataFrame([computed_row("GM", 1, 1)]),
         {"rel_tol": 0, "abs_tol": float("nan")}, "abs_tol must be 0 or more, not nan"),
    ],
    ids=["published-no-value", "computed-no-n-members", "negative-rel-tol", "nan-abs-tol"],
)  # fmt: skip
def test_compare_refuses_bad_input(
    published: pd.DataFrame, computed: pd.DataFrame, kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(KompasError) as raised:
        compare_published(published, computed, **kwargs)
    assert message in str(raised.value)
