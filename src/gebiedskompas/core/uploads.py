"""Checks on an uploaded file before anything reads it: its name, its size and its content.

Every upload in the app goes through here (the photo of a signal, the figures and CBS metadata
at /beheer/inlezen/). The suffix alone proves nothing, so the content is checked for the type
the suffix promises: an image must open and verify in Pillow, a workbook must be a ZIP with
``[Content_Types].xml``, a CSV must be text (no NUL or other control bytes, decodable as UTF-8
or Windows-1252, no HTML), gzip must start with gzip's magic bytes and hold text, JSON must parse,
a PDF must start with ``%PDF-``. The messages are written in Dutch (their English is in the
en catalogue, ADR 0009) and name the file and what is wrong.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable, Collection
from pathlib import PurePath
from typing import IO, Final

from gebiedskompas.core.errors import KompasError, gettext_noop

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
            gettext_noop("{base}: bestandstype {suffix} wordt niet aangenomen; verwacht {allowed}"),
            base=base or gettext_noop("(geen naam)"),
            suffix=suffix or gettext_noop("(geen)"),
            allowed=", ".join(allowed),
        )
    if size <= 0:
        raise UploadRefused(gettext_noop("{base}: het bestand is leeg"), base=base)
    if size > max_bytes:
        raise UploadRefused(
            gettext_noop("{base}: het bestand is {size}; ten hoogste {max_size} toegestaan"),
            base=base,
            size=_size(size),
            max_size=_size(max_bytes),
        )
    return suffix


# Magic bytes of common files, to say what a refused file looks like.
_MAGIC: Final = (
    (b"\x89PNG\r\n\x1a\n", gettext_noop("een PNG-afbeelding")),
    (b"\xff\xd8\xff", gettext_noop("een JPEG-afbeelding")),
    (b"GIF87a", gettext_noop("een GIF-afbeelding")),
    (b"GIF89a", gettext_noop("een GIF-afbeelding")),
    (b"%PDF-", gettext_noop("een PDF-document")),
    (b"PK\x03\x04", gettext_noop("een ZIP-archief (of Office-bestand)")),
    (b"\x1f\x8b", gettext_noop("een gzip-archief")),
    (b"MZ", gettext_noop("een Windows-programma")),
    (b"\x7fELF", gettext_noop("een programma")),
    (b"\xd0\xcf\x11\xe0", gettext_noop("een oud Office-bestand (.xls/.doc)")),
)
_MARKUP: Final = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml", b"<head", b"<body")


def looks_like(head: bytes) -> str:
    """What the first bytes of a file show it to be, in words ('' when nothing known)."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head[8:12] == b"WEBP" and head.startswith(b"RIFF"):
        return gettext_noop("een WebP-afbeelding")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_MARKUP):
        return gettext_noop("HTML of script")
    return ""


def _refuse(name: str, expected: str, head: bytes) -> UploadRefused:
    found = looks_like(head)
    if found:
        return UploadRefused(
            gettext_noop(
                "{name}: de inhoud is geen {expected} maar {found}; het bestand is niet ingelezen"
            ),
            name=name,
            expected=expected,
            found=found,
        )
    return UploadRefused(
        gettext_noop("{name}: de inhoud is geen {expected}; het bestand is niet ingelezen"),
        name=name,
        expected=expected,
    )


def _text(name: str, fh: IO[bytes], expected: str = gettext_noop("tekst (CSV)")) -> None:
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
        raise _refuse(name, gettext_noop("gzip-archief"), fh.read(16))
    try:
        with gzip.GzipFile(fileobj=fh) as inner:
            sample = inner.read(TEXT_SAMPLE)
    except (OSError, EOFError) as exc:
        raise UploadRefused(
            gettext_noop("{name}: het gzip-archief is beschadigd"), name=name
        ) from exc
    _check_text(name, sample, gettext_noop("gzip-archief met tekst (CSV)"))


def _xlsx(name: str, fh: IO[bytes]) -> None:
    head = fh.read(16)
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _refuse(name, gettext_noop("Excel-werkmap (XLSX)"), head) from exc
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise UploadRefused(
            gettext_noop(
                "{name}: het ZIP-archief is geen Excel-werkmap (XLSX); het bestand is niet "
                "ingelezen"
            ),
            name=name,
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
            if found and not found.startswith("een ZIP"):
                raise UploadRefused(
                    gettext_noop(
                        "{name}: dit bestand is geen {suffix}-document maar {found}; het bestand "
                        "is niet ingelezen"
                    ),
                    name=name,
                    suffix=suffix,
                    found=found,
                )
            raise UploadRefused(
                gettext_noop(
                    "{name}: dit bestand is geen {suffix}-document; het bestand is niet ingelezen"
                ),
                name=name,
                suffix=suffix,
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
        raise _refuse(name, gettext_noop("afbeelding (JPEG, PNG of WebP)"), head) from exc
    except Image.DecompressionBombError as exc:
        raise UploadRefused(
            gettext_noop("{name}: de afbeelding heeft te veel beeldpunten"), name=name
        ) from exc
    if kind not in ("JPEG", "PNG", "WEBP"):
        raise UploadRefused(
            gettext_noop("{name}: {kind} is geen JPEG-, PNG- of WebP-foto"),
            name=name,
            kind=kind or gettext_noop("dit bestand"),
        )


def _json(name: str, fh: IO[bytes]) -> None:
    raw = fh.read()
    try:
        json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _refuse(name, gettext_noop("geldige JSON"), raw[:16]) from exc


def _pdf(name: str, fh: IO[bytes]) -> None:
    head = fh.read(1024)
    if not head.startswith(b"%PDF-"):
        raise _refuse(name, gettext_noop("PDF-document"), head)


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
