"""Real CBS tables from ../shared/data: exact values in, exact values out."""

from __future__ import annotations

from pathlib import Path

import pytest

from gebiedskompas.areas.models import Area
from gebiedskompas.indicators.exports import observations_frame, total_differences
from gebiedskompas.indicators.models import Observation
from gebiedskompas.indicators.services import import_cbs

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]


@pytest.fixture
def kwb(shared_data: Path) -> Path:
    return shared_data / "kerncijfers" / "kwb2024_85984NED_enschede.csv"


def test_enschede_kwb_2024_gives_the_areas_and_exact_values(kwb: Path, shared_data: Path) -> None:
    meta = shared_data / "kerncijfers" / "kwb2024_85984NED_DataProperties.json"
    summary = import_cbs(kwb, year=2024, metadata_path=meta)
    assert summary.areas_created == 81
    assert Area.objects.filter(level="gemeente").count() == 1
    assert Area.objects.filter(level="wijk", code__startswith="WK0153").count() == 10
    assert Area.objects.filter(level="buurt", code__startswith="BU0153").count() == 70
    gm = Observation.objects.get(area__code="GM0153", indicator__key="inwoners", period="2024")
    assert gm.value == 161738 and gm.source_key == "AantalInwoners_5"
    wk = Observation.objects.get(area__code="WK015300", indicator__key="inwoners")
    assert wk.value == 28505
    # Repeated CBS keys land on different indicators, told apart by the theme tree.
    herkomst = Observation.objects.get(area__code="GM0153", indicator__key="herkomst_nederland")
    geboren = Observation.objects.get(area__code="GM0153", indicator__key="geboren_nl_nederland")
    assert herkomst.source_key == "Nederland_17" and geboren.source_key == "Nederland_20"


def test_same_table_without_metadata_maps_the_same_way(kwb: Path) -> None:
    import_cbs(kwb, year=2024)
    obs = Observation.objects.get(area__code="GM0153", indicator__key="geboren_nl_nederland")
    assert obs.source_key == "Nederland_20"


def test_export_gives_the_cbs_values_back_exactly(kwb: Path) -> None:
    import pandas as pd

    import_cbs(kwb, year=2024)
    source = pd.read_csv(kwb, dtype=str, keep_default_na=False).set_index("Codering_3")
    frame = observations_frame(indicator="inwoners")
    for row in frame.itertuples():
        assert row.value == float(source.loc[row.area_code, "AantalInwoners_5"]), row.area_code


def test_every_theme_table_imports(shared_data: Path, kwb: Path) -> None:
    import_cbs(kwb, year=2024)
    for path in sorted((shared_data / "cbs_buurt_thema").glob("*.csv")):
        summary = import_cbs(path, year=2020)
        assert summary.new + summary.updated + summary.unchanged > 0, path.name
    bijstand = Observation.objects.get(
        area__code="GM0153", indicator__key="bijstandsuitkeringen", period="2015-Q1"
    )
    assert bijstand.value == 7740


def test_sums_over_buurten_match_published_gemeente_counts(kwb: Path) -> None:
    import_cbs(kwb, year=2024)
    inwoners = Observation.objects.get(area__code="GM0153", indicator__key="inwoners")
    # Buurt counts are rounded to 5 by CBS; the sum over 70 buurten stays within that slack.
    assert inwoners.computed_value == pytest.approx(inwoners.value, abs=70 * 2.5)
    differing = {(r["area"], r["indicator"]) for r in total_differences(municipality="GM0153")}
    assert ("GM0153", "inwoners") not in differing
    assert ("GM0153", "woningvoorraad") not in differing
