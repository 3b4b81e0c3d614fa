"""An SVI-style index of Enschede's 70 buurten from real CBS tables (../shared/data).

The 2024 KWB first release has every income column empty (shared/data/README.md §1), so the
low-income theme uses the share of 15-to-AOW-age residents on bijstand from CBS 83173NED
(December 2015); Enschede's 70 buurtcodes are the same in both years (README, top).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from gebiedskompas.analysis.domain.methods import METHODS
from gebiedskompas.analysis.domain.model import (
    AnalysisInput,
    Direction,
    DomainSpec,
    IndicatorSpec,
    MissingPolicy,
)
from gebiedskompas.analysis.domain.sensitivity import weight_sensitivity

pytestmark = pytest.mark.realdata

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_data() -> Path:
    env = os.environ.get("KOMPAS_SHARED_DATA")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


DATA = shared_data()
KWB = DATA / "kerncijfers" / "kwb2024_85984NED_enschede.csv"
UITKERINGEN = DATA / "cbs_buurt_thema" / "uitkeringen_2015_kwartaal_83173NED_enschede.csv"

if not (KWB.is_file() and UITKERINGEN.is_file()):
    pytest.skip(
        f"real CBS data not found under {DATA} (set KOMPAS_SHARED_DATA to the shared/data folder)",
        allow_module_level=True,
    )

WORSE = Direction.HIGHER_IS_WORSE
BETTER = Direction.HIGHER_IS_BETTER
DOMAINS = (
    DomainSpec(
        "inkomen_werk",
        None,
        (
            IndicatorSpec("pct_bijstand", WORSE),
            IndicatorSpec("pct_ww", WORSE),
            IndicatorSpec("pct_ao", WORSE),
        ),
    ),
    DomainSpec(
        "huishoudens",
        None,
        (
            IndicatorSpec("pct_eenpersoons", WORSE),
            IndicatorSpec("pct_65plus", WORSE),
        ),
    ),
    DomainSpec(
        "wonen",
        None,
        (
            IndicatorSpec("pct_huur", WORSE),
            IndicatorSpec("pct_corporatie", WORSE),
            IndicatorSpec("woz", BETTER),
        ),
    ),
)


def enschede_buurten() -> pd.DataFrame:
    kwb = pd.read_csv(KWB)
    kwb = kwb[kwb["SoortRegio_2"] == "Buurt"].set_index("Codering_3")
    uit = pd.read_csv(UITKERINGEN)
    uit = uit[(uit["SoortRegio_2"] == "Buurt") & (uit["Perioden"] == "2015 december")]
    uit = uit.set_index("Codering_3")
    working_age = uit["InwonersVanaf15JrTotAOWLeeftijd_14"].where(
        uit["InwonersVanaf15JrTotAOWLeeftijd_14"] > 0
    )
    table = pd.DataFrame(
        {
            "pct_bijstand": 100 * uit["Bijstandsuitkering_6"] / working_age,
            "pct_ww": 100 * uit["Werkloosheidsuitkering_5"] / working_age,
            "pct_ao": 100 * uit["Arbeidsongeschiktheidsuitkering_7"] / working_age,
        }
    ).reindex(kwb.index)
    table["pct_eenpersoons"] = 100 * kwb["Eenpersoonshuishoudens_30"] / kwb["HuishoudensTotaal_29"]
    table["pct_65plus"] = 100 * kwb["k_65JaarOfOuder_12"] / kwb["AantalInwoners_5"]
    table["pct_huur"] = kwb["HuurwoningenTotaal_48"]
    table["pct_corporatie"] = kwb["InBezitWoningcorporatie_49"]
    table["woz"] = kwb["GemiddeldeWOZWaardeVanWoningen_39"]
    return table


def test_svi_style_index_of_enschede_buurten_flags_the_highest_bijstand_share() -> None:
    table = enschede_buurten()
    assert len(table) == 70
    result = METHODS["svi"].run(AnalysisInput(table, DOMAINS, missing=MissingPolicy.IMPUTE_MEDIAN))
    s = result.scores
    assert len(s) == 70 and s.index.str.startswith("BU0153").all()
    for col in ("rank", "inkomen_werk_rank", "huishoudens_rank", "wonen_rank"):
        assert s[col].between(0.0, 1.0).all()
        assert s[col].min() == 0.0
    # the buurten with gaps (suppressed by CBS) were imputed and are listed
    assert set(result.affected_areas) == set(table.index[table.isna().any(axis=1)])
    assert 0 < len(result.affected_areas) < 70
    top_bijstand = table["pct_bijstand"].idxmax()
    assert result.flags is not None and result.flags.at[top_bijstand, "inkomen_werk"] >= 1
    assert s.at[top_bijstand, "flags"] >= 1
    # SVI flags are "at or above the 90th percentile": about a tenth of 70 buurten per variable
    flagged_per_variable = (result.normalised >= 0.9).sum()
    assert flagged_per_variable.between(1, 8).all()


def test_enschede_ranking_is_stable_enough_to_show_with_whiskers() -> None:
    table = enschede_buurten()
    result = METHODS["zscore"].run(AnalysisInput(table, DOMAINS, missing=MissingPolicy.EXCLUDE))
    assert len(result.scores) + len(result.affected_areas) == 70
    sens = weight_sensitivity(result, draws=500, top_k=10, seed=0).table
    assert (
        (sens["rank_low"] <= sens["base_rank"]) & (sens["base_rank"] <= sens["rank_high"])
    ).all()
    top = sens["base_rank"].idxmin()
    assert sens.at[top, "p_top_k"] > 0.5
