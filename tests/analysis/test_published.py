"""The ``imd`` and ``svi`` methods checked against published figures (tests/fixtures/published).

What each fixture allows is in its README: the IoD files give every LSOA's published domain
ranks, so the IMD combination step is reproduced row by row at the published precision; the
SVI 2020 county rows are a 20-row excerpt of the 3,143-county ranking universe, so the checks
are the ones an excerpt permits (where every published percentile rank must lie, what ties and
sums show), not a re-ranking of the whole US (ADR 0002).
"""

from __future__ import annotations

import functools
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from gebiedskompas import cli
from gebiedskompas.analysis.domain.methods import METHODS
from gebiedskompas.analysis.domain.model import (
    AnalysisInput,
    AnalysisResult,
    Direction,
    DomainSpec,
    IndicatorSpec,
)

pytestmark = pytest.mark.unit

PUBLISHED = Path(__file__).resolve().parents[1] / "fixtures" / "published"
WORSE = Direction.HIGHER_IS_WORSE


def read_fixture(name: str, id_column: str) -> pd.DataFrame:
    return pd.read_csv(PUBLISHED / name, dtype={id_column: str}).set_index(id_column)


# --- IMD -----------------------------------------------------------------------------------

IMD_DOMAINS = {
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_environment": "Living Environment",
}
IMD_SCORE = "Index of Multiple Deprivation (IMD) Score"
IMD_RANK = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"

# (fixture, id column, LSOAs ranked nationally, decimals of the IMD score in the file, rows)
IOD_EDITIONS = {
    # A copy of IoD2019 File 7 whose scores were rounded to one decimal (ranks untouched).
    "iod2019": ("iod2019_lsoa_head.csv.gz", "LSOA code (2011)", 32844, 1, 90),
    # IoD2025 File 7 as published (three decimals), Birmingham LSOAs.
    "iod2025": ("iod2025_lsoa_head.csv.gz", "LSOA code (2021)", 33755, 3, 30),
}


def imd_domains() -> tuple[DomainSpec, ...]:
    return tuple(DomainSpec(k, None, (IndicatorSpec(k, WORSE),)) for k in IMD_DOMAINS)


def rank_columns(data: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {k: data[f"{d} Rank (where 1 is most deprived)"] for k, d in IMD_DOMAINS.items()}
    ).astype(float)


def score_columns(data: pd.DataFrame) -> pd.DataFrame:
    names = {"Income": "Income Score (rate)", "Employment": "Employment Score (rate)"}
    return pd.DataFrame(
        {k: data[names.get(d, f"{d} Score")] for k, d in IMD_DOMAINS.items()}
    ).astype(float)


def imd_from_ranks(edition: str) -> tuple[pd.DataFrame, AnalysisResult]:
    name, id_column, n_areas, _, _ = IOD_EDITIONS[edition]
    data = read_fixture(name, id_column)
    inp = AnalysisInput(
        rank_columns(data),
        imd_domains(),
        parameters={"domain_input": "ranks", "n_areas": n_areas},
    )
    return data, METHODS["imd"].run(inp)


@pytest.mark.parametrize("edition", sorted(IOD_EDITIONS))
def test_imd_reproduces_every_published_imd_score_at_the_published_precision(
    edition: str,
) -> None:
    _, _, _, decimals, rows = IOD_EDITIONS[edition]
    data, result = imd_from_ranks(edition)
    ours = result.scores["score"]
    published = data[IMD_SCORE]
    assert len(ours) == len(published) == rows
    # Measured: 2019 (1-decimal copy) max |ours − published| = 0.0487; 2025 = 0.000485.
    worst = float((ours - published).abs().max())
    assert worst < 0.5 * 10.0**-decimals, f"{edition}: max abs difference {worst}"
    assert (ours.round(decimals) == published).all()


@pytest.mark.parametrize("edition", sorted(IOD_EDITIONS))
def test_imd_orders_the_areas_as_the_published_national_imd_rank(edition: str) -> None:
    # Our unrounded scores order the sample exactly as MHCLG's national IMD ranks do.
    data, result = imd_from_ranks(edition)
    ours_most_deprived_first = rankdata(-result.scores["score"].to_numpy(), method="ordinal")
    published = rankdata(data[IMD_RANK].to_numpy(), method="ordinal")
    assert ours_most_deprived_first.tolist() == published.tolist()


def test_imd_from_domain_scores_ranks_the_domains_as_the_iod_does() -> None:
    # Scores mode (higher score = more deprived in all seven domains, negative Health and Crime
    # scores included) orders every pair of LSOAs as the published domain ranks do. Pairs whose
    # three-decimal scores are equal in the file (Employment 0.277 and 0.292, twice each) are
    # left out: MHCLG ranked the unrounded scores. The 2019 copy, rounded to one decimal, is too
    # coarse for this.
    name, id_column, _, _, _ = IOD_EDITIONS["iod2025"]
    data = read_fixture(name, id_column)
    scores = score_columns(data)
    result = METHODS["imd"].run(AnalysisInput(scores, imd_domains()))
    published = rank_columns(data)
    compared = 0
    for key in IMD_DOMAINS:
        ours = result.scores[f"{key}_rank"].to_numpy()
        theirs = published[key].to_numpy()
        s = scores[key].to_numpy()
        distinct = s[:, None] != s[None, :]
        same_order = (ours[:, None] < ours[None, :]) == (theirs[:, None] < theirs[None, :])
        assert same_order[distinct].all(), key
        compared += int(distinct.sum()) // 2
    assert compared == 7 * 30 * 29 // 2 - 2  # all pairs but the two tied ones


# --- SVI -----------------------------------------------------------------------------------

SVI_FIXTURE = "svi2020_us_county_head.csv.gz"
SVI_COUNTIES = 3143  # rows of SVI2020_US_COUNTY.csv: the ranking universe of the excerpt
SVI_THEMES = {
    "THEME1": ("POV150", "UNEMP", "HBURD", "NOHSDP", "UNINSUR"),
    "THEME2": ("AGE65", "AGE17", "DISABL", "SNGPNT", "LIMENG"),
    "THEME3": ("MINRTY",),
    "THEME4": ("MUNIT", "MOBILE", "CROWD", "NOVEH", "GROUPQ"),
}
SVI_VARIABLES = tuple(v for vs in SVI_THEMES.values() for v in vs)


def svi_published() -> pd.DataFrame:
    return read_fixture(SVI_FIXTURE, "FIPS")


def units(series: pd.Series) -> np.ndarray:
    """Four-decimal published values as whole units of 0.0001."""
    return np.rint(series.to_numpy(dtype=float) * 10_000).astype(np.int64)


@functools.cache
def attainable_ranks(rounding: str) -> frozenset[int]:
    """Every percentile rank (in units of 0.0001) our svi can give in a 3,143-area run."""
    table = pd.DataFrame(
        {"v": np.arange(SVI_COUNTIES, dtype=float)},
        index=[f"c{i:04d}" for i in range(SVI_COUNTIES)],
    )
    inp = AnalysisInput(
        table,
        (DomainSpec("t", None, (IndicatorSpec("v", WORSE),)),),
        parameters={"rounding": rounding},
    )
    return frozenset(units(METHODS["svi"].run(inp).normalised["t:v"]).tolist())


def published_percentile_ranks(data: pd.DataFrame) -> list[int]:
    columns = [f"EPL_{v}" for v in SVI_VARIABLES]
    columns += [f"RPL_{t}" for t in SVI_THEMES] + ["RPL_THEMES"]
    return [int(u) for c in columns for u in units(data[c])]


def test_every_published_svi_percentile_rank_is_one_our_rounded_ranking_gives() -> None:
    # With N = 3,143 a step of 1/3,142 is wider than 0.0001, so only 3,143 of the 10,001
    # four-decimal values can occur at all; which ones depends on rounding versus truncation.
    published = published_percentile_ranks(svi_published())
    assert len(published) == 20 * 21
    assert set(published) <= attainable_ranks("round")


def test_the_published_svi_ranks_refute_truncation() -> None:
    published = published_percentile_ranks(svi_published())
    off_grid = [u for u in published if u not in attainable_ranks("truncate")]
    # Measured: 211 of the 420 values cannot come from truncating (k / 3,142).
    assert len(off_grid) > len(published) / 3


def test_published_theme_sums_add_the_four_decimal_ranks_and_flags_mark_ninety() -> None:
    # The aggregation svi implements: SPL = Σ of the rounded EPL, SPL_THEMES = Σ SPL,
    # F = EPL ≥ 0.90 on the rounded value, counted per theme and in total.
    data = svi_published()
    for theme, variables in SVI_THEMES.items():
        epl = sum(units(data[f"EPL_{v}"]) for v in variables)
        assert (epl == units(data[f"SPL_{theme}"])).all(), theme
        flags = sum(data[f"F_{v}"] for v in variables)
        assert (flags == data[f"F_{theme}"]).all(), theme
    assert (sum(units(data[f"SPL_{t}"]) for t in SVI_THEMES) == units(data["SPL_THEMES"])).all()
    for v in SVI_VARIABLES:
        assert ((data[f"EPL_{v}"] >= 0.90).astype(int) == data[f"F_{v}"]).all(), v
    assert (sum(data[f"F_{t}"] for t in SVI_THEMES) == data["F_TOTAL"]).all()


def per_variable_config(columns: dict[str, str]) -> str:
    """A TOML config with one svi domain per variable, each scoring the given column."""
    lines = ['method = "svi"', 'id = "FIPS"']
    for variable, column in columns.items():
        lines += [
            "[[domains]]",
            f'name = "{variable}"',
            f'indicators = [ {{ column = "{column}", direction = "higher_is_worse" }} ]',
        ]
    return "\n".join(lines) + "\n"


def analyse_table_via_cli(tmp_path: Path, columns: dict[str, str], label: str) -> pd.DataFrame:
    data = tmp_path / "svi.csv"
    if not data.exists():
        with gzip.open(PUBLISHED / SVI_FIXTURE, "rt", encoding="utf-8") as fh:
            data.write_text(fh.read(), encoding="utf-8")
    config = tmp_path / f"{label}.toml"
    config.write_text(per_variable_config(columns), encoding="utf-8")
    out = tmp_path / f"{label}.out.csv"
    assert cli.main(["analyse", "table", str(data), "--config", str(config), "-o", str(out)]) == 0
    return pd.read_csv(out, dtype={"FIPS": str}).set_index("FIPS")


def test_cdc_ranked_the_published_one_decimal_values_ties_included(tmp_path: Path) -> None:
    # `kompas analyse table` ranks the 20 counties among themselves twice: on the published
    # inputs and on CDC's published national percentile ranks. Equal results for every
    # variable mean CDC's EPL is a rank-preserving function of the published value: the
    # excerpt's 37 pairs of counties with equal EP_ (one decimal) share their EPL, so CDC
    # ranked the rounded EP_ values as published, not unrounded estimates. Housing burden
    # is the exception CDC corrected on 22 Dec 2022: this release ranked E_HBURD (a count).
    inputs = {v: f"EP_{v}" for v in SVI_VARIABLES} | {"HBURD": "E_HBURD"}
    ours = analyse_table_via_cli(tmp_path, inputs, "inputs")
    cdc = analyse_table_via_cli(tmp_path, {v: f"EPL_{v}" for v in SVI_VARIABLES}, "cdc")
    assert len(ours) == 20
    for v in SVI_VARIABLES:
        assert ours[f"{v}_rank"].tolist() == cdc[f"{v}_rank"].tolist(), v


def test_the_published_housing_burden_ranks_are_not_those_of_ep_hburd(tmp_path: Path) -> None:
    ours = analyse_table_via_cli(tmp_path, {"HBURD": "EP_HBURD"}, "ep_hburd")
    cdc = analyse_table_via_cli(tmp_path, {"HBURD": "EPL_HBURD"}, "cdc_hburd")
    assert ours["HBURD_rank"].tolist() != cdc["HBURD_rank"].tolist()


def test_the_fixtures_are_small_and_gzipped() -> None:
    for path in PUBLISHED.glob("*.csv.gz"):
        assert path.stat().st_size < 1_000_000
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            assert pd.read_csv(io.StringIO(fh.read())).shape[0] > 0
