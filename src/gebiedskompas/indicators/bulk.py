"""Fast writes of many observation rows: COPY on PostgreSQL, executemany on SQLite.

The ORM's bulk_create builds one object per row; for a national KWB table (≈ 2M values) that is
most of the import time, so the importer hands plain tuples to the database driver instead.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection

from gebiedskompas.areas import versioning
from gebiedskompas.indicators.models import Observation

BULK_LOAD_ROWS = 200_000
BULK_LOAD_CACHE_KIB = 4_096

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


def insert_observations(rows: Iterable[tuple[object, ...]], *, count: int | None = None) -> int:
    """Insert rows shaped like ``COLUMNS`` (any iterable: a generator keeps memory flat);
    call inside a transaction. Returns the number of rows written: ``count`` when the caller
    knows it (then the rows pass straight to the driver), else they are counted on the way."""
    table = Observation._meta.db_table
    cols = ", ".join(COLUMNS)
    versioning.changed()
    counted = 0

    def counting() -> Iterable[tuple[object, ...]]:
        nonlocal counted
        for row in rows:
            counted += 1
            yield row

    feed = rows if count is not None else counting()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor behind Django's wrapper
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in feed:
                    copy.write_row(row)
        else:
            marks = ", ".join(["?"] * len(COLUMNS))
            # sqlite3's own executemany consumes the iterator lazily; Django's wrapper would
            # tee() it to peek at the first row and so keep every row in memory.
            sqlite3.Cursor.executemany(
                cursor.cursor, f"INSERT INTO {table} ({cols}) VALUES ({marks})", feed
            )
    return count if count is not None else counted


def secondary_index_dropped(expected_rows: int) -> contextlib.AbstractContextManager[None]:
    """For a bulk load (many rows into a table that holds few), drop the (indicator, period)
    index (and on PostgreSQL the foreign keys) while inserting and build them again afterwards:
    one sorted build is several times faster than growing an index row by row. Call inside the
    import's transaction, so a failure leaves them as they were (DDL is transactional on SQLite
    and PostgreSQL)."""

    @contextlib.contextmanager
    def dropped() -> Iterator[None]:
        table = Observation._meta.db_table
        index = next(i for i in Observation._meta.indexes if i.fields == ["indicator", "period"])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            (present,) = cursor.fetchone()
        if expected_rows < BULK_LOAD_ROWS or present > expected_rows:
            yield
            return
        yield from _without_index(table, index.name)

    return dropped()


@contextlib.contextmanager
def small_page_cache() -> Iterator[None]:
    """On SQLite, a small page cache for a bulk import, its index builds and its aggregation:
    rows are appended in index order and read back once, so a large cache buys little speed
    and would hold most of the loaded table in memory (the connection's usual cache is
    128 MiB)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-BULK_LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _without_index(table: str, index_name: str) -> Iterator[None]:
    """Drop the (indicator, period) index and, on PostgreSQL, the foreign keys; yield; add
    them back."""
    quoted = connection.ops.quote_name(index_name)
    foreign_keys: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL checks a foreign key with a trigger per row; for a bulk load it is
            # far cheaper to drop them and add them back, which checks all rows in one join
            # (pg_restore does the same). The table stays locked until the import commits.
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            foreign_keys = list(cursor.fetchall())
            for name, _definition in foreign_keys:
                cursor.execute(
                    f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}"
                )
        cursor.execute(f"DROP INDEX {quoted}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {quoted} ON {table} (indicator_id, period)")
        for name, definition in foreign_keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )


def update_computed(rows: Sequence[tuple[object, ...]], *, with_value: bool) -> int:
    """Set aggregates: (computed_value, id) rows, or (computed_value, value, status, id) rows
    where the computed value is also the value shown (no published value)."""
    if not rows:
        return 0
    versioning.changed()
    table = Observation._meta.db_table
    if connection.vendor == "postgresql":
        # One UPDATE joined to the rows COPYed into a temporary table: far faster than one
        # UPDATE statement per row, even pipelined.
        columns = "computed double precision, value double precision, status varchar(12), "
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE kompas_computed ({columns}id bigint) ON COMMIT DROP"
            )
            with cursor.cursor.copy("COPY kompas_computed FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row if with_value else (row[0], None, None, row[1]))
            sets = "computed_value = t.computed"
            if with_value:
                sets += ", value = t.value, status = t.status"
            cursor.execute(f"UPDATE {table} o SET {sets} FROM kompas_computed t WHERE o.id = t.id")
            cursor.execute("DROP TABLE kompas_computed")
        return len(rows)
    sets = "computed_value = %s, value = %s, status = %s" if with_value else "computed_value = %s"
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", rows)
    return len(rows)


def update_observations(rows: Sequence[tuple[object, ...]]) -> int:
    """Update (value, status, margin_lower, margin_upper, batch_id, source_key, id) rows."""
    if not rows:
        return 0
    versioning.changed()
    table = Observation._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET value = %s, status = %s, margin_lower = %s, margin_upper = %s, "
            "batch_id = %s, source_key = %s, is_published = TRUE WHERE id = %s",
            rows,
        )
    return len(rows)
