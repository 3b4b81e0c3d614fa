"""Checks on an uploaded file before anything reads it: its name, its size and its content.

Every upload in the app goes through here (the photo of a signal, the figures and CBS metadata
at /beheer/inlezen/). The suffix alone proves nothing, so the content is checked for the type
the suffix promises: an image must open and verify in Pillow, a workbook must be a ZIP with
``[Content_Types].xml``, a CSV must be text (no NUL or other control bytes, decodable as UTF-8
or Windows-1252, no HTML), gzip must start with gzip's magic bytes and hold text, JSON must parse,
a PDF must start with ``%PDF-``. The messages are Dutch and name the file and what is wrong.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable, Collection
from pathlib import PurePath
from typing import IO, Final

from gebiedskompas.core.errors import KompasError

# How much of a text file is read to judge it: enough for a header and many rows.
TEXT_SAMPLE: Final = 64 * 1024


class UploadRefused(KompasError):
    """An upload of a type, size or content the page does not take."""


def _base(name: str) -> str:
    return PurePath(name.replace("\\", "/")).name


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n} bytes"
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def check_upload(name: str, size: int, allowed_suffixes: Collection[str], max_bytes: int) -> str:
    """The file's suffix (lower case, with its dot) when `name` has one of `allowed_suffixes`
    and `size` is within 1 … `max_bytes`; raises UploadRefused saying what was expected."""
    base = _base(name)
    suffix = PurePath(base).suffix.lower()
    allowed = sorted(
        {s.lower() if s.startswith(".") else f".{s.lower()}" for s in allowed_suffixes}
    )
    if suffix not in allowed:
        raise UploadRefused(
            f"{base or '(geen naam)'}: bestandstype {suffix or '(geen)'} wordt niet aangenomen; "
            f"verwacht {', '.join(allowed)}"
        )
    if size <= 0:
        raise UploadRefused(f"{base}: het bestand is leeg")
    if size > max_bytes:
        raise UploadRefused(
            f"{base}: het bestand is {_size(size)}; ten hoogste {_size(max_bytes)} toegestaan"
        )
    return suffix


# Magic bytes of common files, to say what a refused file looks like.
_MAGIC: Final = (
    (b"\x89PNG\r\n\x1a\n", "een PNG-afbeelding"),
    (b"\xff\xd8\xff", "een JPEG-afbeelding"),
    (b"GIF87a", "een GIF-afbeelding"),
    (b"GIF89a", "een GIF-afbeelding"),
    (b"%PDF-", "een PDF-document"),
    (b"PK\x03\x04", "een ZIP-archief (of Office-bestand)"),
    (b"\x1f\x8b", "een gzip-archief"),
    (b"MZ", "een Windows-programma"),
    (b"\x7fELF", "een programma"),
    (b"\xd0\xcf\x11\xe0", "een oud Office-bestand (.xls/.doc)"),
)
_MARKUP: Final = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml", b"<head", b"<body")


def looks_like(head: bytes) -> str:
    """What the first bytes of a file show it to be, in words ('' when nothing known)."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head[8:12] == b"WEBP" and head.startswith(b"RIFF"):
        return "een WebP-afbeelding"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_MARKUP):
        return "HTML of script"
    return ""


def _refuse(name: str, expected: str, head: bytes) -> UploadRefused:
    found = looks_like(head)
    return UploadRefused(
        f"{name}: de inhoud is geen {expected}"
        + (f" maar {found}" if found else "")
        + "; het bestand is niet ingelezen"
    )


def _text(name: str, fh: IO[bytes], expected: str = "tekst (CSV)") -> None:
    sample = fh.read(TEXT_SAMPLE)
    _check_text(name, sample, expected)


def _check_text(name: str, sample: bytes, expected: str) -> None:
    if looks_like(sample):
        raise _refuse(name, expected, sample)
    # Bytes no text file has: NUL and the other C0 controls except tab, newline, return, form
    # feed (a cut-off multi-byte character at the end of the sample is fine).
    if any(b < 32 and b not in (9, 10, 12, 13) for b in sample):
        raise _refuse(name, expected, sample)
    for encoding in ("utf-8", "cp1252"):
        try:
            sample.decode(encoding)
            return
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(sample) - 3:
                return  # the sample ends inside a character
    raise _refuse(name, expected, sample)


def _gzip_text(name: str, fh: IO[bytes]) -> None:
    head = fh.read(2)
    fh.seek(0)
    if head != b"\x1f\x8b":
        raise _refuse(name, "gzip-archief", fh.read(16))
    try:
        with gzip.GzipFile(fileobj=fh) as inner:
            sample = inner.read(TEXT_SAMPLE)
    except (OSError, EOFError) as exc:
        raise UploadRefused(f"{name}: het gzip-archief is beschadigd") from exc
    _check_text(name, sample, "gzip-archief met tekst (CSV)")


def _xlsx(name: str, fh: IO[bytes]) -> None:
    head = fh.read(16)
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _refuse(name, "Excel-werkmap (XLSX)", head) from exc
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise UploadRefused(
            f"{name}: het ZIP-archief is geen Excel-werkmap (XLSX); het bestand is niet ingelezen"
        )


# OpenDocument files name their kind in a `mimetype` entry; Office Open XML files carry
# `[Content_Types].xml`.
_ODF_TYPES: Final = {
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def _office(suffix: str) -> Callable[[str, IO[bytes]], None]:
    """A content check for an office document (.docx, .odt, .ods): the zip package its format
    prescribes."""

    def check(name: str, fh: IO[bytes]) -> None:
        head = fh.read(16)
        fh.seek(0)
        try:
            with zipfile.ZipFile(fh) as package:
                names = set(package.namelist())
                if suffix in _ODF_TYPES:
                    kind = package.read("mimetype").decode("ascii", "replace").strip()
                    ok = kind == _ODF_TYPES[suffix]
                else:
                    ok = "[Content_Types].xml" in names
        except (zipfile.BadZipFile, KeyError, OSError, EOFError):
            ok = False
        if not ok:
            found = looks_like(head)
            raise UploadRefused(
                f"{name}: dit bestand is geen {suffix}-document"
                + (f" maar {found}" if found and not found.startswith("een ZIP") else "")
                + "; het bestand is niet ingelezen"
            )

    return check


def _image(name: str, fh: IO[bytes]) -> None:
    from PIL import Image, UnidentifiedImageError

    head = fh.read(16)
    fh.seek(0)
    try:
        with Image.open(fh) as probe:
            kind = probe.format or ""
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refuse(name, "afbeelding (JPEG, PNG of WebP)", head) from exc
    except Image.DecompressionBombError as exc:
        raise UploadRefused(f"{name}: de afbeelding heeft te veel beeldpunten") from exc
    if kind not in ("JPEG", "PNG", "WEBP"):
        raise UploadRefused(f"{name}: {kind or 'dit bestand'} is geen JPEG-, PNG- of WebP-foto")


def _json(name: str, fh: IO[bytes]) -> None:
    raw = fh.read()
    try:
        json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _refuse(name, "geldige JSON", raw[:16]) from exc


def _pdf(name: str, fh: IO[bytes]) -> None:
    head = fh.read(1024)
    if not head.startswith(b"%PDF-"):
        raise _refuse(name, "PDF-document", head)


CONTENT_CHECKS: Final[dict[str, Callable[[str, IO[bytes]], None]]] = {
    ".csv": _text,
    ".txt": _text,
    ".gz": _gzip_text,
    ".xlsx": _xlsx,
    ".jpg": _image,
    ".jpeg": _image,
    ".png": _image,
    ".webp": _image,
    ".json": _json,
    ".geojson": _json,
    ".pdf": _pdf,
    ".docx": _office(".docx"),
    ".odt": _office(".odt"),
    ".ods": _office(".ods"),
}


def check_content(name: str, fh: IO[bytes], suffix: str) -> None:
    """Raise UploadRefused unless the content of the open, seekable file `fh` is what `suffix`
    promises. Leaves `fh` at its start."""
    check = CONTENT_CHECKS.get(suffix)
    if check is None:  # a programming error: every accepted suffix needs a content check
        raise ValueError(f"no content check for {suffix}")
    fh.seek(0)
    try:
        check(_base(name), fh)
    finally:
        fh.seek(0)


def check_file(
    name: str, fh: IO[bytes], size: int, allowed_suffixes: Collection[str], max_bytes: int
) -> str:
    """Name, size and content of an uploaded file in one go; the suffix when all are right."""
    suffix = check_upload(name, size, allowed_suffixes, max_bytes)
    check_content(name, fh, suffix)
    return suffix


def check_bytes(name: str, data: bytes, allowed_suffixes: Collection[str], max_bytes: int) -> str:
    """`check_file` for a file already read into memory."""
    return check_file(name, io.BytesIO(data), len(data), allowed_suffixes, max_bytes)


def check_uploaded(upload: object, allowed_suffixes: Collection[str], max_bytes: int) -> str:
    """`check_file` for a Django UploadedFile (in memory or on disk)."""
    name = str(getattr(upload, "name", "") or "")
    size = int(getattr(upload, "size", 0) or 0)
    # Check name and size before opening anything, so an oversized file is never read.
    suffix = check_upload(name, size, allowed_suffixes, max_bytes)
    fh = upload.file if hasattr(upload, "file") else upload
    check_content(name, fh, suffix)  # type: ignore[arg-type]
    return suffix
