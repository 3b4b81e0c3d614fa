"""Importing activities: CSV, XLSX and GeoJSON, row-level errors, atomic and idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from gebiedskompas.cli import main
from gebiedskompas.core.errors import InputError, KompasError
from gebiedskompas.cycle.importers import import_activities
from gebiedskompas.cycle.models import Activity, CouplingOpportunity
from tests.cycle.conftest import World

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

HEADER = "id,title,owner,area_code,start,end,wkt,lat,lon\n"
GOOD = (
    "r1,Rioolvervanging Zonnehoek,Riolering,WK999901,2026-03-01,2026-09-30,"
    '"LINESTRING (155100 463500, 155900 463500)",,\n'
    "w1,Herinrichting straat,Wegen,WK999901,2026-06-01,,,,\n"
    "c1,Renovatie flat,Woonstede,,2026-01-01,2027-12-31,,52.16,5.39\n"
)


def write(tmp_path: Path, text: str, name: str = "activiteiten.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_import_creates_then_updates_in_place(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + GOOD)
    result = import_activities(path)
    assert (result.municipality, result.created, result.updated) == ("GM9999", 3, 0)
    w1 = Activity.objects.get(external_id="w1")
    assert w1.end is None and w1.area is not None and w1.geometry_rd is None
    c1 = Activity.objects.get(external_id="c1")
    assert c1.geometry_rd is not None and c1.area is None

    again = import_activities(path)
    assert (again.created, again.updated) == (0, 3)
    assert Activity.objects.count() == 3


def test_every_bad_row_reported_and_nothing_written(world: World, tmp_path: Path) -> None:
    bad = (
        "b1,Zonder eigenaar,,WK999901,2026-01-01,,,,\n"
        "b2,Verkeerde datum,Groen,WK999901,1-3-2026,,,,\n"
        "b3,Onbekend gebied,Groen,WK000000,2026-01-01,,,,\n"
        "b4,Eindigt te vroeg,Groen,WK999901,2026-05-01,2026-04-01,,,\n"
        'b5,Kapotte wkt,Groen,WK999901,2026-01-01,,"POLYGON ((1 2",,\n'
        "b6,Nergens,Groen,,2026-01-01,,,,\n"
        "r1,Dubbel,Groen,WK999901,2026-01-01,,,,\n"
    )
    with pytest.raises(InputError) as caught:
        import_activities(write(tmp_path, HEADER + GOOD + bad))
    where = [(p.row, p.column) for p in caught.value.problems]
    assert where == [
        (5, "owner"),
        (6, "start"),
        (7, "area_code"),
        (8, "end"),
        (9, "wkt"),
        (10, "area_code"),
        (11, "id"),
    ]
    assert "activiteiten.csv, row 6, column start" in str(caught.value)
    assert Activity.objects.count() == 0


def test_missing_column_named(world: World, tmp_path: Path) -> None:
    with pytest.raises(KompasError, match="missing column.*owner"):
        import_activities(write(tmp_path, "id,title,start\nx,y,2026-01-01\n"))


def test_xlsx_import(world: World, tmp_path: Path) -> None:
    path = tmp_path / "activiteiten.xlsx"
    pd.DataFrame(
        [
            {
                "id": 7,
                "title": "Jongerenwerk",
                "owner": "Welzijn",
                "area_code": "WK999902",
                "start": "2026-01-01",
                "end": "2026-12-31",
            }
        ]
    ).to_excel(path, index=False)
    assert import_activities(path).created == 1
    assert Activity.objects.get().external_id == "7"


def test_geojson_features_with_errors_named_by_number(world: World, tmp_path: Path) -> None:
    def feature(props: dict[str, str], geometry: dict[str, object] | None) -> dict[str, object]:
        return {"type": "Feature", "properties": props, "geometry": geometry}

    point = {"type": "Point", "coordinates": [5.39, 52.16]}
    base = {"id": "g1", "title": "Sportveld", "owner": "Sport", "start": "2026-01-01"}
    good = {"type": "FeatureCollection", "features": [feature(base, point)]}
    result = import_activities(
        write(tmp_path, json.dumps(good), "a.geojson"), municipality_code="GM9999"
    )
    assert result.created == 1
    bad = {
        "type": "FeatureCollection",
        "features": [feature(base, point), feature({**base, "id": "g2", "start": "morgen"}, point)],
    }
    with pytest.raises(InputError, match=r"a.geojson, feature 2, column start"):
        import_activities(write(tmp_path, json.dumps(bad), "a.geojson"), municipality_code="GM9999")


def test_cli_imports_and_lists_koppelkansen_as_json(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, HEADER + GOOD)
    assert main(["import", "activities", str(path)]) == 0
    assert "3 activities created" in capsys.readouterr().out
    assert main(["koppelkansen", "--municipality", "GM9999", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    owners = {frozenset((r["a"]["owner"], r["b"]["owner"])) for r in rows}
    assert frozenset(("Riolering", "Wegen")) in owners
    assert CouplingOpportunity.objects.count() == len(rows)
    assert rows == sorted(rows, key=lambda r: -r["score"])


def test_cli_reports_bad_rows_on_one_line(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, HEADER + "x,Iets,Groen,WK999901,gisteren,,,,\n")
    assert main(["import", "activities", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "row 2, column start" in err
