"""Aggregate buurt values to wijk, stadsdeel, gemeente and cluster by each indicator's rule.

Values for higher areas follow from buurten only where the indicator's definition allows it
(DESIGN.md, "The data at the centre"): a sum of counts, a ratio of two sums (a percentage or a
rate recomputed from its numerator and denominator, never an average of buurt percentages), or a
mean weighted by another indicator. An indicator that is none of these is not aggregated.

CBS leaves cells of small buurten empty for secrecy or reliability, and rounds counts at wijk and
buurt level to multiples of 5 at random ("aselect afgerond op veelvouden van 5", CBS table 85984NED,
DataProperties, theme *Bevolking*). A sum over buurten with an empty cell would undercount, so it
is only given when every member has a value; ratios and weighted means use the members that have
what they need and say whether that was all of them. `compare_published` checks computed values
against the ones CBS publishes itself, allowing for that rounding.

Everything here is vectorised: areas, indicators and periods become integer codes, the buurt
values one dense matrix and the membership one sparse incidence matrix, so a group's sums are one
sparse-dense product. No Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

from gebiedskompas.core.errors import KompasError, gettext_noop

VALUE_COLUMNS: Final = ("area", "indicator", "period", "value")
MEMBERSHIP_COLUMNS: Final = ("member", "group")
RESULT_COLUMNS: Final = (
    "group",
    "indicator",
    "period",
    "value",
    "n_members",
    "n_missing",
    "is_complete",
)
COMPUTED_COLUMNS: Final = ("group", "indicator", "period", "value", "n_members")
DIFFERENCE_COLUMNS: Final = (
    "area",
    "indicator",
    "period",
    "published",
    "computed",
    "difference",
    "tolerance",
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


class AggregationRule(StrEnum):
    """How an indicator's value for a group of buurten follows from the buurten's values."""

    SUM = "sum"
    """Sum of the members' values; only given when every member has one."""
    RATIO = "ratio"
    """``scale * sum(numerator) / sum(denominator)`` over members that have both."""
    WEIGHTED_MEAN = "weighted_mean"
    """``sum(value * weight) / sum(weight)`` over members that have both."""
    NONE = "none"
    """Not aggregable: no value for groups."""


@dataclass(frozen=True)
class RuleSpec:
    """An indicator's aggregation rule with the indicators it needs.

    `numerator` and `denominator` (RATIO) and `weight` (WEIGHTED_MEAN) are indicator keys in the
    same `values` frame; `scale` multiplies a ratio (100 for a percentage, 1000 for a rate per
    thousand).
    """

    rule: AggregationRule
    numerator: str | None = None
    denominator: str | None = None
    weight: str | None = None
    scale: float = 1.0


def aggregate(
    values: pd.DataFrame,
    membership: pd.DataFrame,
    rules: Mapping[str, RuleSpec],
) -> pd.DataFrame:
    """Compute each group's value of every aggregable indicator in `rules`, per period.

    `values` has columns ``area, indicator, period, value`` (value float, NaN = missing), one row
    per area, indicator and period. Rows of areas that are no group's member (e.g. a wijk row as
    CBS publishes it) are ignored; so are indicators without a rule, except as a numerator,
    denominator or weight of one that has.

    `membership` has columns ``member, group``: a buurt may belong to several groups (its wijk,
    stadsdeel, gemeente and any clusters).

    Returns columns ``group, indicator, period, value, n_members, n_missing, is_complete``: one row
    per group in `membership`, per indicator with a rule other than NONE, per period in which that
    indicator (or its numerator, denominator or weight) occurs in `values`, sorted by group,
    indicator and period. ``n_members`` counts the group's members, ``n_missing`` those lacking a
    value the rule needs (no row and NaN alike). SUM gives a value only when ``n_missing == 0``;
    RATIO and WEIGHTED_MEAN use the members having both values and give NaN when none has them or
    their denominator (weight) sums to 0.

    Raises `KompasError` on a missing column, a non-numeric value column, a duplicate row or an
    incomplete rule.
    """
    _require_columns(values, VALUE_COLUMNS, "values")
    _require_columns(membership, MEMBERSHIP_COLUMNS, "membership")
    if not pd.api.types.is_numeric_dtype(values["value"]) and len(values):
        raise KompasError(gettext_noop("values must be numbers"), column="value")
    active = {key: spec for key, spec in rules.items() if spec.rule is not AggregationRule.NONE}
    for key, spec in active.items():
        _check_rule(key, spec)

    membership = membership.loc[:, list(MEMBERSHIP_COLUMNS)]
    duplicated_links = membership.duplicated()
    if duplicated_links.any():
        first = membership[duplicated_links].iloc[0]
        raise KompasError(
            gettext_noop("membership lists {member} in {group} more than once"),
            column="member",
            value=first["member"],
            member=first["member"],
            group=first["group"],
        )
    out_keys = sorted(active)
    if not out_keys or membership.empty:
        return _empty_result()

    # Integer codes: areas over values and members together, indicators, periods.
    area_codes, areas = pd.factorize(
        pd.concat([values["area"], membership["member"]], ignore_index=True), sort=False
    )
    value_area = area_codes[: len(values)]
    member_area = area_codes[len(values) :]
    group_codes, groups = pd.factorize(membership["group"], sort=True)
    indicator_codes, indicators = pd.factorize(values["indicator"], sort=True)
    period_codes, periods = pd.factorize(values["period"], sort=True)
    n_area, n_ind, n_per = len(areas), len(indicators), len(periods)

    cell = (value_area.astype(np.int64) * n_ind + indicator_codes) * n_per + period_codes
    if len(np.unique(cell)) != len(cell):
        row = values[pd.Series(cell).duplicated().to_numpy()].iloc[0]
        raise KompasError(
            gettext_noop(
                "values hold more than one row for area {area}, indicator {indicator}, period "
                "{period}"
            ),
            column="area",
            value=row["area"],
            area=row["area"],
            indicator=row["indicator"],
            period=row["period"],
        )

    # Dense buurt matrix: (area, period) × indicator.
    dense = np.full((n_area * n_per, n_ind), np.nan)
    dense[value_area * n_per + period_codes, indicator_codes] = values["value"].to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    present = np.zeros((n_ind, n_per), dtype=bool)
    present[indicator_codes, period_codes] = True

    positions = {str(key): i for i, key in enumerate(indicators)}

    def column(key: str | None) -> FloatArray:
        if key is None:
            return np.full(n_area * n_per, np.nan)
        position = positions.get(key, -1)
        if position < 0:
            return np.full(n_area * n_per, np.nan)
        result: FloatArray = dense[:, position]
        return result

    def periods_of(keys: Iterable[str | None]) -> npt.NDArray[np.bool_]:
        mask = np.zeros(n_per, dtype=bool)
        for key in keys:
            if key is not None and (position := positions.get(key, -1)) >= 0:
                mask |= present[position]
        return mask

    n_out = len(out_keys)
    top = np.zeros((n_area * n_per, n_out))
    bottom = np.zeros((n_area * n_per, n_out))
    has = np.zeros((n_area * n_per, n_out))
    out_periods = np.zeros((n_out, n_per), dtype=bool)
    for k, key in enumerate(out_keys):
        spec = active[key]
        if spec.rule is AggregationRule.SUM:
            own = column(key)
            ok = ~np.isnan(own)
            top[:, k] = np.where(ok, own, 0.0)
            out_periods[k] = periods_of([key])
        elif spec.rule is AggregationRule.RATIO:
            numerator, denominator = column(spec.numerator), column(spec.denominator)
            ok = ~np.isnan(numerator) & ~np.isnan(denominator)
            top[:, k] = np.where(ok, numerator, 0.0)
            bottom[:, k] = np.where(ok, denominator, 0.0)
            out_periods[k] = periods_of([spec.numerator, spec.denominator])
        else:
            own, weight = column(key), column(spec.weight)
            ok = ~np.isnan(own) & ~np.isnan(weight)
            top[:, k] = np.where(ok, own * weight, 0.0)
            bottom[:, k] = np.where(ok, weight, 0.0)
            out_periods[k] = periods_of([key, spec.weight])
        has[:, k] = ok

    # Sparse incidence: group × area. Sums per group are one product per period block.
    n_group = len(groups)
    incidence = sparse.csr_matrix(
        (np.ones(len(membership)), (group_codes, member_area)), shape=(n_group, n_area)
    )
    n_members = np.asarray(incidence.sum(axis=1)).ravel().astype(np.int64)

    def group_sums(matrix: FloatArray) -> FloatArray:
        # (area, period) × k  →  area × (period, k)  →  group × period × k
        by_area = matrix.reshape(n_area, n_per * n_out)
        summed: FloatArray = np.asarray(incidence @ by_area).reshape(n_group, n_per, n_out)
        return summed

    sum_top, sum_bottom = group_sums(top), group_sums(bottom)
    n_have = np.rint(group_sums(has)).astype(np.int64)

    # Keep (group, period, k) only where indicator k occurs in that period.
    g_idx, p_idx, k_idx = np.nonzero(np.broadcast_to(out_periods.T, (n_group, n_per, n_out)))
    rules_of = np.array([active[key].rule.value for key in out_keys])[k_idx]
    scales = np.array([active[key].scale for key in out_keys])[k_idx]
    members = n_members[g_idx]
    have = n_have[g_idx, p_idx, k_idx]
    numerator_sum = sum_top[g_idx, p_idx, k_idx]
    denominator_sum = sum_bottom[g_idx, p_idx, k_idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            (have > 0) & (denominator_sum != 0), numerator_sum / denominator_sum, np.nan
        )
    value = np.where(
        rules_of == AggregationRule.SUM.value,
        np.where(have == members, numerator_sum, np.nan),
        np.where(rules_of == AggregationRule.RATIO.value, scales * ratio, ratio),
    )
    result = pd.DataFrame(
        {
            "group": np.asarray(groups)[g_idx],
            "indicator": np.asarray(out_keys, dtype=object)[k_idx],
            "period": np.asarray(periods)[p_idx],
            "value": value.astype(np.float64),
            "n_members": members,
            "n_missing": members - have,
            "is_complete": have == members,
        }
    )
    # np.nonzero walks group, period, k; the promised order is group, indicator, period.
    return result.sort_values(["group", "indicator", "period"], kind="stable").reset_index(
        drop=True
    )


def compare_published(
    published: pd.DataFrame,
    computed: pd.DataFrame,
    *,
    rel_tol: float,
    abs_tol: float,
    rules: Mapping[str, RuleSpec] | None = None,
    rounding_unit: float = 5.0,
) -> pd.DataFrame:
    """List where a published higher-level value differs from the computed one beyond rounding.

    `published` has columns ``area, indicator, period, value`` (the wijk and gemeente rows as CBS
    publishes them); `computed` is `aggregate`'s result. Rows are matched on area = group,
    indicator and period; pairs where either value is missing are not compared.

    A pair differs when ``|computed - published| > abs_tol + rel_tol * |published| + slack``.
    ``slack`` is ``(n_members + 1) * rounding_unit`` for indicators whose rule in `rules` is SUM,
    else 0: CBS rounds wijk and buurt counts *at random* to a multiple of 5, so each buurt's count
    and the published total are each off by less than one unit (not half a unit, as with rounding
    to the nearest), and a sum of n members by less than ``n`` units. Gemeente totals are not
    rounded, so this bound is one unit generous there. Pass ``rounding_unit=0`` for unrounded data.

    Returns columns ``area, indicator, period, published, computed, difference, tolerance`` with
    ``difference = computed - published``, sorted by area, indicator and period.

    Raises `KompasError` on a missing column or a negative tolerance.
    """
    _require_columns(published, VALUE_COLUMNS, "published")
    _require_columns(computed, COMPUTED_COLUMNS, "computed")
    for name, tolerance in (
        ("rel_tol", rel_tol),
        ("abs_tol", abs_tol),
        ("rounding", rounding_unit),
    ):
        if not tolerance >= 0:
            raise KompasError(
                gettext_noop("{name} must be 0 or more, not {tolerance}"),
                name=name,
                tolerance=tolerance,
            )
    left = published.loc[:, list(VALUE_COLUMNS)].rename(columns={"value": "published"})
    right = computed.loc[:, list(COMPUTED_COLUMNS)].rename(
        columns={"group": "area", "value": "computed"}
    )
    pairs = left.merge(right, on=["area", "indicator", "period"], how="inner")
    pairs = pairs.dropna(subset=["published", "computed"])
    sum_keys = {key for key, spec in (rules or {}).items() if spec.rule is AggregationRule.SUM}
    slack = np.where(
        pairs["indicator"].isin(sum_keys), (pairs["n_members"] + 1) * rounding_unit, 0.0
    )
    pairs["difference"] = pairs["computed"] - pairs["published"]
    pairs["tolerance"] = abs_tol + rel_tol * pairs["published"].abs() + slack
    flagged = pairs[pairs["difference"].abs() > pairs["tolerance"]]
    return (
        flagged.loc[:, list(DIFFERENCE_COLUMNS)]
        .sort_values(["area", "indicator", "period"], kind="stable")
        .reset_index(drop=True)
    )


def _check_rule(key: str, spec: RuleSpec) -> None:
    if spec.rule is AggregationRule.RATIO and (spec.numerator is None or spec.denominator is None):
        raise KompasError(
            gettext_noop("indicator {key}: a ratio rule needs both a numerator and a denominator"),
            value=key,
            key=key,
        )
    if spec.rule is AggregationRule.WEIGHTED_MEAN and spec.weight is None:
        raise KompasError(
            gettext_noop("indicator {key}: a weighted mean rule needs a weight"), value=key, key=key
        )
    if not np.isfinite(spec.scale):
        raise KompasError(
            gettext_noop("indicator {key}: scale must be a finite number"),
            value=spec.scale,
            key=key,
        )


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise KompasError(
            gettext_noop("{name} lack column {join_missing}; expected columns {join_columns}"),
            column=missing[0],
            name=name,
            join_missing=", ".join(missing),
            join_columns=", ".join(columns),
        )


def _empty_result() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": pd.Series(dtype=object),
            "indicator": pd.Series(dtype=object),
            "period": pd.Series(dtype=object),
            "value": pd.Series(dtype=np.float64),
            "n_members": pd.Series(dtype=np.int64),
            "n_missing": pd.Series(dtype=np.int64),
            "is_complete": pd.Series(dtype=bool),
        }
    )
