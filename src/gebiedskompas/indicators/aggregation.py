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


def membership_for(municipality: Area) -> pd.DataFrame:
    """(member buurt code, group code) for every higher area and cluster of a municipality."""
    areas = list(
        Area.objects.filter(municipality=municipality).values_list("id", "code", "level", "parent_id")
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
    for cluster_code, member_code in Cluster.objects.filter(municipality=municipality).values_list(
        "code", "members__code"
    ):
        if member_code:
            rows.append((member_code, CLUSTER_PREFIX + cluster_code))
    return pd.DataFrame(rows, columns=["member", "group"])


@transaction.atomic
def recompute_municipality(municipality: Area) -> int:
    """Recompute all aggregates of one municipality; returns the number of values written."""
    membership = membership_for(municipality)
    membership = membership[~membership["group"].str.startswith(CLUSTER_PREFIX)]
    if membership.empty:
        return 0
    indicators = list(Indicator.objects.exclude(aggregation="none"))
    rules = rules_by_key(indicators)
    records = Observation.objects.filter(
        area__municipality=municipality, area__level=AreaLevel.BUURT, indicator__in=indicators
    ).values_list("area__code", "indicator__key", "period", "value")
    values = pd.DataFrame.from_records(list(records), columns=["area", "indicator", "period", "value"])
    if values.empty:
        return 0
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
    to_create: list[Observation] = []
    computed_only: list[Observation] = []  # beside a published value
    computed_is_value: list[Observation] = []  # no published value: the computed one is shown
    for group, key, period, value in result[["group", "indicator", "period", "value"]].itertuples(
        index=False
    ):
        if group not in area_ids:
            continue
        v = None if value is None or (isinstance(value, float) and math.isnan(value)) else value
        status = Status.OK if v is not None else Status.MISSING
        k = (area_ids[group], ind_ids[key], str(period))
        if k in existing:
            oid, published = existing[k]
            if published:
                computed_only.append(Observation(id=oid, computed_value=v))
            else:
                computed_is_value.append(
                    Observation(id=oid, computed_value=v, value=v, status=status)
                )
        else:
            to_create.append(
                Observation(
                    area_id=k[0],
                    indicator_id=k[1],
                    period=k[2],
                    value=v,
                    computed_value=v,
                    is_published=False,
                    status=status,
                )
            )
    Observation.objects.bulk_create(to_create, batch_size=2000)
    Observation.objects.bulk_update(computed_only, ["computed_value"], batch_size=2000)
    Observation.objects.bulk_update(
        computed_is_value, ["computed_value", "value", "status"], batch_size=2000
    )
    to_update = computed_only + computed_is_value
    return len(to_create) + len(to_update)


def recompute_for_areas(area_ids: Iterable[int]) -> int:
    municipalities = Area.objects.filter(
        pk__in=set(
            Area.objects.filter(pk__in=list(area_ids)).values_list("municipality_id", flat=True)
        )
    )
    return sum(recompute_municipality(m) for m in municipalities)
