"""Values for wijk, stadsdeel, gemeente and cluster computed from the buurten.

Each indicator's rule (sum, ratio of two sums, weighted mean, not aggregable) decides. Where CBS
publishes the higher level itself, the published value stays the value shown and the computed one
is kept beside it (``computed_value``); elsewhere the computed value is the value
(``is_published`` False).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from django.db import connection, transaction

from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.models import Area, Cluster
from gebiedskompas.indicators import bulk
from gebiedskompas.indicators.domain.aggregation import AggregationRule, RuleSpec, aggregate
from gebiedskompas.indicators.models import Indicator, Observation, Status

CLUSTER_PREFIX = "cluster:"


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


def membership_for(municipality_ids: list[int]) -> pd.DataFrame:
    """(member buurt code, group code) for every higher area and cluster of the municipalities."""
    areas = list(
        Area.objects.filter(municipality_id__in=municipality_ids).values_list(
            "id", "code", "level", "parent_id"
        )
    )
    by_id = {a[0]: a for a in areas}
    rows = []
    for area_id, code, level, parent_id in areas:
        if level != AreaLevel.BUURT:
            continue
        seen = set()
        while parent_id and parent_id in by_id and parent_id not in seen:
            seen.add(parent_id)
            rows.append((code, by_id[parent_id][1]))
            parent_id = by_id[parent_id][3]
        del area_id
    clusters = Cluster.objects.filter(municipality_id__in=municipality_ids)
    for cluster_code, member_code in clusters.values_list("code", "members__code"):
        if member_code:
            rows.append((member_code, CLUSTER_PREFIX + cluster_code))
    return pd.DataFrame(rows, columns=["member", "group"])


def recompute_municipality(municipality: Area) -> int:
    """Recompute all aggregates of one municipality; returns the number of values written."""
    return recompute_municipalities([municipality.pk])


def recompute_municipalities(municipality_ids: list[int], *, per_batch: int = 10) -> int:
    """Recompute the aggregates of these municipalities, a batch of them at a time (one
    aggregation per batch keeps the per-call overhead low and the memory bounded)."""
    written = 0
    for start in range(0, len(municipality_ids), per_batch):
        written += _recompute(municipality_ids[start : start + per_batch])
    return written


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


def _buurt_values(municipality_ids: list[int]) -> pd.DataFrame:
    """Every stored value of the municipalities' buurten: area_id, indicator_id, period, value
    (NaN when missing). On PostgreSQL a binary COPY of fixed-width rows that numpy reads as it
    is (the period as UTF-8 bytes padded with zero bytes to its greatest length, NULL sent as
    NaN): no Python object per cell."""
    table, areas = Observation._meta.db_table, Area._meta.db_table
    where = (
        f"FROM {table} o JOIN {areas} a ON a.id = o.area_id "
        f"WHERE a.municipality_id IN ({', '.join(str(int(m)) for m in municipality_ids)}) "
        f"AND a.level = '{AreaLevel.BUURT.value}'"
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
def _recompute(municipality_ids: list[int]) -> int:
    membership = membership_for(municipality_ids)
    membership = membership[~membership["group"].str.startswith(CLUSTER_PREFIX)]
    if membership.empty:
        return 0
    indicators = list(Indicator.objects.exclude(aggregation="none"))
    rules = rules_by_key(indicators)
    key_of = pd.Series({i.pk: i.key for i in indicators}, dtype=object)
    table = Observation._meta.db_table
    # Read ids, not codes, and filter indicators here: a join or a long IN list per row costs
    # more than the rows it saves.
    buurt_codes = pd.Series(
        dict(
            Area.objects.filter(
                municipality_id__in=municipality_ids, level=AreaLevel.BUURT
            ).values_list("id", "code")
        ),
        dtype=object,
    )
    values = _buurt_values(municipality_ids)
    values = values[values["indicator_id"].isin(key_of.index)]
    if values.empty:
        return 0
    values = pd.DataFrame(
        {
            "area": buurt_codes.reindex(values["area_id"]).to_numpy(),
            "indicator": key_of.reindex(values["indicator_id"]).to_numpy(),
            "period": values["period"].to_numpy(),
            "value": values["value"].astype("float64").to_numpy(),
        }
    )
    result = aggregate(values, membership, rules)
    if result.empty:
        return 0
    area_ids = dict(
        Area.objects.filter(code__in=list(result["group"].unique())).values_list("code", "id")
    )
    ind_ids = {i.key: i.pk for i in indicators}
    result = result.assign(
        area_id=result["group"].map(area_ids), indicator_id=result["indicator"].map(ind_ids)
    )
    result = result[result["area_id"].notna()]
    group_marks = ", ".join(["%s"] * len(area_ids))
    existing = _fetch_frame(
        f"SELECT id, area_id, indicator_id, period, is_published, computed_value FROM {table} "
        f"WHERE area_id IN ({group_marks})",
        list(area_ids.values()),
        {
            "id": "int64",
            "area_id": "int64",
            "indicator_id": "int64",
            "period": "str",
            "is_published": "bool",
            "old_computed": "float64",
        },
    )
    merged = result.astype({"area_id": "int64", "indicator_id": "int64", "period": "str"}).merge(
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


def recompute_for_areas(area_ids: Iterable[int]) -> int:
    ids = list(area_ids)
    municipality_ids: set[int] = set()
    for start in range(0, len(ids), 5000):
        municipality_ids.update(
            Area.objects.filter(pk__in=ids[start : start + 5000]).values_list(
                "municipality_id", flat=True
            )
        )
    municipality_ids.discard(None)  # type: ignore[arg-type]  # areas without a municipality
    return recompute_municipalities(sorted(municipality_ids))
