"""Observations as tables for export, with disclosure control for public output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Q

from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError, NotFound, gettext_noop
from gebiedskompas.indicators.domain.disclosure import apply_disclosure
from gebiedskompas.indicators.models import Indicator, Observation, Status
from gebiedskompas.indicators.selectors import POPULATION_KEY, disclosure_policy

EXPORT_COLUMNS = [
    "area_code",
    "area_name",
    "level",
    "indicator",
    "source_key",
    "period",
    "value",
    "status",
]
LICENCE = "Bron: CBS en gemeente; open data onder CC BY 4.0"


def _area_scope(area: str | None, level: str | None) -> Any:
    qs = Area.objects.all()
    if area:
        try:
            root = Area.objects.get(code=area)
        except Area.DoesNotExist as exc:
            raise NotFound(gettext_noop("unknown area {area}"), area=area) from exc
        # The root and everything below it (descendants via the parent chain, at most 3 deep).
        qs = qs.filter(
            Q(pk=root.pk) | Q(parent=root) | Q(parent__parent=root) | Q(parent__parent__parent=root)
        )
    if level:
        qs = qs.filter(level=level)
    return qs


def observations_frame(
    *,
    area: str | None = None,
    indicator: str | None = None,
    period: str | None = None,
    level: str | None = None,
    public: bool = False,
) -> pd.DataFrame:
    """Observations as rows with ``EXPORT_COLUMNS``; ``public`` applies disclosure control."""
    qs = Observation.objects.filter(area__in=_area_scope(area, level))
    if indicator:
        found = Indicator.objects.filter(key=indicator).values_list("pk", flat=True).first()
        if found is None:
            raise NotFound(gettext_noop("unknown indicator {indicator}"), indicator=indicator)
        # By id: through a join on the key the planner may read every observation.
        qs = qs.filter(indicator_id=found)
    if period:
        qs = qs.filter(period=period)
    records = list(
        qs.order_by("area__code", "indicator__key", "period").values_list(
            "area__code",
            "area__name",
            "area__level",
            "indicator__key",
            "source_key",
            "period",
            "value",
            "status",
            "area__parent__code",
            "area_id",
        )
    )
    frame = pd.DataFrame.from_records(records, columns=[*EXPORT_COLUMNS, "parent", "area_id"])
    if public and not frame.empty:
        frame = _public(frame)
    return frame[EXPORT_COLUMNS]


def _public(frame: pd.DataFrame) -> pd.DataFrame:
    """Public values and statuses for the frame's rows: each cell as the pages show it.

    Disclosure control runs over the whole area tree of every municipality the rows lie in, as
    for the pages (``selectors.municipality_cells``). Control over only the rows asked for would
    let complementary suppression lapse: a sibling the wijkfoto hides, so that a small buurt
    cannot be derived from the wijk total, would be given out to a question about that sibling
    alone. Suppression works per indicator and period, so a question about some indicators or
    periods is controlled for those only, over the whole trees; a question about everything of
    one municipality takes its tree as kept for the pages. Rows of areas in no municipality
    (the Netherlands) are controlled among themselves."""
    from gebiedskompas.indicators.selectors import (
        MISSING_CELL,
        Cell,
        Shown,
        disclosed_cells,
        indicators_by_id,
        municipality_cells,
    )

    owners = dict(
        Area.objects.filter(pk__in=[int(a) for a in frame["area_id"].unique()]).values_list(
            "pk", "municipality_id"
        )
    )
    municipality_ids = sorted({m for m in owners.values() if m})
    every = indicators_by_id()
    keys = set(frame["indicator"])
    lookup: Callable[[str, str, str], Cell]
    if len(municipality_ids) == 1 and len(keys) > 1:
        tree = municipality_cells(Area.objects.get(pk=municipality_ids[0]), every, public=True)

        def lookup(code: str, key: str, period: str) -> Cell:
            return tree.by_area.get(code, {}).get(period, {}).get(key, MISSING_CELL)

    else:
        # By area id, not an OR over the join to the areas: that would read every observation.
        trees = Area.objects.filter(
            Q(municipality_id__in=municipality_ids) | Q(pk__in=municipality_ids)
        ).values("pk")
        table = disclosed_cells(
            Q(area_id__in=trees),
            {pk: i for pk, i in every.items() if i.key in keys},
            periods=set(frame["period"]),
            public=True,
        )
        lookup = table.get
    values: list[float] = []
    statuses: list[str] = []
    outside: list[int] = []
    for position, (area_id, code, key, period) in enumerate(
        zip(frame["area_id"], frame["area_code"], frame["indicator"], frame["period"], strict=True)
    ):
        if not owners.get(int(area_id)):
            outside.append(position)
            values.append(float("nan"))
            statuses.append(Status.MISSING.value)
            continue
        cell = lookup(code, key, period)
        if cell.shown == Shown.SECRET:
            values.append(float("nan"))
            statuses.append(Status.SUPPRESSED.value)
        elif cell.shown == Shown.MISSING or cell.value is None:
            values.append(float("nan"))
            statuses.append(Status.MISSING.value)
        else:
            values.append(float(cell.value))
            statuses.append(Status.OK.value)
    out = frame.copy()
    out["value"] = values
    out["status"] = statuses
    if outside:
        rows = out.index[outside]
        controlled = _controlled_among_themselves(frame.loc[rows])
        out.loc[rows, "value"] = controlled["value"].to_numpy()
        out.loc[rows, "status"] = controlled["status"].to_numpy()
    return out


def _controlled_among_themselves(frame: pd.DataFrame) -> pd.DataFrame:
    indicators = {i.key: i for i in Indicator.objects.filter(key__in=frame["indicator"].unique())}
    # Population per area and period, for the areas in the frame and their parents.
    codes = set(frame["area_code"]) | set(frame["parent"].dropna())
    pops = pd.DataFrame.from_records(
        list(
            Observation.objects.filter(
                indicator__key=POPULATION_KEY, area__code__in=list(codes)
            ).values_list("area__code", "period", "value")
        ),
        columns=["area", "period", "population"],
    )
    cells = frame.rename(columns={"area_code": "area"})[
        ["area", "parent", "indicator", "period", "value"]
    ].copy()
    cells["year"] = cells["period"].str[:4]
    if not pops.empty:
        pops["year"] = pops["period"].str[:4]
        yearly = pops.groupby(["area", "year"], as_index=False)["population"].max()
        cells = cells.merge(yearly, on=["area", "year"], how="left")
    else:
        cells["population"] = np.nan
    # Cells for parents outside the selection matter for complementary suppression only when
    # present; a missing population means "unknown" and is suppressed for rates and means.
    cells["parent"] = cells["parent"].where(cells["parent"].isin(set(cells["area"])), None)
    policies = {key: disclosure_policy(ind) for key, ind in indicators.items()}
    result = apply_disclosure(
        cells[["area", "parent", "indicator", "period", "value", "population"]], policies
    )
    out = frame.copy()
    out["value"] = result["public_value"].to_numpy()
    out["status"] = np.where(
        result["is_suppressed"].to_numpy(),
        Status.SUPPRESSED.value,
        np.where(out["value"].isna(), Status.MISSING.value, Status.OK.value),
    )
    return out


def export_observations(
    *,
    fmt: str,
    output: Path | None,
    area: str | None = None,
    indicator: str | None = None,
    period: str | None = None,
    level: str | None = None,
    public: bool = False,
) -> int:
    frame = observations_frame(
        area=area, indicator=indicator, period=period, level=level, public=public
    )
    if fmt == "csv":
        text = frame.to_csv(index=False)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    elif fmt == "json":
        records = json.loads(frame.to_json(orient="records"))
        payload = {"licence": LICENCE, "public": public, "observations": records}
        text = json.dumps(payload, ensure_ascii=False, indent=1)
        if output:
            output.write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
    elif fmt == "xlsx":
        if output is None:
            raise KompasError(gettext_noop("an XLSX export needs -o FILE"))
        with pd.ExcelWriter(output, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name="waarnemingen")
            pd.DataFrame({"licentie": [LICENCE]}).to_excel(writer, index=False, sheet_name="bron")
    else:
        raise KompasError(gettext_noop("unknown format {fmt}; expected csv, xlsx or json"), fmt=fmt)
    return len(frame)


def indicator_rows(domain: str | None = None) -> list[dict[str, Any]]:
    qs = Indicator.objects.all()
    if domain:
        qs = qs.filter(domain=domain)
    return list(qs.values("key", "name", "domain", "unit", "direction", "kind", "aggregation"))


def total_differences(municipality: str | None = None) -> list[dict[str, Any]]:
    """Published values that differ from the value computed from their buurten beyond rounding.

    CBS rounds buurt counts to 5, so a sum over n buurten may differ by up to 2.5·n; rates and
    means are compared with 2 % relative tolerance.
    """
    qs = Observation.objects.filter(
        is_published=True, computed_value__isnull=False, value__isnull=False
    )
    if municipality:
        qs = qs.filter(area__municipality__code=municipality)
    rows = []
    children_count = _buurten_below(municipality)
    for obs in qs.select_related("area", "indicator").order_by("area__code", "indicator__key"):
        assert obs.value is not None and obs.computed_value is not None
        diff = abs(obs.value - obs.computed_value)
        if obs.indicator.is_count:
            tolerance = 2.5 * children_count.get(obs.area_id, 0) + 1e-9
        else:
            tolerance = 0.02 * abs(obs.value) + 10 ** (-obs.indicator.decimals) / 2
        if diff > tolerance:
            rows.append(
                {
                    "area": obs.area.code,
                    "indicator": obs.indicator.key,
                    "period": obs.period,
                    "published": obs.value,
                    "computed": obs.computed_value,
                    "difference": obs.value - obs.computed_value,
                }
            )
    return rows


def _buurten_below(municipality: str | None) -> dict[int, int]:
    """Number of buurten under each area (by id), from one read of the area tree."""
    areas = Area.objects.all()
    if municipality:
        areas = areas.filter(municipality__code=municipality)
    parents = dict(areas.values_list("id", "parent_id"))
    counts: dict[int, int] = {}
    for buurt_id in areas.filter(level="buurt").values_list("id", flat=True):
        seen: set[int] = set()
        parent = parents.get(buurt_id)
        while parent is not None and parent not in seen:
            seen.add(parent)
            counts[parent] = counts.get(parent, 0) + 1
            parent = parents.get(parent)
    return counts
