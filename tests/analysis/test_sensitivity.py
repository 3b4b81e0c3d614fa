"""Weight sensitivity (Monte-Carlo) and leave-one-indicator-out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gebiedskompas.analysis.domain.methods import METHODS
from gebiedskompas.analysis.domain.model import AnalysisInput, Direction, DomainSpec, IndicatorSpec
from gebiedskompas.analysis.domain.sensitivity import (
    leave_one_indicator_out,
    ordinal_ranks,
    weight_sensitivity,
)
from gebiedskompas.core.errors import KompasError

pytestmark = pytest.mark.unit

WORSE = Direction.HIGHER_IS_WORSE


def make_input(n: int = 40, seed: int = 3) -> AnalysisInput:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        rng.random((n, 4)) + 0.1, columns=list("abcd"), index=[f"BU{i:03d}" for i in range(n)]
    )
    domains = (
        DomainSpec("A", 2.0, (IndicatorSpec("a", WORSE), IndicatorSpec("b", WORSE))),
        DomainSpec("B", 1.0, (IndicatorSpec("c", WORSE),)),
        DomainSpec("C", 1.0, (IndicatorSpec("d", Direction.HIGHER_IS_BETTER),)),
    )
    return AnalysisInput(table, domains)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_interval_contains_base_rank_and_probabilities_are_shares(method: str) -> None:
    result = METHODS[method].run(make_input())
    sens = weight_sensitivity(result, draws=200, top_k=5, seed=1)
    t = sens.table
    assert ((t["rank_low"] <= t["base_rank"]) & (t["base_rank"] <= t["rank_high"])).all()
    assert (t["rank_p05"] <= t["rank_p95"]).all()
    assert t["p_top_k"].between(0.0, 1.0).all()
    # each draw puts exactly top_k areas in the top k
    assert t["p_top_k"].sum() == pytest.approx(5.0)
    assert (t["base_rank"] == ordinal_ranks(result)).all()


def test_same_seed_gives_the_same_table_and_another_seed_may_differ() -> None:
    result = METHODS["zscore"].run(make_input())
    first = weight_sensitivity(result, draws=100, concentration=5.0, seed=42).table
    again = weight_sensitivity(result, draws=100, concentration=5.0, seed=42).table
    other = weight_sensitivity(result, draws=100, concentration=5.0, seed=43).table
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


def test_tight_draws_stay_at_the_base_rank_and_loose_draws_widen_the_whiskers() -> None:
    result = METHODS["zscore"].run(make_input())
    tight = weight_sensitivity(result, draws=100, concentration=1e7, seed=0).table
    loose = weight_sensitivity(result, draws=100, concentration=1.0, seed=0).table
    assert (tight["rank_p05"] == tight["base_rank"]).all()
    assert (tight["rank_p95"] == tight["base_rank"]).all()
    width = lambda t: (t["rank_high"] - t["rank_low"]).mean()  # noqa: E731
    assert width(loose) > width(tight)


def test_an_area_worst_on_every_domain_is_first_in_every_draw() -> None:
    inp = make_input()
    table = inp.table.copy()
    table.loc["BU000"] = [5.0, 5.0, 5.0, 0.0]
    result = METHODS["zscore"].run(AnalysisInput(table, inp.domains))
    sens = weight_sensitivity(result, draws=300, top_k=1, seed=0).table
    assert sens.at["BU000", "p_top_k"] == 1.0
    assert sens.at["BU000", "rank_high"] == 1


def test_sensitivity_rejects_nonsense_settings() -> None:
    result = METHODS["zscore"].run(make_input())
    with pytest.raises(KompasError, match="draws must be at least 1"):
        weight_sensitivity(result, draws=0)
    with pytest.raises(KompasError, match="concentration must be above 0"):
        weight_sensitivity(result, concentration=0.0)


def test_leave_one_indicator_out_gives_one_rank_column_per_indicator() -> None:
    inp = make_input()
    table = leave_one_indicator_out(METHODS["zscore"], inp)
    assert [c for c in table.columns if c.startswith("without:")] == [
        "without:a",
        "without:b",
        "without:c",
        "without:d",
    ]
    assert (table["rank_min"] <= table["rank_max"]).all()
    assert (table["max_shift"] >= 0).all()
    for col in ("without:a", "without:d"):
        assert sorted(table[col].astype(int)) == list(range(1, len(table) + 1))


def test_leaving_out_an_indicator_that_decides_nothing_changes_no_rank() -> None:
    inp = make_input()
    table = inp.table.copy()
    table["e"] = np.linspace(1.0, 2.0, len(table))
    domains = (*inp.domains, DomainSpec("E", 0.0, (IndicatorSpec("e", WORSE),)))
    loo = leave_one_indicator_out(METHODS["zscore"], AnalysisInput(table, domains))
    assert (loo["without:e"] == loo["base_rank"]).all()
