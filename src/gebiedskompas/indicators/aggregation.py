"""Values for wijk, stadsdeel, gemeente and cluster computed from the buurten.

Each indicator's rule (sum, ratio of two sums, weighted mean, not aggregable) decides. Where CBS
publishes the higher level itself, the published value stays the value shown and the computed one
is kept beside it (``computed_value``); elsewhere the computed value is the value
(``is_published`` False).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

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


def _fetch_frame(sql: str, params: list[object], columns: list[str]) -> pd.DataFrame:
    """A query's rows as a DataFrame, read a block at a time through the driver's cursor (the
    ORM would build a tuple per row on top of the driver's and keep them all at once)."""
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(50_000):
            parts.append(pd.DataFrame.from_records(rows, columns=columns))
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


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
    areas = Area._meta.db_table
    marks = ", ".join(["%s"] * len(municipality_ids))
    # Read ids, not codes, and filter indicators here: a join or a long IN list per row costs
    # more than the rows it saves.
    values = _fetch_frame(
        f"SELECT a.code, o.indicator_id, o.period, o.value FROM {table} o "
        f"JOIN {areas} a ON a.id = o.area_id "
        f"WHERE a.municipality_id IN ({marks}) AND a.level = %s",
        [*municipality_ids, AreaLevel.BUURT.value],
        ["area", "indicator_id", "period", "value"],
    )
    values = values[values["indicator_id"].isin(key_of.index)]
    if values.empty:
        return 0
    values = pd.DataFrame(
        {
            "area": values["area"].to_numpy(),
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
        ["id", "area_id", "indicator_id", "period", "is_published", "old_computed"],
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
