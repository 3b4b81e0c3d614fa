"""Every read the analysis pages, the CLI and the wijkfoto need: input tables built from stored
observations, stored runs and their rows, map data, trends and similar areas."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import QuerySet

from gebiedskompas.analysis.defaults import (
    DEFAULT_INDICATOR_SET,
    MAX_PERIOD_AGE_YEARS,
    STRUCTURAL_PROFILE,
    DomainChoice,
    IndicatorChoice,
)
from gebiedskompas.analysis.domain import peers, trends
from gebiedskompas.analysis.domain.model import Direction, DomainSpec, IndicatorSpec
from gebiedskompas.analysis.models import AnalysisResultRow, AnalysisRun
from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.models import Area, AreaYear
from gebiedskompas.core.errors import KompasError, NotFound, gettext_noop
from gebiedskompas.indicators.models import Indicator, Observation, Status

ANALYSIS_LEVELS = (AreaLevel.BUURT.value, AreaLevel.WIJK.value, AreaLevel.STADSDEEL.value)


@dataclass(frozen=True)
class AnalysisTable:
    """The input of a run read from the database.

    ``table``: one row per area code (sorted), one float column per indicator choice (rates
    already computed, NaN for a gap). ``domains``: the choices that had data. ``periods``: the
    period each column was read from. ``skipped``: keys left out for lack of data. ``names``:
    area code → name.
    """

    table: pd.DataFrame
    domains: tuple[DomainChoice, ...]
    periods: dict[str, str]
    skipped: tuple[str, ...]
    names: dict[str, str]

    def domain_specs(self) -> tuple[DomainSpec, ...]:
        return tuple(
            DomainSpec(
                name=d.name,
                weight=None,
                indicators=tuple(IndicatorSpec(i.column, i.direction) for i in d.indicators),
            )
            for d in self.domains
        )


def municipality_or_error(code: str) -> Area:
    area = Area.objects.filter(code=code, level=AreaLevel.GEMEENTE).first()
    if area is None:
        known = ", ".join(
            Area.objects.filter(level=AreaLevel.GEMEENTE).values_list("code", flat=True)[:10]
        )
        raise NotFound(
            gettext_noop("unknown municipality {code!r}; known: {known}"),
            value=code,
            code=code,
            known=known or "none (import areas first)",
        )
    return area


def _year(period: str) -> int:
    try:
        return int(period[:4])
    except ValueError as exc:
        raise KompasError(
            gettext_noop("period {period!r} is not a period; expected e.g. 2024 or 2024-Q1"),
            value=period,
            period=period,
        ) from exc


def _long_observations(
    area_ids: Sequence[int], keys: Sequence[str], first: str, last: str
) -> pd.DataFrame:
    """Columns area, key, period, value (NaN unless status ok) for first ≤ period ≤ last."""
    rows = Observation.objects.filter(
        area_id__in=list(area_ids),
        indicator__key__in=list(keys),
        period__gte=first,
        period__lte=last,
    ).values_list("area__code", "indicator__key", "period", "value", "status")
    frame = pd.DataFrame(list(rows), columns=["area", "key", "period", "value", "status"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(np.float64)
    frame.loc[frame["status"] != Status.OK, "value"] = np.nan
    return frame.drop(columns="status")


def _wide(long: pd.DataFrame, key: str, period: str, codes: Sequence[str]) -> pd.Series:
    part = long[(long["key"] == key) & (long["period"] == period)]
    return part.set_index("area")["value"].reindex(list(codes)).astype(np.float64)


def _choice_values(
    long: pd.DataFrame, choice: IndicatorChoice, period: str, codes: Sequence[str]
) -> pd.Series:
    """The analysed value of one choice in one period: the value, or scale · value / per."""
    values = _wide(long, choice.key, period, codes)
    if not choice.per:
        return values
    denominator = _wide(long, choice.per, period, codes)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = choice.scale * values / denominator.where(denominator > 0)
    return rate.astype(np.float64)


def _periods_with_data(long: pd.DataFrame, key: str) -> list[str]:
    present = long[(long["key"] == key) & long["value"].notna()]["period"].unique()
    return sorted(str(p) for p in present)


def areas_at(municipality: Area, level: str) -> QuerySet[Area]:
    if level not in ANALYSIS_LEVELS:
        raise KompasError(
            gettext_noop(
                "level {level!r} cannot be analysed; expected one of {join_analysis_levels}"
            ),
            value=level,
            level=level,
            join_analysis_levels=", ".join(ANALYSIS_LEVELS),
        )
    return Area.objects.filter(municipality=municipality, level=level).order_by("code")


def analysis_table(
    municipality: Area,
    level: str,
    period: str,
    indicator_set: Sequence[DomainChoice] = DEFAULT_INDICATOR_SET,
    *,
    fixed_periods: Mapping[str, str] | None = None,
) -> AnalysisTable:
    """Read the input of a run (see :mod:`gebiedskompas.analysis.defaults` for the rules).

    ``fixed_periods`` (column → period) reads exactly those periods instead of choosing the
    latest with data: how a stored run is recomputed. Raises KompasError when the level has no
    areas or no indicator has data for the period.
    """
    year = _year(period)
    areas = list(areas_at(municipality, level).values_list("id", "code", "name"))
    if not areas:
        raise KompasError(
            gettext_noop("{code} has no areas at level {level!r}"),
            value=level,
            code=municipality.code,
            level=level,
        )
    codes = [code for _, code, _ in areas]
    keys = sorted({k for d in indicator_set for i in d.indicators for k in (i.key, i.per) if k})
    first = str(year - MAX_PERIOD_AGE_YEARS)
    if fixed_periods:
        first = min([first, *fixed_periods.values()])
    long = _long_observations([pk for pk, _, _ in areas], keys, first, period)
    columns: dict[str, pd.Series] = {}
    periods: dict[str, str] = {}
    skipped: list[str] = []
    kept_domains: list[DomainChoice] = []
    for domain in indicator_set:
        kept: list[IndicatorChoice] = []
        for choice in domain.indicators:
            available = _periods_with_data(long, choice.key)
            if choice.per:
                with_per = set(_periods_with_data(long, choice.per))
                available = [p for p in available if p in with_per]
            if fixed_periods is not None:
                if choice.column not in fixed_periods:
                    continue
                available = [fixed_periods[choice.column]]
            if not available:
                skipped.append(choice.key)
                continue
            used = available[-1]
            columns[choice.column] = _choice_values(long, choice, used, codes)
            periods[choice.column] = used
            kept.append(choice)
        if kept:
            kept_domains.append(DomainChoice(domain.name, tuple(kept)))
    if not kept_domains:
        raise KompasError(
            gettext_noop(
                "no data for period {period} in {code} at level {level}: none of the indicators "
                "of the set has a value from {oldest_year} to {period}"
            ),
            value=period,
            period=period,
            code=municipality.code,
            level=level,
            oldest_year=year - MAX_PERIOD_AGE_YEARS,
        )
    table = pd.DataFrame(columns, index=pd.Index(codes, name="area"))
    return AnalysisTable(
        table=table,
        domains=tuple(kept_domains),
        periods=periods,
        skipped=tuple(skipped),
        names={code: name for _, code, name in areas},
    )


@dataclass(frozen=True)
class Reference:
    """The value that scores 100 in ``baseline`` for one column: the municipality's own value
    in ``period`` (``source`` "gemeente"), or, where the municipality has none, nothing here and
    the method falls back to the mean of the areas (``source`` "gemiddelde")."""

    value: float | None
    period: str
    source: str


def municipality_references(
    municipality: Area, data: AnalysisTable, base_year: str | None = None
) -> dict[str, Reference]:
    """Per column of ``data``: the municipality's value in the base year, computed as the column
    is (a rate from the municipality's own count and denominator). Without ``base_year``, each
    column's reference period is the period the column was read from. A column the
    municipality has no (ok) value for gets ``Reference(None, period, "gemiddelde")``."""
    choices = [i for d in data.domains for i in d.indicators]
    wanted = {c.column: (base_year or data.periods[c.column]) for c in choices}
    keys = sorted({k for c in choices for k in (c.key, c.per) if k})
    periods = sorted(set(wanted.values()))
    long = _long_observations([municipality.pk], keys, periods[0], periods[-1]) if periods else None
    out: dict[str, Reference] = {}
    for choice in choices:
        period = wanted[choice.column]
        value = float("nan")
        if long is not None and not long.empty:
            value = float(_choice_values(long, choice, period, [municipality.code]).iloc[0])
        if math.isfinite(value) and value > 0:
            out[choice.column] = Reference(value, period, "gemeente")
        else:
            out[choice.column] = Reference(None, period, "gemiddelde")
    return out


# --- stored runs ---------------------------------------------------------------------------------


def runs(limit: int = 100) -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.select_related("municipality", "created_by")[:limit]


def run_or_404(run_id: int) -> AnalysisRun:
    run = AnalysisRun.objects.select_related("municipality", "created_by").filter(pk=run_id).first()
    if run is None:
        raise NotFound(gettext_noop("unknown analysis run {run_id}"), value=run_id, run_id=run_id)
    return run


def result_rows(run: AnalysisRun, top: int | None = None) -> list[AnalysisResultRow]:
    qs = run.rows.select_related("area").order_by("position")
    return list(qs[:top] if top else qs)


def result_row(run: AnalysisRun, code: str) -> AnalysisResultRow:
    row = run.rows.select_related("area").filter(area__code=code).first()
    if row is None:
        raise NotFound(
            gettext_noop("area {code} is not in analysis run {pk}"),
            value=code,
            code=code,
            pk=run.pk,
        )
    return row


def quintile(position: int, count: int) -> int:
    """1 (most in need) … 5 by ordinal position, for the map's colour classes."""
    return min(5, 1 + (5 * (position - 1)) // max(count, 1))


def run_geojson(run: AnalysisRun, *, area_url: str, why_url: str) -> dict[str, Any]:
    """FeatureCollection of the run's areas with rank, score and colour class.

    ``area_url`` and ``why_url`` contain ``CODE`` where the area code goes.
    """
    rows = result_rows(run)
    geometry = dict(
        Area.objects.filter(pk__in=[r.area_id for r in rows]).values_list("pk", "geojson_wgs84")
    )
    features = []
    for row in rows:
        text = geometry.get(row.area_id) or ""
        if not text:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(text),
                "properties": {
                    "code": row.area.code,
                    "name": row.area.name,
                    "position": row.position,
                    "score": row.score,
                    "band": row.band,
                    "quintile": quintile(row.position, len(rows)),
                    "url": area_url.replace("CODE", row.area.code),
                    "why_url": why_url.replace("CODE", row.area.code),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- trends and early warning ------------------------------------------------------------------


@dataclass(frozen=True)
class Warning:
    area: Area
    period: str
    n_worsening: int
    domains: list[str]
    mean_score: float


@dataclass(frozen=True)
class TrendReport:
    """Areas worsening on at least ``min_domains`` domains since the previous measurement, and
    per area and domain the standardised change (positive = better). ``periods``: per column the
    (previous, current) periods compared; ``breaks``: areas whose boundary changed between."""

    warnings: list[Warning]
    domain_changes: pd.DataFrame
    periods: dict[str, tuple[str, str]]
    breaks: list[str] = field(default_factory=list)


def trend_report(
    municipality: Area,
    level: str,
    period: str,
    *,
    min_domains: int = 2,
    indicator_set: Sequence[DomainChoice] = DEFAULT_INDICATOR_SET,
) -> TrendReport:
    """Change per indicator since its previous measurement, per domain, and the areas worsening
    on several domains at once (see :mod:`gebiedskompas.analysis.domain.trends`).

    Each indicator compares its latest period ≤ ``period`` (within the window of the defaults)
    with the latest one before; both are labelled so that all indicators land in ``period``.
    A boundary change (CBS ``IndelingswijzigingGemeenteWijkBuurt`` 2 or 3) between the two
    excludes that area's change.
    """
    year = _year(period)
    areas = list(areas_at(municipality, level).values_list("id", "code"))
    if not areas:
        raise KompasError(
            gettext_noop("{code} has no areas at level {level!r}"),
            value=level,
            code=municipality.code,
            level=level,
        )
    codes = [code for _, code in areas]
    keys = sorted({k for d in indicator_set for i in d.indicators for k in (i.key, i.per) if k})
    long = _long_observations(
        [pk for pk, _ in areas], keys, str(year - 2 * MAX_PERIOD_AGE_YEARS - 1), period
    )
    frames = []
    compared: dict[str, tuple[str, str]] = {}
    directions: dict[str, Direction] = {}
    domains: list[DomainSpec] = []
    for domain in indicator_set:
        specs = []
        for choice in domain.indicators:
            available = _periods_with_data(long, choice.key)
            if choice.per:
                with_per = set(_periods_with_data(long, choice.per))
                available = [p for p in available if p in with_per]
            if len(available) < 2 or _year(available[-1]) < year - MAX_PERIOD_AGE_YEARS:
                continue
            previous, current = available[-2], available[-1]
            compared[choice.column] = (previous, current)
            directions[choice.column] = choice.direction
            specs.append(IndicatorSpec(choice.column, choice.direction))
            # The current measurement is labelled ``period`` (so every indicator lands in one
            # period); the previous keeps its own, which sorts before it.
            for label, source in ((period, current), (previous, previous)):
                values = _choice_values(long, choice, source, codes)
                frames.append(
                    pd.DataFrame(
                        {
                            "area": codes,
                            "indicator": choice.column,
                            "period": label,
                            "value": values.to_numpy(),
                        }
                    )
                )
        if specs:
            domains.append(DomainSpec(domain.name, None, tuple(specs)))
    if not frames:
        raise KompasError(
            gettext_noop(
                "no data for period {period} in {code}: no indicator has two measurements to "
                "compare"
            ),
            value=period,
            period=period,
            code=municipality.code,
        )
    observations = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    first_year = min(_year(p) for p, _ in compared.values())
    broken_ids = set(
        AreaYear.objects.filter(
            area_id__in=[pk for pk, _ in areas],
            year__gt=first_year,
            year__lte=year,
            change_indicator__in=("2", "3"),
        ).values_list("area_id", flat=True)
    )
    broken = [code for pk, code in areas if pk in broken_ids]
    changes = trends.indicator_changes(
        observations, directions, breaks=[(code, period) for code in broken]
    )
    per_domain = trends.domain_changes(changes, domains)
    worsening = trends.areas_worsening(per_domain, min_domains=min_domains, period=period)
    by_code = {a.code: a for a in Area.objects.filter(code__in=list(worsening["area"]))}
    warnings = [
        Warning(
            area=by_code[str(r.area)],
            period=period,
            n_worsening=int(r.n_worsening),
            domains=str(r.domains).split(","),
            mean_score=float(r.mean_score),
        )
        for r in worsening.itertuples(index=False)
    ]
    return TrendReport(
        warnings=warnings,
        domain_changes=per_domain[per_domain["period"] == period].reset_index(drop=True),
        periods=compared,
        breaks=broken,
    )


# --- peer groups -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimilarArea:
    area: Area
    distance: float


def similar_areas(area: Area, n: int = 5, *, period: str | None = None) -> list[SimilarArea]:
    """The ``n`` areas of the same level and municipality most alike on the structural profile
    (:data:`~gebiedskompas.analysis.defaults.STRUCTURAL_PROFILE`, standardised; distance in
    standard deviations), nearest first. ``period`` defaults to the latest with inhabitants.
    Empty when the area has no peers or no profile data (never raises for lack of data).
    """
    municipality = area.municipality or area
    if period is None:
        latest = (
            Observation.objects.filter(area=area, indicator__key="inwoners", value__isnull=False)
            .order_by("-period")
            .values_list("period", flat=True)
            .first()
        )
        if latest is None:
            return []
        period = latest
    neighbours = _peer_table(municipality, area.level, period, n).get(area.code, [])
    by_code = {a.code: a for a in Area.objects.filter(code__in=[code for code, _ in neighbours])}
    return [
        SimilarArea(by_code[code], distance) for code, distance in neighbours if code in by_code
    ]


def _peer_table(
    municipality: Area, level: str, period: str, n: int
) -> dict[str, list[tuple[str, float]]]:
    """Every area's nearest peers for one municipality, level and period, computed once per data
    version: peers only change when figures are imported, and computing them for one page costs
    more than the rest of the wijkfoto."""
    from django.core.cache import cache

    from gebiedskompas.areas import versioning

    version = versioning.stamp()
    key = f"kompas:peers:{municipality.pk}:{municipality.code}:{level}:{period}:{n}:{version}"
    cached: dict[str, list[tuple[str, float]]] | None = cache.get(key)
    if cached is not None:
        return cached
    result: dict[str, list[tuple[str, float]]] = {}
    try:
        data = analysis_table(
            municipality, level, period, (DomainChoice("profiel", STRUCTURAL_PROFILE),)
        )
        table = data.table.dropna(how="all")
        if len(table) >= 2 and n >= 1:
            found = peers.nearest_peers(table, k=min(n, len(table) - 1))
            for row in found.neighbours.sort_values(["area", "order"]).itertuples():
                result.setdefault(str(row.area), []).append((str(row.peer), float(row.distance)))
    except KompasError:
        result = {}
    cache.set(key, result, timeout=24 * 3600)
    return result


# --- form choices ------------------------------------------------------------------------------


def municipality_choices() -> list[tuple[str, str]]:
    return [
        (code, f"{name} ({code})")
        for code, name in Area.objects.filter(level=AreaLevel.GEMEENTE)
        .order_by("name")
        .values_list("code", "name")
    ]


def period_choices() -> list[str]:
    """Periods with a number of inhabitants at municipality level, latest first."""
    # By indicator id: through a join on the key the planner would read every observation.
    population = Indicator.objects.filter(key="inwoners").values_list("pk", flat=True).first()
    periods = (
        Observation.objects.filter(indicator_id=population, area__level=AreaLevel.GEMEENTE)
        .values_list("period", flat=True)
        .distinct()
    )
    return sorted({str(p) for p in periods}, reverse=True)
