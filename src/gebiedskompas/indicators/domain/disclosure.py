"""Statistical disclosure control for public output (``--public``, anonymous pages, open exports).

What CBS does in *Kerncijfers wijken en buurten* (table 85984NED, 2024; the table description
and the ``DataProperties`` metadata, as in ``../shared/data/kerncijfers/`` and on
https://www.cbs.nl/nl-nl/cijfers/detail/85984NED; see also the *Toelichting Wijk- en Buurtkaart
2020, 2021 en 2022*, section 4.1, https://www.cbs.nl/nl-nl/longread/diversen/2022/
toelichting-wijk-en-buurtkaart-2020-2021-en-2022/4-beschrijving-van-het-onderliggende-onderzoek:
"om redenen van betrouwbaarheid en geheimhouding kunnen gegevens ontbreken"):

- Counts at wijk and buurt level are rounded *at random* to multiples of 5 ("aselect afgerond op
  veelvouden van 5", theme *Bevolking*); gemeente totals are not rounded. Some themes round to
  tens (education, energy) or hundreds (income recipients).
- Relative figures are only given above a minimum base, chosen per indicator: births and deaths
  per 1,000 are set to unknown below 10 inhabitants; housing percentages need 20 dwellings;
  labour participation 150 inhabitants; income percentages 100 households or persons; mean
  income per inhabitant 2,500 persons; cars per household 50 households.
- Near 0 and 100 percentages are coarsened: for gemeenten, a district-heating percentage below 5
  or above 95 is rounded to a multiple of 5.
- Education counts: areas under 30 inhabitants are suppressed, "and extra buurten/wijken may be
  suppressed because of the risk of indirect disclosure" (complementary suppression); care (Wmo,
  jeugdzorg) counts 0 to 7 are shown as secret.

Our reading, recorded in ``docs/adr/0001-disclosure-control.md``: one `DisclosurePolicy` per
indicator with the area's inhabitants as the base (default 50); counts of areas below it are
suppressed as well, since rounding does not hide a small count; counts are rounded half away
from zero (deterministic, so two exports agree and cannot be averaged); percentages may be capped
at both ends; and complementary suppression within the area tree, so that no suppressed count
can be recovered as its parent's total minus its public siblings, nor a suppressed parent as the
sum of its public children. No Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from gebiedskompas.core.errors import KompasError, gettext_noop

CELL_COLUMNS: Final = ("area", "parent", "indicator", "period", "value", "population")

Kind = Literal["count", "rate", "mean", "percentage"]
KINDS: Final[frozenset[str]] = frozenset({"count", "rate", "mean", "percentage"})

REASON_PUBLIC: Final = ""
REASON_MISSING: Final = "missing"
REASON_SMALL_POPULATION: Final = "small_population"
REASON_UNKNOWN_POPULATION: Final = "unknown_population"
REASON_COMPLEMENTARY: Final = "complementary"
REASON_BELOW_CAP: Final = "below_cap"
REASON_ABOVE_CAP: Final = "above_cap"


@dataclass(frozen=True, kw_only=True)
class DisclosurePolicy:
    """How one indicator may be shown publicly.

    `min_population`: inhabitants an area needs for its value to be shown (any kind).
    `round_counts_to`: counts are rounded half away from zero to a multiple of this (1 = whole
    numbers). `kind`: only counts are rounded and protected by complementary suppression.
    `cap_percentage_low` / `cap_percentage_high`: a percentage below (above) the cap is shown as
    the cap, with reason ``below_cap`` (``above_cap``), for display as "< 5" or "> 95".
    """

    kind: Kind
    min_population: int = 50
    round_counts_to: int = 5
    cap_percentage_low: float | None = None
    cap_percentage_high: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise KompasError(
                gettext_noop("disclosure kind must be one of {join_sorted_kinds}, not {kind!r}"),
                value=self.kind,
                join_sorted_kinds=", ".join(sorted(KINDS)),
                kind=self.kind,
            )
        if self.min_population < 0:
            raise KompasError(
                gettext_noop("min_population must be 0 or more, not {min_population}"),
                value=self.min_population,
                min_population=self.min_population,
            )
        if self.round_counts_to < 1:
            raise KompasError(
                gettext_noop("round_counts_to must be 1 or more, not {round_counts_to}"),
                value=self.round_counts_to,
                round_counts_to=self.round_counts_to,
            )
        low, high = self.cap_percentage_low, self.cap_percentage_high
        if (low is not None or high is not None) and self.kind != "percentage":
            raise KompasError(
                gettext_noop("percentage caps apply to percentages only, not to a {kind}"),
                kind=self.kind,
            )
        if low is not None and high is not None and low >= high:
            raise KompasError(
                gettext_noop(
                    "cap_percentage_low ({low}) must be below cap_percentage_high ({high})"
                ),
                low=low,
                high=high,
            )


def round_half_away_from_zero(
    values: npt.ArrayLike, unit: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Round to a multiple of `unit` (one, or one per value), halves away from zero.

    With unit 5: 12 → 10, 13 → 15, 2.5 → 5, -2.5 → -5, 0 → 0; NaN stays NaN.
    """
    numbers = np.asarray(values, dtype=np.float64)
    units = np.asarray(unit, dtype=np.float64)
    magnitude = np.floor(np.abs(numbers) / units + 0.5) * units
    rounded: npt.NDArray[np.float64] = np.where(numbers < 0, -magnitude, magnitude) + 0.0
    return rounded  # + 0.0 above turns -0.0 into 0.0


def apply_disclosure(cells: pd.DataFrame, policies: Mapping[str, DisclosurePolicy]) -> pd.DataFrame:
    """Return `cells` with the public value of each, suppressed where it would disclose.

    `cells` has columns ``area, parent, indicator, period, value, population``: ``population`` is
    the area's inhabitants, ``parent`` the code of the area it lies in (None/NaN at the root); a
    parent's own cell is a row too where it is known. Every indicator needs a policy.

    Returns the same rows, in the same order and with the same index, plus ``public_value``
    (float, NaN when not shown), ``is_suppressed`` (bool) and ``reason``: ``""`` shown (counts
    rounded), ``"missing"`` no value to show, ``"small_population"`` / ``"unknown_population"``
    primary suppression, ``"complementary"`` suppressed so that another cell cannot be derived,
    ``"below_cap"`` / ``"above_cap"`` a percentage shown as its cap.

    Complementary suppression, for count indicators per indicator and period, repeated until
    nothing changes: (a) where a parent's total is shown and exactly one child is hidden
    (suppressed or missing), the shown sibling with the smallest population (then the smallest
    area code) is suppressed too; a parent with a single child, hidden, is suppressed itself;
    (b) where a parent is hidden but all its children are shown, its smallest child is suppressed.
    The result is deterministic and does not depend on row order.

    Raises `KompasError` on a missing column, non-numeric values or populations, a duplicate cell,
    an area that is its own parent, or an indicator without a policy.
    """
    _require_columns(cells, CELL_COLUMNS, "cells")
    for name in ("value", "population"):
        if len(cells) and not pd.api.types.is_numeric_dtype(cells[name]):
            raise KompasError(gettext_noop("cells must hold numbers here"), column=name)
    unknown = sorted(set(cells["indicator"].unique()) - set(policies))
    if unknown:
        raise KompasError(
            gettext_noop("no disclosure policy for indicator {join_unknown}"),
            column="indicator",
            value=unknown[0],
            join_unknown=", ".join(map(str, unknown)),
        )
    duplicated = cells.duplicated(subset=["area", "indicator", "period"])
    if duplicated.any():
        row = cells[duplicated].iloc[0]
        raise KompasError(
            gettext_noop(
                "cells hold more than one row for area {area}, indicator {indicator}, period "
                "{period}"
            ),
            column="area",
            value=row["area"],
            area=row["area"],
            indicator=row["indicator"],
            period=row["period"],
        )
    own_parent = cells["parent"].notna() & (cells["parent"] == cells["area"])
    if own_parent.any():
        area = cells.loc[own_parent, "area"].iloc[0]
        raise KompasError(
            gettext_noop("area {area} is given as its own parent"),
            column="parent",
            value=area,
            area=area,
        )

    frame = cells.reset_index(drop=True)
    value = frame["value"].astype(np.float64)
    population = frame["population"].astype(np.float64).to_numpy(copy=True)
    indicator = frame["indicator"]

    def policy_field(name: str) -> npt.NDArray[np.float64]:
        mapping = {key: getattr(policy, name) for key, policy in policies.items()}
        field: npt.NDArray[np.float64] = indicator.map(mapping).to_numpy(
            dtype=np.float64, na_value=np.nan, copy=True
        )
        return field

    kinds = indicator.map({key: policy.kind for key, policy in policies.items()})
    is_count = (kinds == "count").to_numpy(copy=True)
    is_missing = value.isna().to_numpy(copy=True)
    unknown_population = np.isnan(population) & ~is_missing
    with np.errstate(invalid="ignore"):
        small = (population < policy_field("min_population")) & ~is_missing

    reason = np.full(len(frame), REASON_PUBLIC, dtype=object)
    reason[is_missing] = REASON_MISSING
    reason[small] = REASON_SMALL_POPULATION
    reason[unknown_population] = REASON_UNKNOWN_POPULATION
    suppressed = small | unknown_population

    if is_count.any():
        count_rows = np.flatnonzero(is_count)
        hidden = _complementary(frame.loc[is_count], suppressed[count_rows], is_missing[count_rows])
        newly = np.zeros(len(frame), dtype=bool)
        newly[count_rows[hidden]] = True
        newly &= ~suppressed
        reason[newly] = REASON_COMPLEMENTARY
        suppressed |= newly

    rounded = round_half_away_from_zero(value, policy_field("round_counts_to"))
    public = np.where(is_count, rounded, value.to_numpy())
    low, high = policy_field("cap_percentage_low"), policy_field("cap_percentage_high")
    with np.errstate(invalid="ignore"):
        below = (public < low) & ~suppressed
        above = (public > high) & ~suppressed
    public = np.where(below, low, np.where(above, high, public))
    reason[below] = REASON_BELOW_CAP
    reason[above] = REASON_ABOVE_CAP
    public[suppressed] = np.nan

    result = cells.copy()
    result["public_value"] = public.astype(np.float64)
    result["is_suppressed"] = suppressed
    result["reason"] = reason
    return result


def _complementary(
    counts: pd.DataFrame, suppressed: npt.NDArray[np.bool_], missing: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """Return which count cells must be suppressed, starting from `suppressed`.

    Works on all indicators and periods at once: a cell's siblings and parent are the cells with
    the same indicator and period. A missing cell needs no protection and gives none: hiding it
    would hide nothing, and a reader may know it is (near) zero.
    """
    frame = pd.DataFrame(
        {
            "slice": pd.factorize(
                pd.MultiIndex.from_arrays([counts["indicator"], counts["period"]])
            )[0],
            "area": counts["area"].astype(str).to_numpy(),
            "parent": counts["parent"].to_numpy(),
            "population": counts["population"].astype(np.float64).to_numpy(),
        }
    )
    frame["row"] = np.arange(len(frame))
    hidden = suppressed.copy()

    # Each child row beside the row of its parent's cell; children of parents without a cell
    # have no total to be subtracted from and drop out.
    has_parent = frame["parent"].notna()
    with_parent = frame[has_parent].assign(parent=lambda f: f["parent"].astype(str))
    parents = frame.loc[:, ["slice", "area", "row"]].rename(
        columns={"area": "parent", "row": "parent_row"}
    )
    children = with_parent.merge(parents, on=["slice", "parent"], how="inner")
    if children.empty:
        return hidden
    # Deterministic preference: smallest population first, then area code.
    children = children.sort_values(
        ["parent_row", "population", "area"], na_position="first", kind="stable"
    ).reset_index(drop=True)
    child_rows = children["row"].to_numpy()
    parent_of = children["parent_row"].to_numpy()
    family = pd.Series(parent_of)
    child_missing = missing[child_rows]
    parent_missing = missing[parent_of]

    while True:
        child_hidden = hidden[child_rows]
        candidate = ~child_hidden & ~child_missing
        n_hidden = pd.Series(child_hidden).groupby(family).transform("sum").to_numpy()
        n_candidates = pd.Series(candidate).groupby(family).transform("sum").to_numpy()
        parent_hidden = hidden[parent_of]
        parent_shown = ~parent_hidden & ~parent_missing
        # (a) a shown total with exactly one hidden child: hide the first shown sibling, or,
        #     when there is none, the total itself.
        rule_a = parent_shown & (n_hidden == 1)
        # (b) a hidden total whose children are all shown: hide the first child.
        rule_b = parent_hidden & (n_hidden == 0)
        chosen = pd.Series((rule_a | rule_b) & candidate)
        first = (chosen & (chosen.groupby(family).cumsum() == 1)).to_numpy()
        to_hide = np.concatenate([child_rows[first], parent_of[rule_a & (n_candidates == 0)]])
        if hidden[to_hide].all():
            return hidden
        hidden[to_hide] = True


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
