"""Values for wijk, stadsdeel, gemeente and cluster computed from the buurten.

Each indicator's rule (sum, ratio of two sums, weighted mean, not aggregable) decides. Where CBS
publishes the higher level itself, the published value stays the value shown and the computed one
is kept beside it (``computed_value``); elsewhere the computed value is the value
(``is_published`` False).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd
from django.db import transaction

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


def recompute_municipalities(municipality_ids: list[int], *, per_batch: int = 4) -> int:
    """Recompute the aggregates of these municipalities, a batch of them at a time (one
    aggregation per batch keeps the per-call overhead low and the memory bounded)."""
    written = 0
    for start in range(0, len(municipality_ids), per_batch):
        written += _recompute(municipality_ids[start : start + per_batch])
    return written


@transaction.atomic
def _recompute(municipality_ids: list[int]) -> int:
    membership = membership_for(municipality_ids)
    membership = membership[~membership["group"].str.startswith(CLUSTER_PREFIX)]
    if membership.empty:
        return 0
    indicators = list(Indicator.objects.exclude(aggregation="none"))
    rules = rules_by_key(indicators)
    key_of = {i.pk: i.key for i in indicators}
    buurt_codes = dict(
        Area.objects.filter(
            municipality_id__in=municipality_ids, level=AreaLevel.BUURT
        ).values_list("id", "code")
    )
    # Read ids, not codes through joins: the join per row is most of the read time.
    records = Observation.objects.filter(
        area_id__in=list(buurt_codes), indicator_id__in=list(key_of)
    ).values_list("area_id", "indicator_id", "period", "value")
    values = pd.DataFrame.from_records(
        list(records), columns=["area", "indicator", "period", "value"]
    )
    if values.empty:
        return 0
    values["area"] = values["area"].map(buurt_codes)
    values["indicator"] = values["indicator"].map(key_of)
    values["value"] = values["value"].astype("float64")
    result = aggregate(values, membership, rules)
    if result.empty:
        return 0
    area_ids = dict(
        Area.objects.filter(code__in=list(result["group"].unique())).values_list("code", "id")
    )
    ind_ids = {i.key: i.pk for i in indicators}
    existing = {
        (a, i, p): (oid, published)
        for oid, a, i, p, published in Observation.objects.filter(
            area_id__in=list(area_ids.values()), indicator_id__in=list(ind_ids.values())
        ).values_list("id", "area_id", "indicator_id", "period", "is_published")
    }
    to_create: list[tuple[object, ...]] = []
    computed_only: list[tuple[object, ...]] = []  # beside a published value
    computed_is_value: list[tuple[object, ...]] = []  # no published value: the computed one shows
    for group, key, period, value in result[["group", "indicator", "period", "value"]].itertuples(
        index=False
    ):
        if group not in area_ids:
            continue
        v = None if value is None or (isinstance(value, float) and math.isnan(value)) else value
        status = Status.OK.value if v is not None else Status.MISSING.value
        k = (area_ids[group], ind_ids[key], str(period))
        if k in existing:
            oid, published = existing[k]
            if published:
                computed_only.append((v, oid))
            else:
                computed_is_value.append((v, v, status, oid))
        else:
            to_create.append((k[0], k[1], k[2], v, status, None, None, v, False, None, ""))
    bulk.insert_observations(to_create)
    bulk.update_computed(computed_only, with_value=False)
    bulk.update_computed(computed_is_value, with_value=True)
    to_update = computed_only + computed_is_value
    return len(to_create) + len(to_update)


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
