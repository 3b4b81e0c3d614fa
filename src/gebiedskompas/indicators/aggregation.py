"""Values for wijk, stadsdeel, gemeente and cluster computed from the buurten.

Each indicator's rule (sum, ratio of two sums, weighted mean, not aggregable) decides. Where CBS
publishes the higher level itself, the published value stays the value shown and the computed one
is kept beside it (``computed_value``); elsewhere the computed value is the value
(``is_published`` False).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd
from django.db import connection, transaction

from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.models import Area
from gebiedskompas.areas.services import AreaRef
from gebiedskompas.indicators import bulk
from gebiedskompas.indicators.domain.aggregation import AggregationRule, GroupSums, RuleSpec
from gebiedskompas.indicators.models import Indicator, Observation, Status


def rules_by_key(indicators: Iterable[Indicator]) -> dict[str, RuleSpec]:
    out = {}
    for ind in indicators:
        rule = AggregationRule(ind.aggregation)
        out[ind.key] = RuleSpec(
            rule=rule,
            numerator=ind.numerator or None,
            denominator=ind.denominator or None,
            weight=ind.weight or None,
            scale=ind.scale,
        )
    return out


def _membership(municipality_ids: Iterable[int]) -> tuple[pd.DataFrame, dict[int, int]]:
    """(member buurt id, group id) for every higher area of the municipalities (clusters are
    not aggregated here), and each area's municipality."""
    areas = _area_rows(municipality_ids)
    return _links(areas, [a for a, (level, _p, _m) in areas.items() if level == AreaLevel.BUURT])


def _area_rows(municipality_ids: Iterable[int]) -> dict[int, tuple[str, int | None, int | None]]:
    """id → (level, parent id, municipality id) of every area of the municipalities."""
    ids = sorted(int(m) for m in municipality_ids)
    rows: dict[int, tuple[str, int | None, int | None]] = {}
    for start in range(0, len(ids), 900):  # SQLite's 999 parameters per statement
        for area_id, level, parent_id, municipality_id in Area.objects.filter(
            municipality_id__in=ids[start : start + 900]
        ).values_list("id", "level", "parent_id", "municipality_id"):
            rows[area_id] = (level, parent_id, municipality_id)
    return rows


def _links(
    areas: Mapping[int, tuple[str, int | None, int | None]], buurten: Iterable[int]
) -> tuple[pd.DataFrame, dict[int, int]]:
    """Membership of these buurten in their ancestors among ``areas``, and the municipality of
    every area in ``areas``."""
    members, groups = [], []
    for buurt in buurten:
        seen = set()
        parent_id = areas[buurt][1]
        while parent_id is not None and parent_id in areas and parent_id not in seen:
            seen.add(parent_id)
            members.append(buurt)
            groups.append(parent_id)
            parent_id = areas[parent_id][1]
    scopes = {a: m for a, (_level, _parent, m) in areas.items() if m is not None}
    membership = pd.DataFrame(
        {"member": np.array(members, dtype=np.int64), "group": np.array(groups, dtype=np.int64)}
    )
    return membership, scopes


def recompute_municipality(municipality: Area) -> int:
    """Recompute all aggregates of one municipality; returns the number of values written."""
    return recompute_municipalities([municipality.pk])


def recompute_municipalities(
    municipality_ids: list[int], *, per_batch: int = 10, periods: Iterable[str] | None = None
) -> int:
    """Recompute the aggregates of these municipalities, a batch of them at a time (one
    aggregation per batch keeps the per-call overhead low and the memory bounded); only those
    of ``periods`` when given (a group's value for a period follows from its buurten's values
    for that period alone)."""
    wanted = sorted(set(periods)) if periods is not None else None
    written = 0
    for start in range(0, len(municipality_ids), per_batch):
        written += _recompute(municipality_ids[start : start + per_batch], wanted)
    return written


def _periods_sql(periods: list[str] | None, column: str = "o.period") -> str:
    """`` AND column IN (…)`` for these periods (checked to be period codes), or nothing."""
    if periods is None:
        return ""
    for period in periods:
        if not re.fullmatch(r"[0-9A-Za-z-]{1,10}", period):
            raise ValueError(f"not a period: {period!r}")
    return (
        f" AND {column} IN ({', '.join(repr(str(p)) for p in periods)})"
        if periods
        else " AND 1 = 0"
    )


def _fetch_frame(sql: str, params: list[object], columns: Mapping[str, str]) -> pd.DataFrame:
    """A query's rows as a DataFrame with these columns and dtypes ("int64", "float64" with
    NULL as NaN, "bool", "str" or "category"), read a block at a time through the driver's
    cursor: the ORM would build a tuple per row on top of the driver's and keep them all at
    once, and object columns would keep a Python object per cell."""
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20_000):
            block = {}
            for (name, dtype), cells in zip(columns.items(), zip(*rows, strict=True), strict=True):
                if dtype in ("int64", "float64", "bool"):
                    block[name] = np.array(cells, dtype=dtype if dtype != "float64" else float)
                else:
                    codes, uniques = pd.factorize(np.array(cells, dtype=object))
                    block[name] = pd.Categorical.from_codes(codes, [str(u) for u in uniques])
            parts.append(pd.DataFrame(block))
            del rows
    if not parts:
        return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in columns.items()})
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return frame.astype(dict(columns))


VALUE_COLUMNS = {
    "area_id": "int64",
    "indicator_id": "int64",
    "period": "category",
    "value": "float64",
}
# Observation.period holds at most 10 characters: 40 bytes of UTF-8.
PERIOD_BYTES = 40
# One row of the binary COPY below: a field count, then a length and the bytes of each field.
_VALUE_ROW = np.dtype(
    [
        ("count", ">i2"),
        ("area_len", ">i4"),
        ("area_id", ">i8"),
        ("indicator_len", ">i4"),
        ("indicator_id", ">i8"),
        ("period_len", ">i4"),
        ("period", f"S{PERIOD_BYTES}"),
        ("value_len", ">i4"),
        ("value", ">f8"),
    ]
)
_COPY_HEADER = 19  # signature, flags, header extension length
_COPY_TRAILER = 2


def _buurt_values(municipality_ids: list[int], periods: list[str] | None = None) -> pd.DataFrame:
    """Every stored value of the municipalities' buurten (of these periods, when given):
    area_id, indicator_id, period, value (NaN when missing). On PostgreSQL a binary COPY of
    fixed-width rows that numpy reads as it is (the period as UTF-8 bytes padded with zero
    bytes to its greatest length, NULL sent as NaN): no Python object per cell."""
    table, areas = Observation._meta.db_table, Area._meta.db_table
    where = (
        f"FROM {table} o JOIN {areas} a ON a.id = o.area_id "
        f"WHERE a.municipality_id IN ({', '.join(str(int(m)) for m in municipality_ids)}) "
        f"AND a.level = '{AreaLevel.BUURT.value}'{_periods_sql(periods)}"
    )
    if connection.vendor != "postgresql":
        return _fetch_frame(
            f"SELECT o.area_id, o.indicator_id, o.period, o.value {where}", [], VALUE_COLUMNS
        )
    query = (
        "COPY (SELECT o.area_id, o.indicator_id, "
        f"substring(convert_to(o.period, 'UTF8') || decode(repeat('00', {PERIOD_BYTES}), "
        f"'hex') FROM 1 FOR {PERIOD_BYTES}), COALESCE(o.value, 'NaN') {where}) "
        "TO STDOUT (FORMAT BINARY)"
    )
    # Rows are decoded a megabyte at a time into typed columns: the raw rows are never all in
    # memory at once.
    parts: list[pd.DataFrame] = []
    pending = bytearray()
    skip = _COPY_HEADER
    with connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
        for piece in copy:
            pending += piece
            if len(pending) >= 1 << 20:
                skip = _decode_rows(pending, skip, parts)
    if len(pending) - skip != _COPY_TRAILER:
        skip = _decode_rows(pending, skip, parts)
    if len(pending) - skip != _COPY_TRAILER:
        raise RuntimeError("unexpected row layout in PostgreSQL's binary COPY")
    if not parts:
        return pd.DataFrame({name: pd.Series([], dtype=t) for name, t in VALUE_COLUMNS.items()})
    return pd.concat(parts, ignore_index=True).astype({"period": "category"})


def _decode_rows(pending: bytearray, skip: int, parts: list[pd.DataFrame]) -> int:
    """Decode the whole rows in ``pending`` after ``skip`` bytes into ``parts``, drop them from
    ``pending``, and return the bytes to skip next time (0)."""
    count = (len(pending) - skip) // _VALUE_ROW.itemsize
    if count:
        rows = np.frombuffer(bytes(pending), dtype=_VALUE_ROW, count=count, offset=skip)
        padded, period_codes = np.unique(rows["period"], return_inverse=True)
        parts.append(
            pd.DataFrame(
                {
                    "area_id": rows["area_id"].astype(np.int64),
                    "indicator_id": rows["indicator_id"].astype(np.int64),
                    "period": pd.Categorical.from_codes(
                        period_codes.reshape(-1),
                        [p.rstrip(b"\x00").decode() for p in padded.tolist()],
                    ),
                    "value": rows["value"].astype(np.float64),
                }
            )
        )
    del pending[: skip + count * _VALUE_ROW.itemsize]
    return 0


@transaction.atomic
def _recompute(municipality_ids: list[int], periods: list[str] | None = None) -> int:
    membership, scopes = _membership(municipality_ids)
    if membership.empty:
        return 0
    indicators = list(Indicator.objects.all())
    sums = GroupSums(rules_by_key(i for i in indicators if i.aggregation != "none"))
    key_of = pd.Series({i.pk: i.key for i in indicators}, dtype=object)
    values = _buurt_values(municipality_ids, periods)
    if values.empty:
        return 0
    sums.add(
        pd.DataFrame(
            {
                "area": values["area_id"].to_numpy(),
                "indicator": key_of.reindex(values["indicator_id"]).to_numpy(),
                "period": values["period"].to_numpy(),
                "value": values["value"].astype("float64").to_numpy(),
            }
        ),
        membership,
        scopes,
    )
    n_members = membership.groupby("group", sort=False).size().to_dict()
    return _store(sums.result(n_members, scopes), {i.key: i.pk for i in indicators}, periods)


def _store(
    result: pd.DataFrame, indicator_ids: Mapping[str, int], periods: list[str] | None = None
) -> int:
    """Write aggregates (``GroupSums.result`` with area ids as groups): new rows for groups
    that lack one, the computed value beside a published one, and the value itself where
    nothing is published. Returns the number of aggregates."""
    if result.empty:
        return 0
    table = Observation._meta.db_table
    result = pd.DataFrame(
        {
            "area_id": result["group"].astype("int64").to_numpy(),
            "indicator_id": result["indicator"].map(indicator_ids).astype("int64").to_numpy(),
            "period": result["period"].astype(str).to_numpy(),
            "value": result["value"].astype("float64").to_numpy(),
        }
    )
    group_ids = [int(g) for g in result["area_id"].unique()]
    parts = []
    for start in range(0, len(group_ids), 900):  # SQLite's 999 parameters per statement
        part = group_ids[start : start + 900]
        parts.append(
            _fetch_frame(
                f"SELECT id, area_id, indicator_id, period, is_published, computed_value "
                f"FROM {table} o WHERE area_id IN ({', '.join(['%s'] * len(part))})"
                f"{_periods_sql(periods)}",
                part,
                {
                    "id": "int64",
                    "area_id": "int64",
                    "indicator_id": "int64",
                    "period": "str",
                    "is_published": "bool",
                    "old_computed": "float64",
                },
            )
        )
    existing = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    merged = result.merge(
        existing.astype({"area_id": "int64", "indicator_id": "int64", "period": "str"}),
        on=["area_id", "indicator_id", "period"],
        how="left",
    )
    value = merged["value"].astype("float64")
    old = merged["old_computed"].astype("float64")
    unchanged = (value.isna() & old.isna()) | (value == old)
    is_new = merged["id"].isna()
    published = merged["is_published"].fillna(False).astype(bool)

    def nullable(series: pd.Series) -> list[object]:
        return [None if math.isnan(v) else v for v in series.astype("float64").tolist()]

    status = np.where(value.isna(), Status.MISSING.value, Status.OK.value)
    create = merged[is_new]
    size = len(create)
    create_values = nullable(create["value"])
    bulk.insert_observations(
        zip(
            create["area_id"].astype("int64").tolist(),
            create["indicator_id"].astype("int64").tolist(),
            create["period"].astype(str).tolist(),
            create_values,
            status[is_new.to_numpy()].tolist(),
            [None] * size,
            [None] * size,
            create_values,
            [False] * size,
            [None] * size,
            [""] * size,
            strict=True,
        ),
        count=size,
    )
    # A value that the last computation already gave is not written again: a re-import that
    # changes nothing writes nothing.
    beside = merged[~is_new & published & ~unchanged]
    bulk.update_computed(
        list(zip(nullable(beside["value"]), beside["id"].astype("int64").tolist(), strict=True)),
        with_value=False,
    )
    alone_mask = ~is_new & ~published & ~unchanged
    alone = merged[alone_mask]
    alone_values = nullable(alone["value"])
    bulk.update_computed(
        list(
            zip(
                alone_values,
                alone_values,
                status[alone_mask.to_numpy()].tolist(),
                alone["id"].astype("int64").tolist(),
                strict=True,
            )
        ),
        with_value=True,
    )
    return len(merged)


def recompute_for_areas(area_ids: Iterable[int], *, periods: Iterable[str] | None = None) -> int:
    """Recompute the aggregates of the municipalities of these areas (of ``periods`` only, when
    given)."""
    ids = list(area_ids)
    municipality_ids: set[int] = set()
    for start in range(0, len(ids), 5000):
        municipality_ids.update(
            Area.objects.filter(pk__in=ids[start : start + 5000]).values_list(
                "municipality_id", flat=True
            )
        )
    municipality_ids.discard(None)  # type: ignore[arg-type]  # areas without a municipality
    return recompute_municipalities(sorted(municipality_ids), periods=periods)


class ImportAggregation:
    """The aggregates an import leads to, with the sums for municipalities that get their first
    buurt figures from it taken while the chunks pass.

    Such a municipality's buurt values after the import are exactly the rows the import
    writes, so its group sums can be added up from each chunk as it goes by instead of reading
    ≈ 2 million values back at the end of a national import. Its wijk and gemeente rows (those
    of areas without stored figures) are held back in a temporary table and stored at the end
    together with their computed values: each row is written once, never inserted and then
    updated. A municipality that already held buurt figures is recomputed from the database
    afterwards, as ``recompute_for_areas`` does.

    Call ``before_write`` with each chunk's areas and indicators before writing its rows,
    ``add`` with the rows written (``held`` tells which rows ``stage`` takes instead), then
    ``store`` and ``recompute_others`` once at the end, inside the import's transaction.
    """

    # Municipalities whose results are computed at a time at the end: bounds the memory.
    FINISH_BATCH = 25

    def __init__(self) -> None:
        self._streamed: set[int] = set()  # municipalities summed while the chunks pass
        self._others: set[int] = set()  # municipalities recomputed afterwards
        self._areas: dict[int, tuple[str, int | None, int | None]] = {}
        self._stored_groups: set[int] = set()  # their higher areas that hold figures already
        self._keys: dict[int, str] = {}
        self._sums: GroupSums | None = None
        self._rules: dict[str, RuleSpec] = {}
        self._gave_up = False
        self._staged = 0
        self._periods: set[str] = set()  # of the import's rows
        self._checked: dict[int, set[str]] = {}  # periods checked per municipality summed along
        self._history: set[int] = set()  # those of them with buurt figures of other periods
        self._all_periods: set[int] = set()  # recomputed for every period

    def before_write(
        self,
        areas: Iterable[AreaRef],
        indicator_ids: Iterable[int],
        *,
        periods: set[str],
        created: set[int] = frozenset(),  # type: ignore[assignment]
    ) -> None:
        """Call with a chunk's areas, indicators and periods (and the areas the import made
        for it) before writing its rows; the queries it needs happen here, so that ``add``
        can run while the rows are still being written.

        A municipality is summed along when it holds no buurt figures for the periods its rows
        bring; figures of other periods (an earlier year) keep their aggregates, unless the
        import adds a buurt to it: then every period's aggregates are recomputed, since a sum
        needs every member."""
        areas = list(areas)
        self._periods |= periods
        here = {a.municipality_id for a in areas if a.municipality_id is not None}
        new = here - self._streamed - self._others
        if new and self._gave_up:
            self._others |= new
        elif new:
            with_values, stored_groups, with_history = _stored_figures(sorted(new), periods)
            self._others |= with_values
            self._streamed |= new - with_values
            self._stored_groups |= stored_groups
            self._history |= with_history
            for m in new:
                self._checked[m] = set(periods)
        # A period not yet checked for a municipality summed along (a table with quarters
        # whose rows of one municipality span chunks).
        unchecked = {m for m in here & self._streamed if not periods <= self._checked[m]}
        if unchecked:
            later = periods - set.intersection(*(self._checked[m] for m in unchecked))
            with_values, stored_groups, _history = _stored_figures(sorted(unchecked), later)
            self._stored_groups |= stored_groups
            self._leave(with_values)
            for m in unchecked:
                self._checked[m] |= periods
        # A buurt made by the import in a municipality with figures of other periods.
        grown = {a.municipality_id for a in areas if a.pk in created and a.level == AreaLevel.BUURT}
        grown &= self._history | self._others
        self._all_periods |= grown
        self._leave(grown & self._streamed)
        # The areas of this chunk's municipalities only: a municipality met again later (a
        # file not sorted by municipality) is read again.
        wanted = here & self._streamed
        kept = {a: row for a, row in self._areas.items() if row[2] in wanted}
        missing = wanted - {row[2] for row in kept.values()}
        kept.update(_area_rows(missing))
        for area in areas:
            if area.municipality_id in wanted:
                kept[area.pk] = (area.level, area.parent_id, area.municipality_id)
        self._areas = kept
        if self._streamed:
            self._prepared(indicator_ids)

    def _leave(self, municipalities: set[int]) -> None:
        """Stop summing these municipalities along: they are recomputed at the end (their
        sums so far are not used; rows already held back are stored without them)."""
        municipalities &= self._streamed
        if municipalities:
            self._streamed -= municipalities
            self._others |= municipalities

    def held(self, frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
        """Which rows (of the chunk passed to ``before_write`` last) ``stage`` takes: those of
        the wijken, stadsdelen and gemeenten summed along that hold no figures yet."""
        if not self._streamed or self._sums is None:
            return np.zeros(len(frame), dtype=bool)
        groups = [
            a
            for a, (level, _parent, _m) in self._areas.items()
            if level != AreaLevel.BUURT and a not in self._stored_groups
        ]
        return np.isin(frame["area_id"].to_numpy(dtype=np.int64), groups)

    def stage(self, frame: pd.DataFrame, batch_id: int) -> None:
        """Hold these new rows back until ``finish`` (see ``bulk.insert_new_observations``)."""
        if frame.empty:
            return
        if not self._staged:
            bulk.create_stage()
        self._staged += bulk.insert_new_observations(frame, batch_id, table=bulk.STAGE)

    def add(self, frame: pd.DataFrame) -> None:
        """Rows written (area_id, indicator_id, key, period, value), of the areas passed to
        ``before_write`` last."""
        if not self._streamed or self._sums is None:
            return
        areas = self._areas
        area_ids = frame["area_id"].to_numpy(dtype=np.int64)
        distinct = pd.unique(area_ids)
        buurten = [
            int(a)
            for a in distinct.tolist()
            if (row := areas.get(a)) is not None and row[0] == AreaLevel.BUURT
        ]
        if not buurten:
            return
        keep = np.isin(area_ids, buurten)
        membership, _ = _links(areas, buurten)
        scopes = {b: areas[b][2] for b in buurten}
        # Categorical columns stay categorical: no Python string per row.
        self._sums.add(
            pd.DataFrame(
                {
                    "area": area_ids[keep],
                    "indicator": frame["key"].array[keep],
                    "period": frame["period"].array[keep],
                    "value": frame["value"].to_numpy(dtype=np.float64)[keep],
                }
            ),
            membership,
            scopes,
        )

    def _prepared(self, indicator_ids: Iterable[int]) -> None:
        """Load the rules once; should the indicators change while the chunks pass (a table
        whose later chunks bring new indicators), give up summing along: every municipality
        is then recomputed from the database at the end."""
        missing = [int(i) for i in indicator_ids if int(i) not in self._keys]
        if self._sums is not None and not missing:
            return
        indicators = list(Indicator.objects.all())
        rules = rules_by_key(i for i in indicators if i.aggregation != "none")
        if self._sums is not None and rules != self._rules:
            self._others |= self._streamed
            self._streamed.clear()
            self._gave_up = True
            self._areas.clear()
            return
        self._keys = {i.pk: i.key for i in indicators}
        self._rules = rules
        if self._sums is None:
            self._sums = GroupSums(rules)

    def store(self) -> int:
        """Store the held-back rows and the aggregates of the municipalities summed along;
        returns the number of aggregates."""
        written = 0
        streamed = sorted(self._streamed)
        if streamed and self._sums is not None:
            bulk.create_aggregates()
            indicator_ids = {key: pk for pk, key in self._keys.items()}
            for start in range(0, len(streamed), self.FINISH_BATCH):
                membership, scopes = _membership(streamed[start : start + self.FINISH_BATCH])
                if membership.empty:
                    continue
                n_members = membership.groupby("group", sort=False).size().to_dict()
                result = self._sums.result(n_members, scopes)
                written += bulk.add_aggregates(
                    result["group"].to_numpy(dtype=np.int64),
                    result["indicator"].map(indicator_ids).to_numpy(dtype=np.int64),
                    result["period"].astype(str).to_numpy(),
                    result["value"].to_numpy(dtype=np.float64),
                )
            bulk.store_aggregates(staged=bool(self._staged), stored=bool(self._stored_groups))
        elif self._staged:
            bulk.store_aggregates(staged=True, aggregates=False)
        self._staged = 0
        return written

    def recompute_others(self) -> int:
        """Recompute the municipalities that held buurt figures before (after ``store``): the
        import's periods, or every period where the import added a buurt."""
        some = sorted(self._others - self._all_periods)
        every = sorted(self._others & self._all_periods)
        written = recompute_municipalities(some, periods=self._periods) if some else 0
        return written + (recompute_municipalities(every) if every else 0)


def _stored_figures(
    municipality_ids: list[int], periods: set[str]
) -> tuple[set[int], set[int], set[int]]:
    """Of these municipalities: those holding a buurt observation of these periods, their
    higher areas that hold one of these periods, and those holding a buurt observation of
    another period."""
    table, areas = Observation._meta.db_table, Area._meta.db_table
    in_periods = _periods_sql(sorted(periods))
    with_values: set[int] = set()
    groups: set[int] = set()
    with_history: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(municipality_ids), 900):
            part = municipality_ids[start : start + 900]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT a.id, a.municipality_id, a.level FROM {areas} a "
                f"WHERE a.municipality_id IN ({marks}) "
                f"AND EXISTS (SELECT 1 FROM {table} o WHERE o.area_id = a.id{in_periods})",
                part,
            )
            for area_id, municipality_id, level in cursor.fetchall():
                if level == AreaLevel.BUURT:
                    with_values.add(municipality_id)
                else:
                    groups.add(area_id)
            cursor.execute(
                f"SELECT DISTINCT a.municipality_id FROM {areas} a "
                f"WHERE a.municipality_id IN ({marks}) AND a.level = %s "
                f"AND EXISTS (SELECT 1 FROM {table} o WHERE o.area_id = a.id)",
                [*part, AreaLevel.BUURT.value],
            )
            with_history.update(row[0] for row in cursor.fetchall())
    return with_values, groups, with_history - with_values
