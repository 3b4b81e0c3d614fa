"""`kompas report wijkfoto`: one area to a PDF, or every area of a level to a folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from gebiedskompas.cli import main
from tests.web.factories import Town
from tests.web.wijkfoto_data import build_wijkfoto_town

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def wtown(db: None) -> Town:
    return build_wijkfoto_town()


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages).replace("\xa0", " ")


def test_one_area_to_a_pdf(wtown: Town, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "wijk.pdf"
    assert main(["report", "wijkfoto", wtown.wijk.code, "-o", str(output)]) == 0
    text = pdf_text(output)
    assert f"Wijkfoto {wtown.wijk.name}" in text and "21,5 %" in text
    assert "wrote 1 wijkfoto PDF(s)" in capsys.readouterr().out


def test_every_wijk_of_a_municipality_to_a_folder(wtown: Town, tmp_path: Path) -> None:
    assert main(["report", "wijkfoto", "--level", "wijk", "--municipality", "GM9999",
                 "-o", str(tmp_path)]) == 0  # fmt: skip
    names = sorted(p.name for p in tmp_path.glob("*.pdf"))
    assert names == ["wijkfoto-WK999901.pdf", "wijkfoto-WK999902.pdf", "wijkfoto-WK999903.pdf"]
    assert "Wijk Zonnehoek 2" in pdf_text(tmp_path / "wijkfoto-WK999902.pdf")


def test_english_pdf(wtown: Town, tmp_path: Path) -> None:
    output = tmp_path / "en.pdf"
    assert main(["report", "wijkfoto", wtown.wijk.code, "-o", str(output), "--language", "en"]) == 0
    assert "Area profile" in pdf_text(output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["WK0000000"], "unknown area code WK0000000"),
        (["--level", "wijk", "--municipality", "GM0000"], "unknown municipality GM0000"),
        (["--level", "wijk"], "give an area CODE, or --level and --municipality"),
    ],
    ids=["unknown-area", "unknown-municipality", "level-without-municipality"],
)
def test_bad_input_is_one_line_and_exit_1(
    wtown: Town, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["report", "wijkfoto", *args, "-o", str(tmp_path / "x.pdf")]) == 1
    assert capsys.readouterr().err.strip() == f"kompas: {message}"
