"""Invariants every method must keep, checked with hypothesis (derandomized)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gebiedskompas.analysis.domain.methods import METHODS
from gebiedskompas.analysis.domain.model import AnalysisInput, Direction, DomainSpec, IndicatorSpec
from gebiedskompas.analysis.domain.sensitivity import ordinal_ranks

pytestmark = pytest.mark.unit

DOMAINS = (
    DomainSpec(
        "A",
        None,
        (
            IndicatorSpec("a", Direction.HIGHER_IS_WORSE),
            IndicatorSpec("b", Direction.HIGHER_IS_BETTER),
        ),
    ),
    DomainSpec("B", None, (IndicatorSpec("c", Direction.HIGHER_IS_WORSE),)),
)
METHOD_KEYS = sorted(METHODS)
SETTINGS = settings(derandomize=True, max_examples=40, deadline=None)


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=3, max_value=12))
    column = st.lists(
        st.integers(min_value=100, max_value=10_000).map(lambda v: v / 100),
        min_size=n,
        max_size=n,
        unique=True,
    )
    data = {c: draw(column) for c in "abc"}
    return pd.DataFrame(data, index=[f"BU{i:04d}" for i in range(n)])


def need_of(method: str, table: pd.DataFrame) -> pd.Series:
    result = METHODS[method].run(AnalysisInput(table, DOMAINS))
    w = np.array([result.weights[c] for c in result.need.columns])
    return pd.Series(result.need.to_numpy() @ w, index=result.need.index)


@pytest.mark.parametrize("method", METHOD_KEYS)
@SETTINGS
@given(table=tables(), seed=st.integers(min_value=0, max_value=2**16))
def test_result_does_not_depend_on_row_order(method: str, table: pd.DataFrame, seed: int) -> None:
    shuffled = table.sample(frac=1.0, random_state=seed)
    first = METHODS[method].run(AnalysisInput(table, DOMAINS)).scores
    second = METHODS[method].run(AnalysisInput(shuffled, DOMAINS)).scores.loc[first.index]
    pd.testing.assert_frame_equal(first, second, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("method", METHOD_KEYS)
@SETTINGS
@given(table=tables())
def test_ranks_are_a_permutation(method: str, table: pd.DataFrame) -> None:
    result = METHODS[method].run(AnalysisInput(table, DOMAINS))
    n = len(table)
    ordinal = ordinal_ranks(result)
    assert sorted(ordinal) == list(range(1, n + 1))
    if method == "svi":
        assert result.scores["rank"].between(0.0, 1.0).all()
        assert result.scores["rank"].min() == 0.0  # nothing lies below the lowest sum
    else:
        assert sorted(result.scores["rank"]) == list(range(1, n + 1))
        for d in ("A", "B"):
            assert sorted(result.scores[f"{d}_rank"]) == list(range(1, n + 1))
        # the method's own rank is the one sensitivity analysis starts from
        assert (result.scores["rank"] == ordinal).all()


@pytest.mark.parametrize("method", METHOD_KEYS)
@pytest.mark.parametrize(("column", "step"), [("a", 5.0), ("b", -5.0), ("c", 5.0)])
@SETTINGS
@given(table=tables(), row=st.integers(min_value=0, max_value=11))
def test_moving_an_indicator_in_its_worse_direction_never_lowers_the_need(
    method: str, column: str, step: float, table: pd.DataFrame, row: int
) -> None:
    area = table.index[row % len(table)]
    worse = table.copy()
    worse.loc[area, column] = max(worse.loc[area, column] + step, 0.5)
    before = need_of(method, table)[area]
    after = need_of(method, worse)[area]
    assert after >= before - 1e-9
