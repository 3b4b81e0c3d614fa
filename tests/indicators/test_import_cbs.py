from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError
from gebiedskompas.indicators.models import ImportBatch, Observation
from gebiedskompas.indicators.services import import_cbs
from tests.indicators.cbs_files import HEADER, ROWS, WMO_HEADER, WMO_ROWS, write_cbs

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def value(code: str, key: str, period: str = "2024") -> float | None:
    return Observation.objects.get(area__code=code, indicator__key=key, period=period).value


def test_import_creates_areas_with_parents_and_exact_values(tmp_path: Path) -> None:
    summary = import_cbs(write_cbs(tmp_path / "kwb.csv"), year=2024)
    assert summary.new == 6 * 4
    assert Area.objects.get(code="BU99980102").parent.code == "WK999801"
    assert Area.objects.get(code="WK999801").parent.code == "GM9998"
    assert Area.objects.get(code="BU99980101").municipality.code == "GM9998"
    assert value("GM9998", "inwoners") == 1000
    assert value("BU99980102", "woz_waarde") is None
    obs = Observation.objects.get(area__code="GM9998", indicator__key="inwoners")
    assert obs.source_key == "AantalInwoners_5"


def test_reimport_changes_nothing_and_says_so(tmp_path: Path) -> None:
    path = write_cbs(tmp_path / "kwb.csv")
    import_cbs(path, year=2024)
    batches = ImportBatch.objects.count()
    again = import_cbs(path, year=2024)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 24)
    assert "0 new" in str(again) and "24 unchanged" in str(again)
    assert ImportBatch.objects.count() == batches


def test_newer_release_updates_values_and_keeps_the_batch_that_set_them(tmp_path: Path) -> None:
    first = import_cbs(write_cbs(tmp_path / "v1.csv"), year=2024)
    rows = [r.copy() for r in ROWS]
    rows[0][6] = "1005"
    second = import_cbs(write_cbs(tmp_path / "v2.csv", rows), year=2024)
    assert (second.new, second.updated) == (0, 1)
    obs = Observation.objects.get(area__code="GM9998", indicator__key="inwoners")
    assert obs.value == 1005 and obs.batch_id == second.batch_id
    other = Observation.objects.get(area__code="GM9998", indicator__key="mannen")
    assert other.batch_id == first.batch_id


def test_semicolon_file_with_bom_and_padding_imports(tmp_path: Path) -> None:
    rows = [[f"  {c}  " if i in (1, 4) else c for i, c in enumerate(r)] for r in ROWS]
    path = write_cbs(tmp_path / "cbs.csv", rows, sep=";", bom=True)
    summary = import_cbs(path, year=2024)
    assert summary.new == 24
    assert Area.objects.get(code="WK999801").name == "Wijk 01 Noord"


def test_aggregates_computed_beside_published_values(tmp_path: Path) -> None:
    import_cbs(write_cbs(tmp_path / "kwb.csv"), year=2024)
    wijk = Observation.objects.get(area__code="WK999801", indicator__key="inwoners")
    assert wijk.value == 600 and wijk.computed_value == 600 and wijk.is_published


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda rows, header: rows[2].__setitem__(6, "twaalf"),
            'kwb.csv, row 4, column AantalInwoners_5: "twaalf" is not a number',
            id="text-in-numeric-column-names-row-column-value",
        ),
        pytest.param(
            lambda rows, header: rows[1].__setitem__(3, "Provincie"),
            'kwb.csv, row 3, column SoortRegio_2: "Provincie" is not a known SoortRegio',
            id="unknown-soortregio",
        ),
        pytest.param(
            lambda rows, header: rows.append(rows[2].copy()),
            "kwb.csv, row 8, column Codering_3: area BU99980101 appears twice (also in row 4)",
            id="duplicate-area-rows",
        ),
        pytest.param(
            lambda rows, header: header.__setitem__(4, "Gebiedscode"),
            "kwb.csv: no column with area codes (Codering_N, e.g. Codering_3) found",
            id="no-code-column",
        ),
    ],
)
def test_bad_file_is_refused_with_its_location_and_nothing_is_written(
    tmp_path: Path, mutate, expected: str
) -> None:
    rows = [r.copy() for r in ROWS]
    header = HEADER.copy()
    mutate(rows, header)
    path = write_cbs(tmp_path / "kwb.csv", rows, header=header)
    with pytest.raises(KompasError) as info:
        import_cbs(path, year=2024)
    assert expected in str(info.value)
    assert Observation.objects.count() == 0 and Area.objects.count() == 0


def test_all_bad_cells_reported_in_one_go(tmp_path: Path) -> None:
    rows = [r.copy() for r in ROWS]
    rows[1][7] = "veel"
    rows[3][8] = "n.v.t."
    with pytest.raises(KompasError) as info:
        import_cbs(write_cbs(tmp_path / "kwb.csv", rows), year=2024)
    assert "row 3, column Mannen_6" in str(info.value)
    assert "row 5, column Vrouwen_7" in str(info.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"", "kwb.csv: the file is empty (0 bytes)", id="zero-bytes"),
        pytest.param(b"\n\n  \n", "kwb.csv: the file is empty", id="only-blank-lines"),
        pytest.param(
            ",".join(HEADER).encode() + b"\n", "has a header but no data rows", id="header-only"
        ),
    ],
)
def test_empty_files_are_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "kwb.csv"
    path.write_bytes(content)
    with pytest.raises(KompasError) as info:
        import_cbs(path, year=2024)
    assert expected in str(info.value)


def test_xlsx_with_a_two_row_header_is_refused(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["", "", "", "", "", "", "Aantal inwoners", "Mannen", "Vrouwen", "WOZ"])
    for row in ROWS:
        sheet.append(row)
    path = tmp_path / "kwb.xlsx"
    book.save(path)
    with pytest.raises(KompasError) as info:
        import_cbs(path, year=2024)
    assert "kwb.xlsx, row 2: looks like a second header row" in str(info.value)


def test_table_without_periods_needs_a_year(tmp_path: Path) -> None:
    with pytest.raises(KompasError, match="has no Perioden column; give the year"):
        import_cbs(write_cbs(tmp_path / "kwb.csv"), year=None)


def test_repeated_keys_need_metadata_or_a_known_order(tmp_path: Path) -> None:
    header = HEADER[:6] + ["Onbekend_7", "Onbekend_8"]
    rows = [r[:6] + ["1", "2"] for r in ROWS]
    with pytest.raises(KompasError) as info:
        import_cbs(write_cbs(tmp_path / "t.csv", rows, header=header), year=2024)
    assert "Onbekend_7, Onbekend_8 share the CBS key Onbekend" in str(info.value)
    meta = [
        {"ID": "1", "Type": "TopicGroup", "Key": "", "Title": "Groep A", "ParentID": None},
        {"ID": "2", "Type": "Topic", "Key": "Onbekend_7", "Title": "Onbekend", "ParentID": "1"},
        {"ID": "3", "Type": "TopicGroup", "Key": "", "Title": "Groep B", "ParentID": None},
        {"ID": "4", "Type": "Topic", "Key": "Onbekend_8", "Title": "Onbekend", "ParentID": "3"},
    ]
    meta_path = tmp_path / "DataProperties.json"
    meta_path.write_text(json.dumps(meta))
    summary = import_cbs(tmp_path / "t.csv", year=2024, metadata_path=meta_path)
    assert summary.indicators_created == 2
    assert value("GM9998", "groep_a_onbekend") == 1
    assert value("GM9998", "groep_b_onbekend") == 2


def test_quarterly_and_dimension_tables_get_periods_and_split_keys(tmp_path: Path) -> None:
    import_cbs(write_cbs(tmp_path / "wmo.csv", WMO_ROWS[:3], header=WMO_HEADER))
    assert value("GM9998", "wmo_clienten", "2024-H1") == 100
    assert value("GM9998", "wmo_clienten__pgb", "2024-H1") == 30
    assert value("GM9998", "wmo_clienten", "2013-Q1") == 90


@pytest.mark.django_db(databases=[])
def test_killed_import_leaves_the_database_unchanged(
    tmp_path: Path, sqlite_install: Callable[..., dict[str, str]]
) -> None:
    """A process killed halfway through writing leaves nothing behind (one transaction).

    Runs the real command in a child process on its own SQLite file, pauses it right after the
    observation rows went in, kills it with SIGKILL and reads the file afterwards.
    """
    import sqlite3

    path = write_cbs(tmp_path / "kwb.csv")
    data_dir = tmp_path / "data"
    env = {**os.environ, "KOMPAS_DATA_DIR": str(data_dir), "KOMPAS_DATABASE_URL": ""}
    sqlite_install(data_dir)  # a copy of the session's `kompas migrate` result
    marker = tmp_path / "inserted"
    code = (
        "import os, sys, time, pathlib, django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'gebiedskompas.settings'\n"
        "django.setup()\n"
        "import gebiedskompas.indicators.bulk as bulk\n"
        "orig = bulk.insert_new_observations\n"
        "def slow(*args, **kwargs):\n"
        "    n = orig(*args, **kwargs)\n"
        f"    pathlib.Path({str(marker)!r}).write_text('x')\n"
        "    time.sleep(60)\n"
        "    return n\n"
        "bulk.insert_new_observations = slow\n"
        "from gebiedskompas.cli import main\n"
        f"sys.exit(main(['import', 'cbs', {str(path)!r}, '--year', '2024']))\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline and child.poll() is None:
        time.sleep(0.1)
    assert marker.exists(), "the child import never reached its insert"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    db = sqlite3.connect(data_dir / "kompas.sqlite3")
    assert db.execute("select count(*) from indicators_observation").fetchone() == (0,)
    assert db.execute("select count(*) from areas_area").fetchone() == (0,)


def test_a_file_read_in_many_chunks_imports_the_same_and_checks_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gebiedskompas.indicators import services

    monkeypatch.setattr(services, "CBS_CHUNK_ROWS", 2)
    summary = import_cbs(write_cbs(tmp_path / "kwb.csv"), year=2024)
    assert summary.new == 24 and ImportBatch.objects.count() == 1
    assert value("BU99980201", "inwoners") == 400
    assert (
        Observation.objects.get(area__code="WK999801", indicator__key="inwoners").computed_value
        == 600
    )
    rows = [r.copy() for r in ROWS] + [ROWS[1].copy()]
    rows[4][7] = "veel"  # row 6, in the third chunk
    before = Observation.objects.count()
    with pytest.raises(KompasError) as info:
        import_cbs(write_cbs(tmp_path / "bad.csv", rows), year=2024)
    text = str(info.value)
    assert 'row 6, column Mannen_6: "veel" is not a number' in text
    assert "row 8, column Codering_3: area WK999801 appears twice (also in row 3)" in text
    assert Observation.objects.count() == before


@pytest.mark.web
def test_an_import_batch_cannot_be_deleted_in_the_admin(tmp_path: Path, client) -> None:  # type: ignore[no-untyped-def]  # the test client
    from django.contrib.auth import get_user_model

    summary = import_cbs(write_cbs(tmp_path / "kwb.csv"), year=2024)
    admin = get_user_model().objects.create_user(
        "beheerder", password="x" * 16, is_staff=True, is_superuser=True
    )
    client.force_login(admin)
    page = client.get(f"/admin/indicators/importbatch/{summary.batch_id}/change/")
    assert page.status_code == 200 and "deletelink" not in page.content.decode()
    response = client.post(
        f"/admin/indicators/importbatch/{summary.batch_id}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert ImportBatch.objects.filter(pk=summary.batch_id).exists()
    assert Observation.objects.filter(batch_id=summary.batch_id).count() == summary.new
