"""A fingerprint of an analysis input table, so a rerun can prove it read the same data."""

from __future__ import annotations

import hashlib
import math

import pandas as pd


def table_fingerprint(table: pd.DataFrame) -> str:
    """sha256 (hex) over the table sorted by area id and column name.

    Each cell is written as ``id<TAB>column<TAB>value`` with the value as ``float.hex`` (exact,
    no rounding or locale), ``nan`` for a gap; so the fingerprint does not depend on the order
    of rows or columns, and changes when any value, area or column does.
    """
    digest = hashlib.sha256()
    columns = sorted(str(c) for c in table.columns)
    ordered = table.rename(columns=str).sort_index(kind="stable")
    for area, row in zip(ordered.index, ordered[columns].itertuples(index=False), strict=True):
        for column, value in zip(columns, row, strict=True):
            number = float(value)
            text = "nan" if math.isnan(number) else number.hex()
            digest.update(f"{area}\t{column}\t{text}\n".encode())
    return digest.hexdigest()
