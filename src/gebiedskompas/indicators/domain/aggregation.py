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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

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
    incomplete rule. `GroupSums` gives the same result from values that come in parts.
    """
    _check_values(values)
    _require_columns(membership, MEMBERSHIP_COLUMNS, "membership")
    sums = GroupSums(rules)
    membership = _checked_membership(membership)
    if not sums.out_keys or membership.empty:
        return _empty_result()
    sums.add(values, membership)
    return sums.result(membership.groupby("group", sort=False).size().to_dict())


class GroupSums:
    """Running sums, per group and period, of what each rule needs from the members' values.

    The values may come in parts (the chunks of an import), as long as each (area, period) comes
    whole in one part: a ratio needs its numerator and denominator from the same row. Call
    `add` per part and `result` once at the end: it gives what `aggregate` gives for all the
    parts at once, up to the order of floating-point additions.

    Which (indicator, period) pairs a group gets a row for follows from the values seen in its
    *scope*: by default every group shares one scope, as in `aggregate` (every group gets a row
    for each period an indicator occurs in). A caller aggregating several municipalities at
    once passes each area's municipality as its scope, so that what one municipality holds
    does not decide the rows of another.

    Areas, indicators and periods become integer codes within a part; a part's buurt values are
    one dense matrix and its membership one sparse incidence matrix, so a group's sums are one
    sparse-dense product. Only the sums are kept between parts.
    """

    def __init__(self, rules: Mapping[str, RuleSpec]) -> None:
        self.active = {
            key: spec for key, spec in rules.items() if spec.rule is not AggregationRule.NONE
        }
        for key, spec in self.active.items():
            _check_rule(key, spec)
        self.out_keys = sorted(self.active)
        n_out = len(self.out_keys)
        # Which indicators each output needs: its own value, numerator, denominator, weight.
        self._inputs: list[tuple[str | None, str | None]] = []
        for key in self.out_keys:
            spec = self.active[key]
            if spec.rule is AggregationRule.SUM:
                self._inputs.append((key, None))
            elif spec.rule is AggregationRule.RATIO:
                self._inputs.append((spec.numerator, spec.denominator))
            else:
                self._inputs.append((key, spec.weight))
        self._rows: dict[tuple[object, object], int] = {}  # (group, period) → row of the sums
        # Bottoms (denominators, weights) only for the outputs that are no plain sum.
        self._bottom_of = np.full(n_out, -1, dtype=np.int64)
        shares = [
            k
            for k, key in enumerate(self.out_keys)
            if self.active[key].rule is not AggregationRule.SUM
        ]
        self._bottom_of[shares] = np.arange(len(shares))
        self._shares = np.asarray(shares, dtype=np.int64)
        self._top = _Rows(n_out, np.float64)
        self._bottom = _Rows(len(shares), np.float64)
        self._have = _Rows(n_out, np.int32)
        # (scope, period) → which outputs occur there
        self._present: dict[tuple[object, object], npt.NDArray[np.bool_]] = {}

    def add(
        self,
        values: pd.DataFrame,
        membership: pd.DataFrame,
        scopes: Mapping[object, object] | None = None,
    ) -> None:
        """Add a part: `values` and `membership` as for `aggregate`; `scopes` maps each area
        of `values` to its scope (areas it lacks share the scope None)."""
        _check_values(values)
        _require_columns(membership, MEMBERSHIP_COLUMNS, "membership")
        membership = _checked_membership(membership)
        n_out = len(self.out_keys)
        if values.empty or not n_out:
            return
        area_codes, areas = _codes(values["area"])
        indicator_codes, indicators = pd.factorize(values["indicator"], sort=False)
        period_codes, periods = pd.factorize(values["period"], sort=False)
        n_area, n_ind, n_per = len(areas), len(indicators), len(periods)
        period_labels = periods.tolist()  # plain Python values as dictionary keys
        cell = (area_codes.astype(np.int64) * n_ind + indicator_codes) * n_per + period_codes
        order = np.argsort(cell, kind="stable")  # a sort needs less memory than a hash table
        repeated = np.flatnonzero(cell[order][1:] == cell[order][:-1])
        del cell
        if len(repeated):
            row = values.iloc[int(order[repeated + 1].min())]  # the first repeat in the file
            raise KompasError(
                gettext_noop(
                    "values hold more than one row for area {area}, indicator {indicator}, "
                    "period {period}"
                ),
                column="area",
                value=row["area"],
                area=row["area"],
                indicator=row["indicator"],
                period=row["period"],
            )
        positions = {str(key): i for i, key in enumerate(indicators)}
        feeds = np.zeros((n_ind, n_out))  # indicator i is an input of output k
        for k, inputs in enumerate(self._inputs):
            for key in inputs:
                if key is not None and (position := positions.get(key, -1)) >= 0:
                    feeds[position, k] = 1.0

        # Presence: which outputs occur per (scope, period), from every row (members or not).
        if scopes is None:
            scope_codes, scope_labels = np.zeros(n_area, dtype=np.int64), [None]
        else:
            scope_codes, scope_index = pd.factorize(
                pd.Series([scopes.get(a) for a in areas], dtype=object), use_na_sentinel=False
            )
            scope_labels = list(scope_index.tolist())
        pair = scope_codes[area_codes].astype(np.int64) * n_per + period_codes
        pair_codes, pair_keys = pd.factorize(pair, sort=False)
        occurs = np.zeros((len(pair_keys), n_ind))
        occurs[pair_codes, indicator_codes] = 1.0
        present = (occurs @ feeds) > 0
        for j, pair_code in enumerate(pair_keys.tolist()):
            label = (scope_labels[pair_code // n_per], period_labels[pair_code % n_per])
            before = self._present.get(label)
            self._present[label] = present[j] if before is None else before | present[j]

        # Sums over members: one row per (member area, period) with values.
        member_area = pd.Index(areas).get_indexer(membership["member"])
        linked = member_area >= 0
        if not linked.any():
            return
        group_codes, groups = pd.factorize(membership["group"][linked], sort=False)
        member_area = member_area[linked]
        group_labels = groups.tolist()
        # One row per (area, period) pair, whether or not it has values (as dense as the areas
        # and periods are: no hash table over the rows).
        row_codes = area_codes.astype(np.int64) * n_per + period_codes
        n_row = n_area * n_per
        dense = np.full((n_row, n_ind), np.nan)
        dense[row_codes, indicator_codes] = values["value"].to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        top = np.zeros((n_row, n_out))
        bottom = np.zeros((n_row, n_out))
        has = np.zeros((n_row, n_out))
        missing = np.full(n_row, np.nan)

        def column(key: str | None) -> FloatArray:
            if key is None or (position := positions.get(key, -1)) < 0:
                return missing
            result: FloatArray = dense[:, position]
            return result

        for k, key in enumerate(self.out_keys):
            spec = self.active[key]
            first, second = (column(key) for key in self._inputs[k])
            if spec.rule is AggregationRule.SUM:
                ok = ~np.isnan(first)
                top[:, k] = np.where(ok, first, 0.0)
            elif spec.rule is AggregationRule.RATIO:
                ok = ~np.isnan(first) & ~np.isnan(second)
                top[:, k] = np.where(ok, first, 0.0)
                bottom[:, k] = np.where(ok, second, 0.0)
            else:
                ok = ~np.isnan(first) & ~np.isnan(second)
                top[:, k] = np.where(ok, first * second, 0.0)
                bottom[:, k] = np.where(ok, second, 0.0)
            has[:, k] = ok

        # Each membership link meets the member's rows, one per period: (group, period) ← row.
        row_area = np.repeat(np.arange(n_area, dtype=np.int64), n_per)
        row_period = np.tile(np.arange(n_per, dtype=np.int64), n_area)
        by_area = np.argsort(row_area, kind="stable")
        first_row = np.searchsorted(row_area[by_area], member_area, side="left")
        last_row = np.searchsorted(row_area[by_area], member_area, side="right")
        counts = last_row - first_row
        link_of = np.repeat(np.arange(len(member_area)), counts)
        rows = by_area[
            np.repeat(first_row - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        ]
        target = group_codes[link_of].astype(np.int64) * n_per + row_period[rows]
        target_codes, target_keys = pd.factorize(target, sort=False)
        incidence = sparse.csr_matrix(
            (np.ones(len(rows)), (target_codes, rows)), shape=(len(target_keys), n_row)
        )
        index = np.array(
            [
                self._row(group_labels[key // n_per], period_labels[key % n_per])
                for key in target_keys.tolist()
            ],
            dtype=np.int64,
        )
        self._top.add(index, incidence @ top)
        self._bottom.add(index, incidence @ bottom[:, self._shares])
        self._have.add(index, np.rint(incidence @ has))

    def _row(self, group: object, period: object) -> int:
        key = (group, period)
        row = self._rows.get(key)
        if row is None:
            row = self._rows[key] = len(self._rows)
        return row

    def result(
        self,
        n_members: Mapping[object, int],
        scopes: Mapping[object, object] | None = None,
    ) -> pd.DataFrame:
        """The groups' values, as `aggregate` returns them: a row per group in `n_members`
        (group → its number of members), per output and period occurring in its scope
        (`scopes` maps a group to it; None for all by default)."""
        if not self.out_keys or not n_members:
            return _empty_result()
        by_scope: dict[object, list[tuple[object, npt.NDArray[np.bool_]]]] = {}
        for (scope, period), mask in self._present.items():
            by_scope.setdefault(scope, []).append((period, mask))
        group_of: list[object] = []
        period_of: list[object] = []
        members_of: list[int] = []
        sums_row: list[int] = []
        masks: list[npt.NDArray[np.bool_]] = []
        for group, count in n_members.items():
            scope = scopes.get(group) if scopes is not None else None
            for period, mask in by_scope.get(scope, ()):
                group_of.append(group)
                period_of.append(period)
                members_of.append(int(count))
                sums_row.append(self._rows.get((group, period), -1))
                masks.append(mask)
        if not masks:
            return _empty_result()
        pair_idx, k_idx = np.nonzero(np.vstack(masks))
        rows = np.asarray(sums_row, dtype=np.int64)[pair_idx]
        seen = rows >= 0
        safe = np.where(seen, rows, 0)
        have = np.where(seen, self._have.take(safe, k_idx), 0).astype(np.int64)
        numerator_sum = np.where(seen, self._top.take(safe, k_idx), 0.0)
        share = self._bottom_of[k_idx]
        denominator_sum = np.where(
            seen & (share >= 0), self._bottom.take(safe, np.maximum(share, 0)), 0.0
        )
        rules_of = np.array([self.active[key].rule.value for key in self.out_keys])[k_idx]
        scales = np.array([self.active[key].scale for key in self.out_keys])[k_idx]
        members = np.asarray(members_of, dtype=np.int64)[pair_idx]
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
                "group": np.asarray(group_of, dtype=object)[pair_idx],
                "indicator": np.asarray(self.out_keys, dtype=object)[k_idx],
                "period": np.asarray(period_of, dtype=object)[pair_idx],
                "value": value.astype(np.float64),
                "n_members": members,
                "n_missing": members - have,
                "is_complete": have == members,
            }
        )
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


def _codes(column: pd.Series) -> tuple[IntArray, pd.Index]:
    """Integer codes of a column and its distinct values; integers by sorting, which takes
    less memory than pandas' hash table."""
    if pd.api.types.is_integer_dtype(column.dtype):
        distinct, inverse = np.unique(column.to_numpy(), return_inverse=True)
        return inverse.reshape(-1), pd.Index(distinct)
    codes, uniques = pd.factorize(column, sort=False)
    return codes, pd.Index(uniques)


class _Rows:
    """A table of sums that grows by rows, kept in blocks so that growing copies nothing."""

    BLOCK = 256

    def __init__(self, width: int, dtype: type) -> None:
        self.width, self.dtype = width, dtype
        self.blocks: list[npt.NDArray[Any]] = []

    def add(self, index: IntArray, values: npt.NDArray[Any]) -> None:
        """Add ``values[i]`` to row ``index[i]`` (distinct rows)."""
        if not len(index) or not self.width:
            return
        while len(self.blocks) <= int(index.max()) // self.BLOCK:
            self.blocks.append(np.zeros((self.BLOCK, self.width), dtype=self.dtype))
        block, row = np.divmod(index, self.BLOCK)
        for b in np.unique(block).tolist():
            here = block == b
            self.blocks[b][row[here]] += values[here].astype(self.dtype)

    def take(self, rows: IntArray, columns: IntArray) -> npt.NDArray[Any]:
        """The cells (rows[i], columns[i]); rows never added to are 0."""
        out: npt.NDArray[Any] = np.zeros(len(rows), dtype=self.dtype)
        if not self.width:
            return out
        block, row = np.divmod(rows, self.BLOCK)
        for b in np.unique(block).tolist():
            if b < len(self.blocks):
                here = block == b
                out[here] = self.blocks[b][row[here], columns[here]]
        return out


def _check_values(values: pd.DataFrame) -> None:
    _require_columns(values, VALUE_COLUMNS, "values")
    if not pd.api.types.is_numeric_dtype(values["value"]) and len(values):
        raise KompasError(gettext_noop("values must be numbers"), column="value")


def _checked_membership(membership: pd.DataFrame) -> pd.DataFrame:
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
    return membership


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
