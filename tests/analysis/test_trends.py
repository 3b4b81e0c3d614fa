"""Change since the previous period, boundary breaks, and areas worsening on several domains."""

from __future__ import annotations

import pandas as pd
import pytest

from gebiedskompas.analysis.domain.model import Direction, DomainSpec, IndicatorSpec
from gebiedskompas.analysis.domain.trends import (
    areas_worsening,
    domain_changes,
    indicator_changes,
)
from gebiedskompas.core.errors import KompasError

pytestmark = pytest.mark.unit

DIRECTIONS = {
    "bijstand": Direction.HIGHER_IS_WORSE,
    "werk": Direction.HIGHER_IS_BETTER,
    "inwoners": Direction.NEUTRAL,
}
DOMAINS = (
    DomainSpec("sociaal", None, (IndicatorSpec("bijstand", Direction.HIGHER_IS_WORSE),)),
    DomainSpec("economie", None, (IndicatorSpec("werk", Direction.HIGHER_IS_BETTER),)),
)


def observations() -> pd.DataFrame:
    rows = []
    # A worsens on both domains in 2022; B improves; C is split by a boundary change in 2022.
    values = {
        "A": {"bijstand": (10, 10, 14), "werk": (60, 61, 55)},
        "B": {"bijstand": (20, 18, 16), "werk": (50, 52, 54)},
        "C": {"bijstand": (15, 15, 30), "werk": (70, 70, 40)},
    }
    for area, inds in values.items():
        for ind, series in inds.items():
            for period, value in zip((2020, 2021, 2022), series, strict=True):
                rows.append((area, ind, period, float(value)))
        rows.append((area, "inwoners", 2022, 1000.0))
    return pd.DataFrame(rows, columns=["area", "indicator", "period", "value"])


def test_change_is_measured_from_the_previous_period_with_improvement_signed() -> None:
    ch = indicator_changes(observations(), DIRECTIONS)
    row = ch[(ch["area"] == "A") & (ch["indicator"] == "bijstand") & (ch["period"] == 2022)]
    assert row["previous_period"].item() == 2021
    assert row["change"].item() == 4.0
    assert row["improvement"].item() == -4.0
    assert row["relative_change"].item() == pytest.approx(0.4)
    werk = ch[(ch["area"] == "B") & (ch["indicator"] == "werk") & (ch["period"] == 2021)]
    assert werk["improvement"].item() == 2.0
    # a series with one period has no change
    assert ch[ch["indicator"] == "inwoners"].empty


def test_boundary_break_excludes_or_flags_the_change_that_spans_it() -> None:
    excluded = indicator_changes(observations(), DIRECTIONS, breaks={("C", 2022)})
    assert not ((excluded["area"] == "C") & (excluded["period"] == 2022)).any()
    assert ((excluded["area"] == "C") & (excluded["period"] == 2021)).any()
    flagged = indicator_changes(observations(), DIRECTIONS, breaks={("C", 2022)}, on_break="flag")
    c22 = flagged[(flagged["area"] == "C") & (flagged["period"] == 2022)]
    assert len(c22) == 2 and c22["is_break"].all()
    assert not flagged[flagged["area"] != "C"]["is_break"].any()


def test_break_inside_a_gap_between_observed_periods_still_counts() -> None:
    obs = observations()
    obs = obs[~((obs["area"] == "C") & (obs["period"] == 2021))]
    ch = indicator_changes(obs, DIRECTIONS, breaks={("C", 2021)}, on_break="flag")
    c22 = ch[(ch["area"] == "C") & (ch["period"] == 2022)]
    assert c22["previous_period"].eq(2020).all() and c22["is_break"].all()


def test_areas_worsening_on_two_domains_at_once_are_listed() -> None:
    ch = indicator_changes(observations(), DIRECTIONS, breaks={("C", 2022)}, on_break="flag")
    dom = domain_changes(ch, DOMAINS)
    a22 = dom[(dom["area"] == "A") & (dom["period"] == 2022)].set_index("domain")
    assert (a22["score"] < 0).all() and (a22["n_worse"] == 1).all()
    c22 = dom[(dom["area"] == "C") & (dom["period"] == 2022)]
    assert (c22["n_breaks"] == 1).all() and (c22["n_indicators"] == 0).all()
    warn = areas_worsening(dom, min_domains=2)
    assert warn["area"].tolist() == ["A"]
    assert warn.loc[0, "domains"] == "economie,sociaal"
    assert warn.loc[0, "period"] == 2022


def test_trend_inputs_are_checked() -> None:
    obs = observations()
    with pytest.raises(KompasError, match="lack column 'value'"):
        indicator_changes(obs.drop(columns="value"), DIRECTIONS)
    with pytest.raises(KompasError, match="occurs more than once"):
        indicator_changes(pd.concat([obs, obs.head(1)]), DIRECTIONS)
    with pytest.raises(KompasError, match="indicator 'werk' has no direction"):
        indicator_changes(
            obs, {"bijstand": Direction.HIGHER_IS_WORSE, "inwoners": Direction.NEUTRAL}
        )


def test_a_change_equal_in_every_area_does_not_explode_the_domain_score() -> None:
    # +0.4 everywhere leaves a standard deviation of float noise (not 0): it must count as 0,
    # not as a change of 1e13 standard deviations.
    rows = []
    for i, area in enumerate(["a", "b", "c", "d"]):
        base = 60.1 + 7.3 * i
        rows += [(area, "werk", "2023", base), (area, "werk", "2024", base + 0.4)]
        rows += [(area, "bijstand", "2023", 10.0), (area, "bijstand", "2024", 10.0 + i)]
    changes = indicator_changes(
        pd.DataFrame(rows, columns=["area", "indicator", "period", "value"]), DIRECTIONS
    )
    out = domain_changes(changes, DOMAINS).set_index(["area", "domain"])
    assert (out.xs("economie", level="domain")["score"] == 0.0).all()
    assert out["score"].abs().max() < 10
