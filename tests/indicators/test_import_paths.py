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
    monkeypatch.setattr(services, "_areas_with_observations", lambda ids: [int(i) for i in ids])
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
