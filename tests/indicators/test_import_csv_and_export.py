from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from gebiedskompas.core.errors import KompasError
from gebiedskompas.indicators.exports import export_observations, observations_frame
from gebiedskompas.indicators.models import Observation
from gebiedskompas.indicators.services import add_indicator, import_cbs, import_csv
from tests.indicators.cbs_files import ROWS, write_cbs

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def areas(tmp_path: Path) -> None:
    import_cbs(write_cbs(tmp_path / "kwb.csv"), year=2024)
    add_indicator(
        key="rapportcijfer_buurt",
        name="Rapportcijfer buurt",
        domain="leefbaarheid",
        kind="subjective",
        aggregation="none",
        min_population=50,
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_own_figures_import_with_a_column_map(tmp_path: Path, areas: None) -> None:
    path = write(tmp_path / "eigen.csv", "buurtcode;Score\nBU99980101;7,4\nBU99980201;6,9\n")
    summary = import_csv(
        path, area_column="buurtcode", period="2024", mapping={"Score": "rapportcijfer_buurt"}
    )
    assert summary.new == 2
    obs = Observation.objects.get(area__code="BU99980101", indicator__key="rapportcijfer_buurt")
    assert obs.value == pytest.approx(7.4) and obs.source_key == "Score"
    again = import_csv(
        path, area_column="buurtcode", period="2024", mapping={"Score": "rapportcijfer_buurt"}
    )
    assert (again.new, again.unchanged) == (0, 2)


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        pytest.param(
            "code,Score\nBU99980101,7\n",
            {"area_column": "buurtcode"},
            'no column "buurtcode" with area codes',
            id="missing-area-column",
        ),
        pytest.param(
            "buurtcode,Score\nBU00000000,7\n",
            {},
            'eigen.csv, row 2, column buurtcode: unknown area "BU00000000"',
            id="unknown-area",
        ),
        pytest.param(
            "buurtcode,Score\nBU99980101,zeven\n",
            {},
            'eigen.csv, row 2, column Score: "zeven" is not a number',
            id="text-value",
        ),
        pytest.param(
            "buurtcode,Onbekend\nBU99980101,7\n",
            {"mapping": None},
            "unknown indicators: Onbekend",
            id="unknown-indicator",
        ),
        pytest.param(
            "buurtcode,Score\nBU99980101,7\n",
            {"period": "volgend jaar"},
            '--period: "volgend jaar" is not a period',
            id="bad-period",
        ),
    ],
)
def test_bad_own_figures_are_refused(tmp_path: Path, areas: None, text, kwargs, expected) -> None:
    args = {
        "area_column": "buurtcode",
        "period": "2024",
        "mapping": {"Score": "rapportcijfer_buurt"},
    }
    args.update(kwargs)
    with pytest.raises(KompasError) as info:
        import_csv(write(tmp_path / "eigen.csv", text), **args)
    assert expected in str(info.value)
    assert not Observation.objects.filter(indicator__key="rapportcijfer_buurt").exists()


def test_export_has_the_documented_columns_and_source_keys(tmp_path: Path, areas: None) -> None:
    out = tmp_path / "obs.csv"
    count = export_observations(fmt="csv", output=out, area="GM9998", indicator="inwoners")
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert count == len(rows) == 6
    assert list(rows[0]) == [
        "area_code",
        "area_name",
        "level",
        "indicator",
        "source_key",
        "period",
        "value",
        "status",
    ]
    gm = next(r for r in rows if r["area_code"] == "GM9998")
    assert gm["source_key"] == "AantalInwoners_5" and float(gm["value"]) == 1000


def test_public_export_rounds_counts_and_suppresses_small_areas(tmp_path: Path) -> None:
    rows = [r.copy() for r in ROWS]
    rows[3][6], rows[3][7], rows[3][8] = "30", "13", "17"  # Kleine buurt: 30 inhabitants
    rows[2][6] = "573"
    rows[1][6] = "603"
    import_cbs(write_cbs(tmp_path / "kwb.csv", rows), year=2024)
    staff = observations_frame(area="WK999801", indicator="mannen").set_index("area_code")
    public = observations_frame(area="WK999801", indicator="mannen", public=True)
    public = public.set_index("area_code")
    assert public.loc["BU99980102", "status"] == "suppressed"
    assert public.loc["BU99980102", "value"] != public.loc["BU99980102", "value"]  # NaN
    # The wijk total is public, so its other buurt must go too: else 290 - 195 gives 13 back.
    assert public.loc["BU99980101", "status"] == "suppressed"
    assert public.loc["WK999801", "value"] == 290
    assert staff.loc["BU99980102", "value"] == 13
    people = observations_frame(area="WK999801", indicator="inwoners", public=True)
    people = people.set_index("area_code")
    assert people.loc["WK999801", "value"] == 605  # 603 rounded to 5
    assert people.loc["BU99980102", "value"] == 30


def test_json_and_xlsx_exports(tmp_path: Path, areas: None) -> None:
    import openpyxl

    export_observations(fmt="json", output=tmp_path / "o.json", indicator="inwoners", public=True)
    payload = json.loads((tmp_path / "o.json").read_text())
    assert "CC BY 4.0" in payload["licence"] and len(payload["observations"]) == 6
    export_observations(fmt="xlsx", output=tmp_path / "o.xlsx", indicator="inwoners")
    sheet = openpyxl.load_workbook(tmp_path / "o.xlsx")["waarnemingen"]
    values = {r[0]: r[6] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["GM9998"] == 1000


def test_export_of_an_unknown_area_says_so(areas: None) -> None:
    with pytest.raises(KompasError, match="unknown area GM0000"):
        observations_frame(area="GM0000")
