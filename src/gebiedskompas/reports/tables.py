"""Tables as downloads: CSV (UTF-8, comma) and XLSX (numbers as numbers), with their source.

Every table a page shows can be written by `to_csv` / `to_xlsx` from an `ExportTable` that the
page's own data builds, so the download holds what the reader saw (disclosure applied).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font


@dataclass(frozen=True)
class ExportTable:
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    notes: Sequence[str] = field(default_factory=tuple)


def to_csv(table: ExportTable) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(table: ExportTable) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "cijfers"
    sheet.append(list(table.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for index, name in enumerate(table.columns, start=1):
        width = max([len(str(name)), *(len(str(r[index - 1] or "")) for r in table.rows[:200])])
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(width + 2, 60)
    about = book.create_sheet("bron")
    about.append([table.title])
    about["A1"].font = Font(bold=True)
    for note in table.notes:
        about.append([note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
