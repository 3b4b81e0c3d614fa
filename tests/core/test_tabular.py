"""Reading text tables: every cell comes back stripped, however the file pads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gebiedskompas.core.tabular import read_table

pytestmark = pytest.mark.unit


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("  BU0001  ", "BU0001", id="ascii-spaces-both-sides"),
        pytest.param("\tBU0001", "BU0001", id="leading-tab"),
        pytest.param("BU0001\u00a0", "BU0001", id="trailing-non-breaking-space"),
        pytest.param("\u3000BU0001", "BU0001", id="leading-ideographic-space"),
        pytest.param("BU0001\x1f", "BU0001", id="trailing-unit-separator-which-strip-takes"),
    ],
)
def test_a_padded_cell_is_stripped(tmp_path: Path, cell: str, expected: str) -> None:
    frame = read_table(write(tmp_path / "t.csv", f"code,naam\n{cell},Één\nBU0002,Twee\n"))
    assert frame["code"].tolist() == [expected, "BU0002"]
    assert frame["naam"].tolist() == ["Één", "Twee"]


def test_a_padded_number_in_a_late_row_is_stripped(tmp_path: Path) -> None:
    rows = "".join(f"BU{i:04d},{i}\n" for i in range(1, 500)) + "BU0500,  42 \n"
    frame = read_table(write(tmp_path / "t.csv", "code,inwoners\n" + rows))
    assert frame["inwoners"].iloc[-1] == "42"
    assert frame.index[-1] == 501  # the spreadsheet's row number


def test_spaces_inside_a_cell_are_kept(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path / "t.csv", 'code,naam\nBU0001,"Wijk 01 Noord, oost"\n'))
    assert frame["naam"].tolist() == ["Wijk 01 Noord, oost"]


def test_cells_are_plain_python_strings(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path / "t.csv", "code,inwoners\nBU0001,12\nBU0002,\n"))
    assert frame["inwoners"].tolist() == ["12", ""]
    assert all(isinstance(c, str) for c in frame.to_numpy().ravel())
    assert all(str(dtype) == "object" for dtype in frame.dtypes)
