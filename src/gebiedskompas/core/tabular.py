"""Read CSV and XLSX files as text tables, for importers that validate every cell themselves.

Every cell comes back as a stripped string ("" for empty), so an importer can say exactly which
row and column holds a bad value. CSV files may be comma- or semicolon-separated, with or without
a UTF-8 byte-order mark (as CBS writes them), and gzip-compressed.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from gebiedskompas.core.errors import KompasError, gettext_noop

MAX_BYTES = 2 * 1024**3


def _binary(path: Path) -> BinaryIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile reads bytes
    return path.open("rb")


def _encoding_of(path: Path) -> str:
    """UTF-8 (with or without a byte-order mark) or Windows-1252, checked by decoding the whole
    file a block at a time: the text is never held at once (as one string, or as a StringIO,
    which keeps four bytes per character)."""
    decoder: codecs.IncrementalDecoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        with _binary(path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    # Windows-1252 leaves five bytes undefined: a file holding one is neither encoding.
    decoder = codecs.getincrementaldecoder("cp1252")()
    try:
        with _binary(path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(block)
        return "cp1252"
    except UnicodeDecodeError:
        raise KompasError(
            gettext_noop("cannot be read as text (expected UTF-8 or Windows-1252)"), file=path.name
        ) from None


def sniff_delimiter(sample: str) -> str:
    header = sample.splitlines()[0] if sample else ""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def read_table(path: Path, *, display_name: str | None = None) -> pd.DataFrame:
    """The file's cells as strings; raises ``KompasError`` for a missing, empty or unreadable file.

    The returned frame's index is the spreadsheet row number of each data row (header = row 1).
    """
    return pd.concat(list(read_table_chunks(path, display_name=display_name)))


def read_table_chunks(
    path: Path, *, display_name: str | None = None, chunk_rows: int = 100_000
) -> Iterator[pd.DataFrame]:
    """The file's cells as strings, ``chunk_rows`` rows at a time (a large file never sits in
    memory as millions of Python strings at once). Each chunk's index is the spreadsheet row
    number of its rows (header = row 1). Raises ``KompasError`` for a missing, empty or
    unreadable file before yielding anything."""
    name = display_name or path.name
    if not path.exists():
        raise KompasError(gettext_noop("file not found"), file=str(path))
    if path.stat().st_size == 0:
        raise KompasError(gettext_noop("the file is empty (0 bytes)"), file=name)
    if path.stat().st_size > MAX_BYTES:
        raise KompasError(gettext_noop("the file is larger than 2 GB"), file=name)
    suffixes = [s.lower() for s in path.suffixes]
    chunks: Iterator[pd.DataFrame]
    if ".xlsx" in suffixes or ".xlsm" in suffixes:
        try:
            whole = pd.read_excel(path, dtype=str, header=0, keep_default_na=False)
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            raise KompasError(
                gettext_noop("cannot be read as an Excel workbook ({exc})"), file=name, exc=exc
            ) from exc
        chunks = iter(
            [whole.iloc[i : i + chunk_rows] for i in range(0, max(len(whole), 1), chunk_rows)]
        )
    else:
        encoding = _encoding_of(path)
        with _binary(path) as fh:
            head = fh.read(10000).decode(encoding, errors="ignore")  # may cut a character
        if not head.strip():
            raise KompasError(gettext_noop("the file is empty"), file=name)
        delimiter = sniff_delimiter(head)
        try:
            # pandas reads the file itself, a block at a time (chunked reading keeps only the
            # current chunk's cells in memory).
            chunks = pd.read_csv(
                path,
                encoding=encoding,
                compression="gzip" if path.suffix == ".gz" else None,
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                quoting=csv.QUOTE_MINIMAL,
                chunksize=chunk_rows,
            )
        except pd.errors.ParserError as exc:
            raise KompasError(
                gettext_noop("cannot be read as CSV ({exc})"), file=name, exc=exc
            ) from exc
    return _clean_chunks(chunks, name)


def _clean_chunks(chunks: Iterator[pd.DataFrame], name: str) -> Iterator[pd.DataFrame]:
    first_row = 2
    try:
        for frame in chunks:
            frame.columns = [str(c).strip() for c in frame.columns]
            if first_row == 2:
                unnamed = [c for c in frame.columns if c.startswith("Unnamed:") or c == ""]
                if unnamed and len(unnamed) == len(frame.columns):
                    raise KompasError(
                        gettext_noop("the first row holds no column names"), file=name, row=1
                    )
                if frame.empty:
                    raise KompasError(
                        gettext_noop("the file has a header but no data rows"), file=name
                    )
            frame = _stripped(frame)
            frame.index = pd.RangeIndex(first_row, first_row + len(frame))
            first_row += len(frame)
            yield frame
    except pd.errors.ParserError as exc:
        raise KompasError(
            gettext_noop("cannot be read as CSV ({exc})"), file=name, exc=exc
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise KompasError(gettext_noop("the file has no header row"), file=name) from exc


# Whether each byte is one that str.strip() takes off, among ASCII characters.
_ASCII_SPACE = np.zeros(128, dtype=bool)
_ASCII_SPACE[[ord(c) for c in " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"]] = True
# Whitespace at the edge of a cell, in the cells joined by NUL: every cell's edges touch a NUL
# or an end of the joined text, so no padded cell goes unseen (a NUL inside a cell can only
# make a cell look padded that is not, which costs the slow path, never a wrong cell).
_EDGE_SPACE = re.compile(r"(?:\A|\x00)\s|\s(?:\x00|\Z)")
# The characters outside ASCII that str.strip() takes off (those for which str.isspace()).
_WIDE_SPACE = re.compile("[\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")


def _has_padded_cell(cells: list[str]) -> bool:
    """Whether any cell begins or ends with whitespace (as str.strip() sees it)."""
    joined = "\x00" + "\x00".join(cells) + "\x00"
    if not joined.isascii() and _WIDE_SPACE.search(joined):
        return _EDGE_SPACE.search(joined) is not None
    # Only ASCII whitespace can be at stake: the same test on the UTF-8 bytes with numpy, far
    # faster than the regular expression (bytes of a longer character are all 0x80 or above).
    try:
        text = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    except UnicodeEncodeError:  # a lone surrogate
        return _EDGE_SPACE.search(joined) is not None
    is_space, is_nul = _ASCII_SPACE[np.minimum(text, 127)], text == 0
    return bool((is_space[1:] & is_nul[:-1]).any() or (is_space[:-1] & is_nul[1:]).any())


def _stripped(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as object columns with every string cell stripped of surrounding whitespace
    (CBS pads codes and labels in its own ``;`` files).

    Most files hold no padded cell at all: a search over each column's joined cells shows it,
    and only the columns that hold one are stripped, cell by cell."""
    # Object columns (pandas 3 reads dtype=str as its own string type): the importers index and
    # compare cells as plain Python strings.
    frame = frame.astype(object)
    try:
        # One test of the whole chunk first: nearly always it holds no padded cell.
        columns = (
            [c for c in frame.columns if _has_padded_cell(frame[c].tolist())]
            if _has_padded_cell(frame.to_numpy().ravel().tolist())
            else []
        )
    except TypeError:  # a cell that is no string (pandas read it as a number or NaN)
        columns = list(frame.columns)
    for column in columns:
        stripped = [c.strip() if isinstance(c, str) else c for c in frame[column].tolist()]
        frame[column] = pd.Series(stripped, index=frame.index, dtype=object)
    return frame


def check_single_header(frame: pd.DataFrame, numeric_columns: list[str], name: str) -> None:
    """Refuse a second header row (common in XLSX exports): row 2 text where numbers follow."""
    if len(frame) < 2 or not numeric_columns:
        return
    first = frame.iloc[0][numeric_columns]
    rest = frame.iloc[1:][numeric_columns]
    first_text = [
        c for c in numeric_columns if first[c] and pd.isna(pd.to_numeric(first[c], errors="coerce"))
    ]
    if len(first_text) >= max(1, len(numeric_columns) // 2):
        numeric_after = pd.to_numeric(rest[first_text[0]].replace("", None), errors="coerce")
        if numeric_after.notna().any():
            raise KompasError(
                gettext_noop(
                    "looks like a second header row (text where the rows below hold numbers, e.g. "
                    'column {first_text_0}: "{first_first_text_0}"); keep one header row'
                ),
                file=name,
                row=2,
                first_text_0=first_text[0],
                first_first_text_0=first[first_text[0]],
            )
