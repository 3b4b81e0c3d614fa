from __future__ import annotations

import pytest

from gebiedskompas.core.uploads import UploadRefused, check_upload

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("cijfers.exe", 10, r"cijfers.exe: file type .exe is not accepted; expected .csv, .xlsx"),
        ("cijfers", 10, r"file type \(none\) is not accepted"),
        ("cijfers.csv", 0, r"cijfers.csv: the file is empty"),
        ("cijfers.csv", 2001, r"cijfers.csv: 2001 bytes is more than the 2000 bytes accepted"),
    ],
    ids=["wrong type", "no suffix", "empty", "too large"],
)
def test_refused_uploads_say_why(name: str, size: int, message: str) -> None:
    with pytest.raises(UploadRefused, match=message):
        check_upload(name, size, {"csv", ".XLSX"}, 2000)


def test_an_accepted_upload_returns_its_suffix_and_ignores_folders() -> None:
    assert check_upload("C:\\map\\Cijfers.XLSX", 2000, [".csv", ".xlsx"], 2000) == ".xlsx"
