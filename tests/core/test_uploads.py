from __future__ import annotations

import gzip
import io
import json
import zipfile

import pytest
from PIL import Image

from gebiedskompas.core.uploads import UploadRefused, check_bytes, check_upload

pytestmark = pytest.mark.unit

TABLES = (".csv", ".txt", ".xlsx", ".gz")
IMAGES = (".jpg", ".jpeg", ".png", ".webp")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["code", "inwoners"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("cijfers.exe", 10,
         r"cijfers.exe: bestandstype .exe wordt niet aangenomen; verwacht .csv, .xlsx"),
        ("cijfers", 10, r"bestandstype \(geen\) wordt niet aangenomen"),
        ("cijfers.csv", 0, r"cijfers.csv: het bestand is leeg"),
        ("cijfers.csv", 2001,
         r"cijfers.csv: het bestand is 2001 bytes; ten hoogste 2000 bytes toegestaan"),
        ("groot.csv", 50 * 1024 * 1024, r"groot.csv: het bestand is 50 MB; ten hoogste 1.9 MB"),
    ],
    ids=["wrong type", "no suffix", "empty", "too large", "too large in MB"],
)  # fmt: skip
def test_refused_uploads_say_why(name: str, size: int, message: str) -> None:
    with pytest.raises(UploadRefused, match=message):
        check_upload(name, size, {"csv", ".XLSX"}, 2000 if size < 10**6 else 2_000_000)


def test_an_accepted_upload_returns_its_suffix_and_ignores_folders() -> None:
    assert check_upload("C:\\map\\Cijfers.XLSX", 2000, [".csv", ".xlsx"], 2000) == ".xlsx"


@pytest.mark.parametrize(
    ("name", "data", "allowed", "message"),
    [
        ("cijfers.csv", png(), TABLES,
         "cijfers.csv: de inhoud is geen tekst (CSV) maar een PNG-afbeelding"),
        ("foto.jpg", b"<html><script>alert(1)</script></html>", IMAGES,
         "foto.jpg: de inhoud is geen afbeelding (JPEG, PNG of WebP) maar HTML of script"),
        ("foto.png", b"<svg onload=alert(1)>", IMAGES,
         "foto.png: de inhoud is geen afbeelding (JPEG, PNG of WebP) maar HTML of script"),
        ("cijfers.csv", b"code;waarde\x00\x01\x02\nBU1;3\n", TABLES,
         "cijfers.csv: de inhoud is geen tekst (CSV); het bestand is niet ingelezen"),
        ("cijfers.csv", b"<!DOCTYPE html><p>geen cijfers</p>", TABLES,
         "cijfers.csv: de inhoud is geen tekst (CSV) maar HTML of script"),
        ("cijfers.xlsx", b"code,waarde\nBU1,3\n", TABLES,
         "cijfers.xlsx: de inhoud is geen Excel-werkmap (XLSX)"),
        ("cijfers.xlsx", b"MZ\x90\x00" + bytes(100), TABLES,
         "cijfers.xlsx: de inhoud is geen Excel-werkmap (XLSX) maar een Windows-programma"),
        ("cijfers.csv.gz", b"code,waarde\n", TABLES,
         "cijfers.csv.gz: de inhoud is geen gzip-archief"),
        ("cijfers.csv.gz", gzip.compress(png()), TABLES,
         "cijfers.csv.gz: de inhoud is geen gzip-archief met tekst (CSV) maar een PNG-afbeelding"),
        ("DataProperties.json", b"{niet: json", (".json",),
         "DataProperties.json: de inhoud is geen geldige JSON"),
        ("rapport.pdf", b"<html>", (".pdf",),
         "rapport.pdf: de inhoud is geen PDF-document maar HTML of script"),
    ],
    ids=["png as csv", "html as jpg", "svg as png", "binary csv", "html as csv", "text as xlsx",
         "exe as xlsx", "text as gz", "png in gz", "broken json", "html as pdf"],
)  # fmt: skip
def test_content_must_match_the_suffix(
    name: str, data: bytes, allowed: tuple[str, ...], message: str
) -> None:
    with pytest.raises(UploadRefused) as refused:
        check_bytes(name, data, allowed, 10**6)
    assert message in refused.value.message


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("leesmij.txt", "hallo")
    with pytest.raises(UploadRefused, match="het ZIP-archief is geen Excel-werkmap"):
        check_bytes("cijfers.xlsx", out.getvalue(), TABLES, 10**6)


@pytest.mark.parametrize(
    ("name", "data", "allowed"),
    [
        ("cijfers.csv", b"gebiedscode;inwoners\nBU1;1000\n", TABLES),
        ("cijfers.csv", "\ufeffcode,naam\nBU1,Café\n".encode(), TABLES),
        ("cijfers.txt", "code\twaarde\nBU1\tMünster\n".encode("cp1252"), TABLES),
        ("cijfers.csv.gz", gzip.compress(b"code,waarde\nBU1,3\n"), TABLES),
        ("cijfers.xlsx", xlsx(), TABLES),
        ("foto.png", png(), IMAGES),
        ("DataProperties.json", json.dumps([{"Key": "x"}]).encode(), (".json",)),
        ("kaart.geojson", b'{"type": "FeatureCollection", "features": []}', (".geojson",)),
        ("rapport.pdf", b"%PDF-1.7\n", (".pdf",)),
    ],
    ids=["csv", "utf-8 bom csv", "cp1252 txt", "gzip csv", "xlsx", "png", "json", "geojson",
         "pdf"],
)  # fmt: skip
def test_valid_files_pass(name: str, data: bytes, allowed: tuple[str, ...]) -> None:
    assert check_bytes(name, data, allowed, 10**6) == "." + name.rsplit(".", 1)[1]


def _package(entries: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, text in entries.items():
            package.writestr(name, text)
    return out.getvalue()


def test_an_opendocument_must_say_its_own_kind() -> None:
    text = {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"}
    assert check_bytes("besluit.odt", _package(text), (".odt", ".ods"), 1_000_000) == ".odt"
    # A text document renamed to a spreadsheet, and a zip that is no office package at all.
    with pytest.raises(UploadRefused, match=r"besluit\.ods: dit bestand is geen \.ods-document"):
        check_bytes("besluit.ods", _package(text), (".odt", ".ods"), 1_000_000)
    with pytest.raises(UploadRefused, match="geen .odt-document"):
        check_bytes("besluit.odt", _package({"a.txt": "x"}), (".odt",), 1_000_000)
