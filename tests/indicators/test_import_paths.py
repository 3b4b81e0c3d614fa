"""The import's two ways of writing: straight inserts for areas without any stored figure, and
the diff against stored rows. Both must leave the same rows behind, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError
from gebiedskompas.indicators import services
from gebiedskompas.indicators.models import ImportBatch, Observation
from gebiedskompas.indicators.services import import_cbs
from tests.indicators.cbs_files import HEADER, ROWS, WMO_HEADER, WMO_ROWS, write_cbs

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def stored_rows() -> list[tuple[object, ...]]:
    """Every observation as a user could see it (ids and batches left out)."""
    return sorted(
        Observation.objects.values_list(
            "area__code",
            "indicator__key",
            "period",
            "value",
            "status",
            "margin_lower",
            "margin_upper",
            "computed_value",
            "is_published",
            "source_key",
        ),
        key=repr,
    )


def write_table(path: Path, kind: str) -> Path:
    if kind == "kwb":
        return write_cbs(path)
    return write_cbs(path, WMO_ROWS, header=WMO_HEADER)


@pytest.mark.parametrize("kind", ["kwb", "periods-and-dimensions"])
def test_first_import_stores_the_same_rows_as_an_import_through_the_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    path = write_table(tmp_path / "table.csv", kind)
    first = import_cbs(path, year=2024)
    straight = stored_rows()
    assert first.new == len([r for r in straight if r[8]])  # every published row is new
    Observation.objects.all().delete()
    ImportBatch.objects.all().delete()
    # Every area counts as holding figures: each row goes through the diff.
    monkeypatch.setattr(
        services, "_areas_with_observations", lambda ids, periods: [int(i) for i in ids]
    )
    again = import_cbs(path, year=2024)
    assert stored_rows() == straight
    assert (again.new, again.updated, again.unchanged) == (first.new, 0, 0)


def test_newer_release_with_changed_emptied_and_filled_cells_updates_just_those(
    tmp_path: Path,
) -> None:
    first = import_cbs(write_cbs(tmp_path / "v1.csv"), year=2024)
    rows = [r.copy() for r in ROWS]
    rows[2][6] = "450"  # BU99980101 inwoners 400 → 450
    rows[2][7] = ""  # BU99980101 mannen 195 → empty
    rows[3][9] = "199"  # BU99980102 WOZ empty → 199
    second = import_cbs(write_cbs(tmp_path / "v2.csv", rows), year=2024)
    assert (second.new, second.updated, second.unchanged) == (0, 3, 21)

    def obs(code: str, key: str) -> Observation:
        return Observation.objects.get(area__code=code, indicator__key=key, period="2024")

    assert obs("BU99980101", "inwoners").value == 450
    assert obs("BU99980101", "inwoners").batch_id == second.batch_id
    assert obs("BU99980101", "mannen").value is None
    assert obs("BU99980101", "mannen").status == "missing"
    assert obs("BU99980102", "woz_waarde").value == 199
    assert obs("BU99980102", "woz_waarde").status == "ok"
    assert obs("BU99980201", "inwoners").batch_id == first.batch_id
    # The wijk keeps its published value and gets the new sum of its buurten beside it.
    wijk = obs("WK999801", "inwoners")
    assert (wijk.value, wijk.computed_value) == (600, 650)
    before = stored_rows()
    third = import_cbs(write_cbs(tmp_path / "v2-again.csv", rows), year=2024)
    assert (third.new, third.updated, third.unchanged) == (0, 0, 24)
    assert stored_rows() == before


def test_a_release_adding_a_buurt_inserts_its_rows_and_leaves_the_rest(tmp_path: Path) -> None:
    without = [r for r in ROWS if r[4] != "BU99980201"]
    import_cbs(write_cbs(tmp_path / "v1.csv", without), year=2024)
    summary = import_cbs(write_cbs(tmp_path / "v2.csv"), year=2024)
    assert (summary.new, summary.updated, summary.unchanged) == (4, 0, 20)
    assert Observation.objects.get(area__code="BU99980201", indicator__key="inwoners").value == 400
    wijk = Observation.objects.get(area__code="WK999802", indicator__key="inwoners")
    assert wijk.computed_value == 400


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_windows_1252_file_imports_with_its_names(tmp_path: Path, compressed: bool) -> None:
    rows = [r.copy() for r in ROWS]
    rows[3][1] = "Één buurt"
    text = "\n".join(",".join(r) for r in [HEADER, *rows]) + "\n"
    data = text.encode("cp1252")
    path = tmp_path / ("kwb.csv.gz" if compressed else "kwb.csv")
    path.write_bytes(gzip.compress(data) if compressed else data)
    summary = import_cbs(path, year=2024)
    assert summary.new == 24
    assert Area.objects.get(code="BU99980102").name == "Één buurt"


def test_file_in_neither_utf8_nor_windows_1252_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kwb.csv"
    path.write_bytes(write_cbs(tmp_path / "ok.csv").read_bytes() + b"\x81\xff\n")
    with pytest.raises(KompasError, match="expected UTF-8 or Windows-1252"):
        import_cbs(path, year=2024)
    assert not Observation.objects.exists()


def table_schema() -> dict[str, tuple[object, ...]]:
    """The observations' indexes and constraints as the database describes them."""
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Observation._meta.db_table)
    return {
        name: (tuple(c["columns"]), c["unique"], c["primary_key"], c["index"], c["foreign_key"])
        for name, c in found.items()
    }


def three_years(tmp_path: Path) -> list[tuple[object, ...]]:
    """A year's table, an earlier one, and one more: the first load into an empty table, a
    second as large as the table, and a third into a table holding more than it brings."""
    tmp_path.mkdir()
    for year in (2024, 2023, 2022):
        rows = [[*r[:6], str(int(r[6]) + 2024 - year), *r[7:]] for r in ROWS]
        summary = import_cbs(write_cbs(tmp_path / f"kwb{year}.csv", rows), year=year)
        assert (summary.new, summary.updated) == (24, 0)
    return stored_rows()


def test_a_bulk_load_stores_what_row_by_row_stores_and_rebuilds_the_table_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gebiedskompas.indicators import bulk

    schema = table_schema()
    row_by_row = three_years(tmp_path / "a")
    Observation.objects.all().delete()
    ImportBatch.objects.all().delete()
    # Every import counts as a bulk load: indexes and foreign keys dropped and built again.
    monkeypatch.setattr(bulk, "BULK_LOAD_ROWS", 1)
    dropped: list[dict[str, bool]] = []
    real = bulk._without_indexes

    def noted(table: str, **what: bool):  # type: ignore[no-untyped-def]  # a generator
        dropped.append(what)
        yield from real(table, **what)

    monkeypatch.setattr(bulk, "_without_indexes", noted)
    assert three_years(tmp_path / "b") == row_by_row
    assert table_schema() == schema
    from django.db import connection

    keys = connection.vendor == "postgresql"  # SQLite's foreign key checks are cheap
    assert dropped == [
        {"indexes": True, "foreign_keys": keys},  # into an empty table
        {"indexes": True, "foreign_keys": keys},  # as many rows as it holds
        *([{"indexes": False, "foreign_keys": True}] if keys else []),  # fewer than it holds
    ]


def test_a_bad_file_in_a_bulk_load_leaves_rows_indexes_and_keys_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gebiedskompas.indicators import bulk

    import_cbs(write_cbs(tmp_path / "kwb.csv"), year=2024)
    before, schema = stored_rows(), table_schema()
    monkeypatch.setattr(bulk, "BULK_LOAD_ROWS", 1)
    rows = [r.copy() for r in ROWS]
    rows[5][6] = "veel"
    with pytest.raises(KompasError, match='"veel" is not a number'):
        import_cbs(write_cbs(tmp_path / "bad.csv", rows), year=2023)
    assert stored_rows() == before
    assert table_schema() == schema


def test_areas_holding_only_other_periods_count_as_without_figures(tmp_path: Path) -> None:
    import numpy as np

    import_cbs(write_cbs(tmp_path / "kwb.csv"), year=2024)
    ids = dict(Area.objects.values_list("code", "id"))
    asked = np.array([ids["BU99980101"], ids["WK999801"]])
    assert sorted(services._areas_with_observations(asked, np.array(["2024"]))) == sorted(asked)
    assert services._areas_with_observations(asked, np.array(["2023"])) == []
    assert services._areas_with_observations(asked, np.array(["2023", "2024"])) != []


def test_a_bad_cell_found_while_earlier_chunks_are_written_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two rows a chunk: the first chunks are being stored (on SQLite in a thread, on
    # PostgreSQL by a COPY left open) when the bad cell in the last row is read.
    monkeypatch.setattr(services, "CBS_CHUNK_ROWS", 2)
    rows = [r.copy() for r in ROWS]
    rows[-1][6] = "veel"
    with pytest.raises(KompasError, match=r'row 7, column AantalInwoners_5: "veel"'):
        import_cbs(write_cbs(tmp_path / "kwb.csv", rows), year=2024)
    assert not Observation.objects.exists()
    assert not Area.objects.exists()
    summary = import_cbs(write_cbs(tmp_path / "good.csv"), year=2024)
    assert summary.new == 24


def test_a_write_failing_while_the_next_chunk_is_read_fails_the_import_and_keeps_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_cbs(tmp_path / "kwb.csv")
    import_cbs(path, year=2024)
    before = stored_rows()
    monkeypatch.setattr(services, "CBS_CHUNK_ROWS", 2)
    # Every area counts as without figures: the rows go in as new and meet the stored ones.
    monkeypatch.setattr(services, "_areas_with_observations", lambda ids, periods: [])
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        import_cbs(path, year=2024)
    assert stored_rows() == before
