"""Fast writes of many observation rows: COPY on PostgreSQL, executemany on SQLite.

The ORM's bulk_create builds one object per row; for a national KWB table (≈ 2M values) that is
most of the import time, so the importer hands plain tuples to the database driver instead.
"""

from __future__ import annotations

import contextlib
import contextvars
import sqlite3
import struct
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection

from gebiedskompas.areas import versioning
from gebiedskompas.indicators.models import Observation, Status

BULK_LOAD_ROWS = 200_000
# PostgreSQL: foreign keys are dropped for a bulk load while the table holds fewer rows than
# this many times the load (see ``secondary_index_dropped``).
FK_REBUILD_FACTOR = 20
# SQLite's page cache during a bulk import. 2 MiB, not more: the cache is filled by the thread
# that inserts a chunk as well as the importer's, so it may be held twice (once in each thread's
# malloc arena); a larger one bought no speed (bench/import_kwb.py).
BULK_LOAD_CACHE_KIB = 2_048

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


def insert_observations(
    rows: Iterable[tuple[object, ...]],
    *,
    count: int | None = None,
    table: str | None = None,
    columns: Sequence[str] = COLUMNS,
) -> int:
    """Insert rows shaped like ``columns`` (any iterable: a generator keeps memory flat);
    call inside a transaction. Returns the number of rows written: ``count`` when the caller
    knows it (then the rows pass straight to the driver), else they are counted on the way.
    ``table``: a temporary table (``STAGE``, ``AGGREGATES``) instead of the observations."""
    table = table or Observation._meta.db_table
    cols = ", ".join(columns)
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
            marks = ", ".join(["?"] * len(columns))
            # sqlite3's own executemany consumes the iterator lazily; Django's wrapper would
            # tee() it to peek at the first row and so keep every row in memory.
            sqlite3.Cursor.executemany(
                cursor.cursor, f"INSERT INTO {table} ({cols}) VALUES ({marks})", feed
            )
    return count if count is not None else counted


# Columns the fast path writes; computed_value is left NULL.
NEW_COLUMNS = tuple(column for column in COLUMNS if column != "computed_value")
# SQLite: measure columns unpivoted by one INSERT … SELECT, and the widest staging table (SQLite
# allows 2,000 columns).
UNPIVOT_PER_STATEMENT = 250
UNPIVOT_MAX_COLUMNS = 1_000
# PostgreSQL: rows put in index order at a time (bounds the byte index built to gather them).
GATHER_ROWS = 2_000


def insert_new_observations(
    frame: pd.DataFrame, batch_id: int, *, leave_open: bool = False, table: str | None = None
) -> int:
    """Insert published rows known to be new (no stored row has their area, indicator and
    period), with columns area_id, indicator_id, period, value, margin_lower, margin_upper,
    source_key (NaN = empty). Call inside a transaction; returns the number of rows.

    No Python runs per row. PostgreSQL gets the rows as one binary COPY built with numpy: rows
    that share their text cells (period, source key) and empty cells have one fixed width, so
    each such group is one structured array. SQLite gets the chunk back in its wide shape, one
    row per area and period, in a temporary table, and unpivots it with INSERT … SELECT (one
    bound value per cell instead of a statement step per observation); a chunk that is not a
    full grid, carries margins or is too wide goes row by row through ``insert_observations``.
    ``table``: ``STAGE`` instead of the observations.
    """
    if frame.empty:
        return 0
    opened = _open_copies.get()
    background = leave_open and opened is not None
    if background:
        finish_copy()  # before any query: the last chunk's rows are stored first
    versioning.changed()
    if connection.vendor == "postgresql":
        cols = ", ".join(NEW_COLUMNS)
        target = table or Observation._meta.db_table
        sql = f"COPY {target} ({cols}) FROM STDIN (FORMAT BINARY)"
        if background and opened is not None:
            cursor = connection.cursor()
            manager = cursor.cursor.copy(sql)
            opened.append((manager, cursor))
            copy = manager.__enter__()
            for piece in _pg_binary_copy(frame, batch_id):
                copy.write(piece)
            return len(frame)
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for piece in _pg_binary_copy(frame, batch_id):
                copy.write(piece)
        return len(frame)
    if not _sqlite_unpivot(frame, batch_id, table=table, background=background):
        insert_observations(_long_rows(frame, batch_id), count=len(frame), table=table)
    return len(frame)


# COPYs left open by ``insert_new_observations(leave_open=True)`` within ``open_copies`` (on
# SQLite: its INSERT … SELECT running in a thread): the database stores the rows while the
# importer reads on; ``finish_copy`` waits for it to be done.
_open_copies: contextvars.ContextVar[list[tuple[Any, Any]] | None] = contextvars.ContextVar(
    "kompas_open_copies", default=None
)


@contextlib.contextmanager
def open_copies() -> Iterator[None]:
    """Allow COPYs to be left open within the block; every one is finished (or, on an error,
    aborted) at its end."""
    token = _open_copies.set([])
    try:
        yield
    except BaseException as exc:
        finish_copy(exc)
        raise
    else:
        finish_copy()
    finally:
        _open_copies.reset(token)


def finish_copy(exc: BaseException | None = None) -> None:
    """Finish a COPY left open (no query may run on the connection while one is)."""
    opened = _open_copies.get()
    while opened:
        manager, cursor = opened.pop()
        try:
            manager.__exit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)
        finally:
            cursor.close()


_PG_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)


def _pg_binary_copy(frame: pd.DataFrame, batch_id: int) -> Iterator[bytes]:
    """The rows in PostgreSQL's binary COPY format (a big-endian field count per row, then per
    field its byte length, -1 for NULL, and its bytes), in the order of ``NEW_COLUMNS``, as
    pieces of at most ``GATHER_ROWS`` rows.

    Rows come out in the order of the unique (area, indicator, period) index: PostgreSQL then
    appends to the index instead of splitting pages all over it, which makes the COPY about
    three times faster. Each group of rows of one width is encoded as one structured array;
    the rows are then gathered in index order by byte offsets."""
    values = {
        c: frame[c].to_numpy(dtype="float64") for c in ("value", "margin_lower", "margin_upper")
    }
    nulls = {c: np.isnan(v) for c, v in values.items()}
    period_codes, periods = pd.factorize(frame["period"].astype(str))
    key_codes, keys = pd.factorize(frame["source_key"].astype(str))
    group = (
        (period_codes.astype(np.int64) * len(keys) + key_codes) * 8
        + nulls["value"] * 4
        + nulls["margin_lower"] * 2
        + nulls["margin_upper"]
    )
    by_group = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, group[by_group][1:] != group[by_group][:-1]])
    area = frame["area_id"].to_numpy(dtype="int64")
    indicator = frame["indicator_id"].to_numpy(dtype="int64")
    row_offset = np.empty(len(frame), dtype=np.int64)  # of each frame row in the buffer
    row_width = np.empty(len(frame), dtype=np.int64)
    encoded: list[tuple[np.ndarray, list[tuple[str, str, object]]]] = []
    offset = 0
    for start, end in zip(starts, [*starts[1:], len(by_group)], strict=True):
        rows = by_group[start:end]
        first = rows[0]
        period = str(periods[period_codes[first]]).encode()
        key = str(keys[key_codes[first]]).encode()
        is_null = {c: bool(nulls[c][first]) for c in values}
        status = (Status.MISSING if is_null["value"] else Status.OK).value.encode()
        # (name, dtype, byte length or -1 for NULL, value), in the order of NEW_COLUMNS.
        cells: list[tuple[str, str, int, object]] = [
            ("area", ">i8", 8, area[rows]),
            ("indicator", ">i8", 8, indicator[rows]),
            ("period", f"S{len(period)}", len(period), period),
            ("value", ">f8", -1 if is_null["value"] else 8, values["value"][rows]),
            ("status", f"S{len(status)}", len(status), status),
            *(
                (column, ">f8", -1 if is_null[column] else 8, values[column][rows])
                for column in ("margin_lower", "margin_upper")
            ),
            ("is_published", "i1", 1, 1),
            ("batch", ">i8", 8, batch_id),
            ("source_key", f"S{len(key)}", len(key), key),
        ]
        # A length prefix per field, then its bytes unless NULL or empty.
        fields: list[tuple[str, str, object]] = [("count", ">i2", len(NEW_COLUMNS))]
        for name, dtype, size, value in cells:
            fields.append((f"{name}_len", ">i4", size))
            if size > 0:
                fields.append((name, dtype, value))
        width = np.dtype([(name, dtype) for name, dtype, _ in fields]).itemsize
        row_offset[rows] = offset + width * np.arange(len(rows))
        row_width[rows] = width
        offset += width * len(rows)
        encoded.append((rows, fields))
    # Each group is written straight into its place in one buffer.
    buffer = np.empty(offset, dtype=np.uint8)
    for rows, fields in encoded:
        begin = int(row_offset[rows[0]])
        dtype = np.dtype([(name, dtype) for name, dtype, _ in fields])
        block = buffer[begin : begin + dtype.itemsize * len(rows)].view(dtype)
        for name, _dtype, value in fields:
            block[name] = value
    del encoded
    period_order, _ = pd.factorize(frame["period"].astype(str), sort=True)
    order = np.lexsort((period_order, indicator, area))
    yield _PG_SIGNATURE
    for start in range(0, len(order), GATHER_ROWS):
        rows = order[start : start + GATHER_ROWS]
        widths = row_width[rows]
        ends = np.cumsum(widths)
        # Byte i of the piece comes from its row's offset plus its place within the row.
        index = np.repeat(row_offset[rows] - (ends - widths), widths) + np.arange(ends[-1])
        yield buffer[index].tobytes()
    yield struct.pack("!h", -1)


def _sqlite_unpivot(
    frame: pd.DataFrame, batch_id: int, *, table: str | None = None, background: bool = False
) -> bool:
    """Write the rows through a wide temporary table; False (nothing written) when the frame
    is no full grid of (area, period) × (indicator, source key) or carries margins.

    ``background``: the INSERT … SELECT that unpivots runs in a thread, left for
    ``finish_copy`` (the caller's next query must wait for it): SQLite runs a statement without
    Python's lock, so the importer reads the next chunk meanwhile, on the other core. The
    connection is not touched by the importer until then, so the thread has it to itself."""
    if frame["margin_lower"].notna().any() or frame["margin_upper"].notna().any():
        return False
    row_codes, row_keys = _pairs(frame["area_id"], frame["period"].astype(str))
    col_codes, col_keys = _pairs(frame["indicator_id"], frame["source_key"].astype(str))
    n_rows, n_cols = len(row_keys), len(col_keys)
    if n_cols > UNPIVOT_MAX_COLUMNS or n_rows * n_cols != len(frame):
        return False
    grid = np.full((n_rows, n_cols), np.nan)
    filled = np.zeros((n_rows, n_cols), dtype=bool)
    grid[row_codes, col_codes] = frame["value"].to_numpy(dtype="float64")
    filled[row_codes, col_codes] = True
    if not filled.all():  # a repeated (area, period, indicator) cannot fill the grid
        return False
    cells = grid.astype(object)
    cells[np.isnan(grid)] = None
    table = table or Observation._meta.db_table
    stage = "kompas_new_observations"
    cols = ", ".join(NEW_COLUMNS)
    raw = connection.cursor().cursor  # sqlite3's own cursor: no %s rewriting per statement
    raw.execute(f"DROP TABLE IF EXISTS temp.{stage}")
    # No declared types: values keep the type they are bound with.
    raw.execute(
        f"CREATE TEMP TABLE {stage} (area_id, period, "
        + ", ".join(f"c{k}" for k in range(n_cols))
        + ")"
    )
    marks = ", ".join(["?"] * (n_cols + 2))
    raw.executemany(
        f"INSERT INTO temp.{stage} VALUES ({marks})",
        [
            (int(area), str(period), *cells_row)
            for (area, period), cells_row in zip(row_keys, cells.tolist(), strict=True)
        ],
    )
    # The measure columns as rows: one per column, in order.
    raw.execute(f"DROP TABLE IF EXISTS temp.{stage}_columns")
    raw.execute(
        f"CREATE TEMP TABLE {stage}_columns (k INTEGER PRIMARY KEY, indicator_id, source_key)"
    )
    raw.executemany(
        f"INSERT INTO temp.{stage}_columns VALUES (?, ?, ?)",
        [(k, int(indicator_id), str(key)) for k, (indicator_id, key) in enumerate(col_keys)],
    )
    # Every (area row, column) pair, area after area (CROSS JOIN keeps the staging table as the
    # outer loop): each area's rows land together in the table, so reading an area back, as
    # the aggregation does next, touches a page or two instead of one per indicator.
    statements = []
    for start in range(0, n_cols, UNPIVOT_PER_STATEMENT):
        end = min(start + UNPIVOT_PER_STATEMENT, n_cols)
        cell = _pick_column(start, end)
        statements.append(
            f"INSERT INTO {table} ({cols}) "
            f"SELECT area_id, indicator_id, period, v, "
            f"CASE WHEN v IS NULL THEN '{Status.MISSING.value}' ELSE '{Status.OK.value}' END, "
            f"NULL, NULL, 1, {int(batch_id)}, source_key FROM ("
            f"SELECT s.area_id, c.indicator_id, s.period, {cell} AS v, c.source_key "
            f"FROM temp.{stage} s CROSS JOIN temp.{stage}_columns c "
            f"WHERE c.k >= {start} AND c.k < {end})"
        )
    statements += [f"DROP TABLE temp.{stage}_columns", f"DROP TABLE temp.{stage}"]
    if background:
        opened = _open_copies.get()
        assert opened is not None  # the caller checked
        opened.append((_InThread(raw, statements), raw))
    else:
        for statement in statements:
            raw.execute(statement)
    return True


class _InThread:
    """Statements run on a cursor in a thread of their own; ``__exit__`` (called by
    ``finish_copy``) waits for them and raises what they raised, unless an error is already
    on its way (the transaction is rolled back then anyway)."""

    def __init__(self, cursor: sqlite3.Cursor, statements: list[str]) -> None:
        self.error: BaseException | None = None

        def run() -> None:
            try:
                for statement in statements:
                    cursor.execute(statement)
            except BaseException as exc:  # handed to the importer's thread in __exit__
                self.error = exc

        self.thread = threading.Thread(target=run, name="kompas-sqlite-insert")
        self.thread.start()

    def __exit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        self.thread.join()
        if self.error is not None and kind is None:
            raise self.error


def _pick_column(start: int, end: int) -> str:
    """An SQL expression for staging column ``s.c{c.k}``, for k in [start, end): a binary tree of
    CASEs, so a row costs a few comparisons (SQLite tries a flat CASE's branches one by one;
    over 250 columns that alone made the unpivot a third slower)."""
    if end - start <= 4:
        return "CASE c.k " + " ".join(f"WHEN {k} THEN s.c{k}" for k in range(start, end)) + " END"
    middle = (start + end) // 2
    return (
        f"CASE WHEN c.k < {middle} THEN {_pick_column(start, middle)} "
        f"ELSE {_pick_column(middle, end)} END"
    )


def _pairs(first: pd.Series, second: pd.Series) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Codes of the distinct (first, second) pairs, in order of appearance, and the pairs
    (factorising each column and then their combination: a MultiIndex is far slower)."""
    a_codes, a_values = pd.factorize(first)
    # The texts in the second column mostly follow from the first (one period; one source
    # key per indicator): checked against each code's first text, cheaper than hashing them.
    texts = second.to_numpy(dtype=object)
    # Codes number the values in order of appearance: the running highest code reaches k
    # where code k first appears.
    first_at = np.searchsorted(np.maximum.accumulate(a_codes), np.arange(len(a_values)))
    if len(texts) and bool((texts == texts[first_at][a_codes]).all()):
        return a_codes, [(int(a), str(b)) for a, b in zip(a_values, texts[first_at], strict=True)]
    b_codes, b_values = pd.factorize(second)
    codes, combined = pd.factorize(a_codes.astype(np.int64) * max(len(b_values), 1) + b_codes)
    width = max(len(b_values), 1)
    pairs = [(int(a_values[c // width]), str(b_values[c % width])) for c in combined.tolist()]
    return codes, pairs


def _long_rows(frame: pd.DataFrame, batch_id: int) -> Iterator[tuple[object, ...]]:
    """``COLUMNS``-shaped tuples of the frame, in the order of the unique index."""
    frame = frame.sort_values(["area_id", "indicator_id", "period"], kind="stable")

    def nullable(values: np.ndarray) -> list[object]:
        out = values.astype(object)
        out[np.isnan(values)] = None
        return out.tolist()  # type: ignore[no-any-return]

    values = frame["value"].to_numpy(dtype="float64")
    size = len(frame)
    yield from zip(
        frame["area_id"].tolist(),
        frame["indicator_id"].tolist(),
        frame["period"].astype(str).tolist(),
        nullable(values),
        np.where(np.isnan(values), Status.MISSING.value, Status.OK.value).tolist(),
        nullable(frame["margin_lower"].to_numpy(dtype="float64")),
        nullable(frame["margin_upper"].to_numpy(dtype="float64")),
        [None] * size,
        [True] * size,
        [batch_id] * size,
        frame["source_key"].astype(str).tolist(),
        strict=True,
    )


def secondary_index_dropped(expected_rows: int) -> contextlib.AbstractContextManager[None]:
    """For a bulk load, drop what is cheaper to build again afterwards than to keep up row by
    row, and build it again at the end of the block:

    - the (indicator, period) index (on PostgreSQL every index that backs no primary key or
      unique constraint) when the load brings at least as many rows as the table holds: one
      sorted build over the whole table beats growing it row by row;
    - on PostgreSQL, the foreign keys while the table holds fewer than ``FK_REBUILD_FACTOR``
      times the rows the load brings: PostgreSQL checks a foreign key with a trigger per row
      (about 3 µs each, three keys), adding one back checks the whole table in one join (about
      0.15 µs a row), so from the third yearly table on, keeping them made an import four times
      slower (bench/import_kwb.py, "a third year").

    The unique (area, indicator, period) index stays: the import looks rows up by area while it
    loads. Call inside the import's transaction, so a failure leaves everything as it was (DDL
    is transactional on SQLite and PostgreSQL). While the block runs, PostgreSQL keeps the
    observations locked against readers (dropping a constraint or index needs it)."""

    @contextlib.contextmanager
    def dropped() -> Iterator[None]:
        table = Observation._meta.db_table
        if expected_rows < BULK_LOAD_ROWS:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            (present,) = cursor.fetchone()
        indexes = present <= expected_rows
        foreign_keys = connection.vendor == "postgresql" and (
            present < FK_REBUILD_FACTOR * expected_rows
        )
        if not indexes and not foreign_keys:
            yield
            return
        yield from _without_indexes(table, indexes=indexes, foreign_keys=foreign_keys)

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


def _without_indexes(table: str, *, indexes: bool, foreign_keys: bool) -> Iterator[None]:
    """Drop (``indexes``) the (indicator, period) index and, on PostgreSQL, every index that
    backs no primary key or unique constraint, and (``foreign_keys``, PostgreSQL) the foreign
    keys; yield; create them again as they were."""
    dropped_keys: list[tuple[str, str]] = []
    dropped_indexes: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if indexes:
                cursor.execute(
                    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                    "JOIN pg_class i ON i.oid = x.indexrelid "
                    "WHERE x.indrelid = %s::regclass AND NOT x.indisunique "
                    "AND NOT x.indisprimary",
                    [table],
                )
                dropped_indexes = list(cursor.fetchall())
            if foreign_keys:
                # Added back, each checks all rows in one join (pg_restore does the same).
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f'",
                    [table],
                )
                dropped_keys = list(cursor.fetchall())
            if dropped_keys:
                # Checks of rows written earlier in the transaction (the keys are deferred)
                # are done now: PostgreSQL alters no table with checks pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, _definition in dropped_keys:
                cursor.execute(
                    f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}"
                )
        elif indexes:
            # The one secondary index (SQLite checks a foreign key by a lookup in the other
            # table, cheap enough to keep).
            index = next(
                i for i in Observation._meta.indexes if i.fields == ["indicator", "period"]
            )
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name = %s",
                [index.name],
            )
            dropped_indexes = list(cursor.fetchall())
        for name, _definition in dropped_indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Index builds sort in memory up to this much (the default 64 MB spills to disk).
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in dropped_indexes:
            cursor.execute(definition)
        for name, definition in dropped_keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )
        if dropped_keys:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as they were declared
        if connection.vendor == "postgresql":
            # The planner still believes the table as small as before the load (autovacuum
            # cannot see uncommitted rows): without fresh statistics the aggregation that
            # follows reads by sequential scans, one per batch of municipalities.
            cursor.execute(f"ANALYZE {table}")


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


# A temporary table for rows held back until their aggregates are known (see
# ``aggregation.ImportAggregation``), and one for the aggregates: both live in the import's
# transaction only, without indexes, WAL or foreign keys.
STAGE = "kompas_stage"
AGGREGATES = "kompas_aggregates"


def create_stage() -> None:
    _create_temporary(
        STAGE,
        "area_id bigint, indicator_id bigint, period varchar(10), value double precision, "
        "status varchar(12), margin_lower double precision, margin_upper double precision, "
        "computed_value double precision, is_published boolean, batch_id bigint, "
        "source_key varchar(120)",
    )


def create_aggregates() -> None:
    _create_temporary(
        AGGREGATES,
        "area_id bigint, indicator_id bigint, period varchar(10), value double precision",
    )


def _create_temporary(name: str, columns: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP")
        else:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")


def add_aggregates(
    area_ids: np.ndarray, indicator_ids: np.ndarray, periods: np.ndarray, values: np.ndarray
) -> int:
    """Add computed values (NaN = none) to the ``AGGREGATES`` table."""
    cells = values.astype(object)
    cells[np.isnan(values)] = None
    rows = zip(
        area_ids.tolist(), indicator_ids.tolist(), periods.tolist(), cells.tolist(), strict=True
    )
    return insert_observations(
        rows,
        count=len(area_ids),
        table=AGGREGATES,
        columns=("area_id", "indicator_id", "period", "value"),
    )


def store_aggregates(*, staged: bool, aggregates: bool = True, stored: bool = True) -> None:
    """Store the held-back rows (``staged``) and the ``AGGREGATES``: the computed value beside
    a row of its area, indicator and period (and as its value where that row is no published
    one), and as a new row where there is none. ``stored`` False: no row stored before holds
    any of these aggregates' area, indicator and period (so none needs an update). Drops both
    tables."""
    versioning.changed()
    table = Observation._meta.db_table
    pg = connection.vendor == "postgresql"
    stage = STAGE if pg else f"temp.{STAGE}"
    agg = AGGREGATES if pg else f"temp.{AGGREGATES}"
    same = "o.area_id = a.area_id AND o.indicator_id = a.indicator_id AND o.period = a.period"
    missing, ok = Status.MISSING.value, Status.OK.value
    status = f"CASE WHEN a.value IS NULL THEN '{missing}' ELSE '{ok}' END"
    cols = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        if aggregates and not pg:  # SQLite joins temporary tables through their own indexes
            cursor.execute(
                f"CREATE INDEX temp.{AGGREGATES}_key ON {AGGREGATES} "
                "(area_id, indicator_id, period)"
            )
        if aggregates and stored:
            # Rows stored before this import: only a changed value is written.
            target = f"{table} o" if pg else f"{table} AS o"
            differs = "IS DISTINCT FROM" if pg else "IS NOT"
            cursor.execute(
                f"UPDATE {target} SET computed_value = a.value, "
                f"value = CASE WHEN o.is_published THEN o.value ELSE a.value END, "
                f"status = CASE WHEN o.is_published THEN o.status ELSE {status} END "
                f"FROM {agg} a WHERE {same} AND o.computed_value {differs} a.value"
            )
        if aggregates:
            # Aggregates without a row (none stored, none held back): rows of their own.
            # (Held-back rows are not stored yet: they are looked for in their own table.)
            conditions = []
            if stored:
                conditions.append(f"NOT EXISTS (SELECT 1 FROM {table} o WHERE {same})")
            if staged:
                if not pg:
                    cursor.execute(
                        f"CREATE INDEX temp.{STAGE}_key ON {STAGE} (area_id, indicator_id, period)"
                    )
                conditions.append(f"NOT EXISTS (SELECT 1 FROM {stage} o WHERE {same})")
            missing_row = ("WHERE " + " AND ".join(conditions)) if conditions else ""
            cursor.execute(
                f"INSERT INTO {table} ({cols}) SELECT a.area_id, a.indicator_id, a.period, "
                f"a.value, {status}, NULL, NULL, a.value, %s, NULL, '' FROM {agg} a "
                f"{missing_row}",
                [False],
            )
        if staged:
            # The held-back rows, each with its computed value. They are in the order of the
            # index already (chunk after chunk, each sorted): no sort needed.
            computed = "a.value" if aggregates else "NULL"
            picked = ", ".join(computed if c == "computed_value" else f"o.{c}" for c in COLUMNS)
            joined = f"LEFT JOIN {agg} a ON {same}" if aggregates else ""
            cursor.execute(f"INSERT INTO {table} ({cols}) SELECT {picked} FROM {stage} o {joined}")
            cursor.execute(f"DROP TABLE {stage}")
        if aggregates:
            cursor.execute(f"DROP TABLE {agg}")
