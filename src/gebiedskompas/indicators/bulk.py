"""Fast writes of many observation rows: COPY on PostgreSQL, executemany on SQLite.

The ORM's bulk_create builds one object per row; for a national KWB table (≈ 2M values) that is
most of the import time, so the importer hands plain tuples to the database driver instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from gebiedskompas.indicators.models import Observation

COLUMNS = (
    "area_id",
    "indicator_id",
    "period",
    "value",
    "status",
    "margin_lower",
    "margin_upper",
    "computed_value",
    "is_published",
    "batch_id",
    "source_key",
)


def insert_observations(rows: Sequence[tuple[object, ...]]) -> int:
    """Insert rows shaped like ``COLUMNS``; call inside a transaction."""
    if not rows:
        return 0
    table = Observation._meta.db_table
    cols = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor behind Django's wrapper
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
    return len(rows)


def update_observations(rows: Sequence[tuple[object, ...]]) -> int:
    """Update (value, status, margin_lower, margin_upper, batch_id, source_key, id) rows."""
    if not rows:
        return 0
    table = Observation._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET value = %s, status = %s, margin_lower = %s, margin_upper = %s, "
            "batch_id = %s, source_key = %s, is_published = TRUE WHERE id = %s",
            rows,
        )
    return len(rows)
