"""Every read of indicators and observations a page, report or export needs.

The area page asks for one area's key figures beside its parent and its municipality, for the
latest period of each indicator, with disclosure control applied for the public. That takes a
fixed number of queries, whatever the number of indicators, children or areas in the
installation: the latest periods of the area (one aggregate), the indicators (one), the
observations of the area's family for those periods (one) and the family's inhabitants (one).
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Max, Q

from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.models import Area
from gebiedskompas.indicators.domain.disclosure import (
    REASON_ABOVE_CAP,
    REASON_BELOW_CAP,
    DisclosurePolicy,
    Kind,
    apply_disclosure,
)
from gebiedskompas.indicators.models import Domain, Indicator, Observation, Status

POPULATION_KEY = "inwoners"

FRAME_COLUMNS = (
    "area",
    "parent",
    "level",
    "indicator",
    "period",
    "value",
    "status",
    "population",
)


class Shown(StrEnum):
    """What a reader sees in one cell."""

    VALUE = "value"
    SECRET = "secret"  # suppressed at the source (CBS) or by our disclosure control: "geheim"
    MISSING = "missing"  # no value for this area and period: "–"


class Cell(NamedTuple):
    """One area's value of one indicator in one period, as the reader may see it.

    `value` is None unless `shown` is VALUE. `is_protected` marks a value that the public does not
    see (our disclosure control hides it) but that signed-in staff are shown, marked.
    `reason` is the disclosure reason (see `apply_disclosure`), "" when public.

    A named tuple rather than a frozen dataclass: a municipality's tree makes some 60,000 of
    them, and a tuple is made several times faster.
    """

    shown: Shown
    value: float | None = None
    is_protected: bool = False
    reason: str = ""


MISSING_CELL = Cell(Shown.MISSING)
CAPPED = frozenset({REASON_BELOW_CAP, REASON_ABOVE_CAP})


@dataclass(frozen=True)
class FigureRow:
    indicator: Indicator
    period: str
    area: Cell
    parent: Cell | None
    municipality: Cell | None


@dataclass(frozen=True)
class DomainFigures:
    domain: str
    label: str
    rows: list[FigureRow]


def disclosure_policy(
    indicator: Indicator, *, default_min_population: int | None = None
) -> DisclosurePolicy:
    """The public disclosure policy of one indicator, from its catalogue entry.

    Counts (`is_count`) are rounded to 5; a unit of "%" makes a percentage (capped at the
    indicator's `cap_low`/`cap_high` where set), a unit "per …" a rate, anything else a mean.
    The minimum population is the indicator's own, or the installation's
    `KOMPAS_PUBLIC_MIN_POPULATION` where the catalogue gives none: per ADR 0001 a count in an
    area below the threshold is suppressed too, since rounding does not hide a small count.
    """
    if default_min_population is None:
        default_min_population = int(settings.KOMPAS_PUBLIC_MIN_POPULATION)
    unit = indicator.unit.strip().lower()
    kind: Kind
    if indicator.is_count:
        kind = "count"
    elif unit == "%":
        kind = "percentage"
    elif unit.startswith("per ") or " per " in unit:
        kind = "rate"
    else:
        kind = "mean"
    if indicator.key == POPULATION_KEY:
        # The number of inhabitants is the base of every other rule: CBS publishes it for small
        # buurten too, rounded to 5, and so do we.
        return DisclosurePolicy(kind=kind, min_population=indicator.min_population)
    caps: dict[str, float | None] = {}
    if kind == "percentage":
        caps = {"cap_percentage_low": indicator.cap_low, "cap_percentage_high": indicator.cap_high}
    return DisclosurePolicy(
        kind=kind, min_population=indicator.min_population or default_min_population, **caps
    )


def family_of(area: Area) -> list[Area]:
    """The area and its ancestors up to the municipality, nearest first.

    Reads the parent chain already loaded on `area` (see `area_with_ancestors`); queries only
    where it was not loaded.
    """
    chain = [area]
    seen = {area.pk}
    current = area.parent
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        chain.append(current)
        current = current.parent
    return chain


def area_with_ancestors(code: str) -> Area | None:
    """The area with the given code and its parent chain (gemeente › stadsdeel › wijk › buurt:
    at most three levels up) in one query, or None."""
    heavy = ("geometry_rd", "geojson_wgs84")
    chain = ("parent", "parent__parent", "parent__parent__parent", "parent__parent__parent__parent")
    found = list(
        Area.objects.select_related(chain[-1], "municipality")
        # The ancestors' geometry is never drawn from here; it is the bulk of their rows.
        .defer(*(f"{rel}__{f}" for rel in (*chain, "municipality") for f in heavy))
        .filter(code=code)[:1]
    )
    return found[0] if found else None


def observations_frame(
    area_filter: Q, pairs: Iterable[tuple[int, str]], *, with_population: bool = True
) -> pd.DataFrame:
    """Observations of the areas matching `area_filter` (on `Observation`) for the given
    (indicator id, period) pairs, as a frame with columns ``area, parent, indicator, period,
    value, status, population`` and the area's ``level`` (codes for area and parent, the indicator
    key; population is the area's inhabitants in or before that period, NaN if unknown). Two
    queries, one without `with_population`."""
    wanted = set(pairs)
    indicator_ids = {indicator for indicator, _ in wanted}
    periods = {period for _, period in wanted}
    rows = [
        row
        for row in Observation.objects.filter(
            area_filter, indicator_id__in=indicator_ids, period__in=periods
        ).values_list(
            "indicator_id",
            "area__code",
            "area__parent__code",
            "area__level",
            "indicator__key",
            "period",
            "value",
            "status",
        )
        if (row[0], row[5]) in wanted
    ]
    frame = pd.DataFrame([row[1:] for row in rows], columns=list(FRAME_COLUMNS[:-1]))
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(np.float64)
    if not with_population:
        frame["population"] = np.nan
        return frame
    frame["population"] = _populations(area_filter, frame)
    return frame


def _populations(area_filter: Q, frame: pd.DataFrame) -> list[float]:
    by_area: dict[str, dict[str, float]] = defaultdict(dict)
    # The indicator by id, not by a join on its key: the planner cannot see through the join
    # which rows it wants, and for a wide area filter (every gemeente) it would read every
    # observation of the installation.
    population = Indicator.objects.filter(key=POPULATION_KEY).values_list("pk", flat=True).first()
    if population is None:
        return [float("nan")] * len(frame)
    for code, period, value in Observation.objects.filter(
        area_filter, indicator_id=population, value__isnull=False
    ).values_list("area__code", "period", "value"):
        by_area[code][period] = value
    cache: dict[tuple[str, str], float] = {}
    out = []
    for code, period in zip(frame["area"].tolist(), frame["period"].tolist(), strict=True):
        key = (code, period)
        if key not in cache:
            cache[key] = _population_at(by_area.get(code, {}), period)
        out.append(cache[key])
    return out


def _population_at(values: Mapping[str, float], period: str) -> float:
    """The inhabitants in `period`, else in its year, else in the latest earlier period, else in
    the earliest later one (canonical periods sort as text)."""
    if not values:
        return float("nan")
    for candidate in (period, period[:4]):
        if candidate in values:
            return values[candidate]
    ordered = sorted(values)
    earlier = [p for p in ordered if p <= period]
    return values[earlier[-1] if earlier else ordered[0]]


def key_figures(area: Area, *, public: bool) -> list[FigureRow]:
    """The area's figures for the latest period of each indicator it has, each beside the same
    period's value of its parent and its municipality, ordered as the catalogue.

    With `public`, values are as anonymous readers may see them (disclosure control applied:
    counts rounded, small areas and derivable cells suppressed); without, the true values with
    the cells the public would not see marked `is_protected`.

    Complementary suppression looks at the area's family: itself, its ancestors, and the children
    of each (its siblings at every level and its own children), which is all a reader of this
    page could subtract.
    """
    latest = dict(
        Observation.objects.filter(area=area)
        .values("indicator_id")
        .annotate(latest=Max("period"))
        .values_list("indicator_id", "latest")
    )
    if not latest:
        return []
    indicators = {
        indicator.pk: indicator for indicator in Indicator.objects.filter(pk__in=latest.keys())
    }
    chain = family_of(area)
    chain_ids = [a.pk for a in chain]
    area_filter = Q(area_id__in=chain_ids) | Q(area__parent_id__in=chain_ids)
    frame = observations_frame(area_filter, latest.items())
    cells = _cells(frame, indicators.values(), public=public)

    parent = area.parent
    municipality = chain[-1] if chain[-1].level == AreaLevel.GEMEENTE else area.municipality
    rows = []
    for indicator_id, period in latest.items():
        indicator = indicators[indicator_id]
        key = indicator.key

        def cell_of(other: Area | None, key: str = key, period: str = period) -> Cell | None:
            if other is None:
                return None
            return cells.get((other.code, key, period), MISSING_CELL)

        rows.append(
            FigureRow(
                indicator=indicator,
                period=period,
                area=cells.get((area.code, key, period), MISSING_CELL),
                parent=cell_of(parent),
                municipality=None if municipality in (None, area) else cell_of(municipality),
            )
        )
    rows.sort(key=lambda r: (r.indicator.domain, r.indicator.position, r.indicator.key))
    return rows


def _cells(
    frame: pd.DataFrame,
    indicators: Iterable[Indicator],
    *,
    public: bool,
    keep: Collection[str] | None = None,
) -> dict[tuple[str, str, str], Cell]:
    if frame.empty:
        return {}
    policies = {indicator.key: disclosure_policy(indicator) for indicator in indicators}
    # Values CBS already marked secret or missing go in as missing: nothing to protect there.
    usable = frame["status"] == Status.OK
    cells = frame.assign(value=frame["value"].where(usable))
    disclosed = apply_disclosure(cells, policies)
    if keep is not None:
        disclosed = disclosed[disclosed["area"].isin(list(keep))]
    if disclosed.empty:
        return {}
    # What each cell shows, decided for all rows at once (a municipality's tree has some
    # 60,000), in the order of the rules:
    # 1. secret at the source (CBS) → "geheim";
    # 2. no value → "–";
    # 3. suppressed by our disclosure control → "geheim" to the public, the value marked as not
    #    public to staff;
    # 4. else the public see the rounded value (gemeente totals as CBS publishes them:
    #    unrounded, and without the cap mark), staff the true value, marked where the public
    #    see a cap.
    status = disclosed["status"].to_numpy(dtype=object)
    value = disclosed["value"].to_numpy(dtype="float64")
    public_value = disclosed["public_value"].to_numpy(dtype="float64")
    reason = disclosed["reason"].to_numpy(dtype=object).copy()
    capped = np.isin(reason, list(CAPPED))
    gemeente = disclosed["level"].to_numpy(dtype=object) == AreaLevel.GEMEENTE
    source_secret = status == Status.SUPPRESSED
    missing = ~source_secret & ((status == Status.MISSING) | np.isnan(value))
    suppressed = ~source_secret & ~missing & disclosed["is_suppressed"].to_numpy(dtype=bool)
    shown_value = ~source_secret & ~missing & ~suppressed
    size = len(disclosed)
    shown = np.full(size, Shown.VALUE, dtype=object)
    shown[missing] = Shown.MISSING
    shown[source_secret | (suppressed & public)] = Shown.SECRET
    values = np.full(size, None, dtype=object)
    protected = np.zeros(size, dtype=bool)
    if public:
        rounded = shown_value & ~gemeente
        values[rounded] = public_value[rounded]
        values[shown_value & gemeente] = value[shown_value & gemeente]
        reason[shown_value & gemeente & capped] = ""
    else:
        values[shown_value | suppressed] = value[shown_value | suppressed]
        protected[suppressed | (shown_value & capped)] = True
    reason[source_secret | missing] = ""
    # Cells made by tuple.__new__ through map: no Python code per cell.
    made = map(
        tuple.__new__,
        itertools.repeat(Cell),
        zip(shown.tolist(), values.tolist(), protected.tolist(), reason.tolist(), strict=True),
    )
    keys = zip(
        disclosed["area"].tolist(),
        disclosed["indicator"].tolist(),
        disclosed["period"].tolist(),
        strict=True,
    )
    return dict(zip(keys, made, strict=True))  # type: ignore[arg-type]


def group_by_domain(rows: Sequence[FigureRow]) -> list[DomainFigures]:
    """Rows grouped by domain in the catalogue's domain order, each with its label."""
    labels = dict(Domain.choices)
    order = {value: i for i, value in enumerate(labels)}
    groups: dict[str, list[FigureRow]] = defaultdict(list)
    for row in rows:
        groups[row.indicator.domain].append(row)
    return [
        DomainFigures(domain=domain, label=str(labels.get(domain, domain)), rows=groups[domain])
        for domain in sorted(groups, key=lambda d: (order.get(d, len(order)), d))
    ]


@dataclass(frozen=True)
class CellTable:
    """Disclosed cells of many areas, indicators and periods, keyed by (area code, indicator
    key, period), with the survey margins (lower, upper) where the source gives them."""

    cells: Mapping[tuple[str, str, str], Cell]
    margins: Mapping[tuple[str, str, str], tuple[float, float]]
    levels: Mapping[str, str]  # area code → level

    def get(self, code: str, key: str, period: str) -> Cell:
        return self.cells.get((code, key, period), MISSING_CELL)

    def margin(self, code: str, key: str, period: str) -> tuple[float, float] | None:
        return self.margins.get((code, key, period))


def disclosed_cells(
    area_filter: Q,
    indicators: Mapping[int, Indicator],
    *,
    periods: Collection[str] | None = None,
    public: bool,
    keep: Collection[str] | None = None,
) -> CellTable:
    """The observations of the areas matching `area_filter` (a filter on `Observation`) for the
    given indicators (by id) and periods (all when None), with disclosure control applied as in
    `key_figures`: pass the whole family of the areas shown (see `family_filter`) so complementary
    suppression sees every cell a reader could subtract. `keep` limits the cells returned to
    these area codes (all still take part in disclosure control). Two queries, whatever the size
    of the installation beyond the matching areas."""
    query = Observation.objects.filter(area_filter, indicator_id__in=list(indicators))
    if periods is not None:
        query = query.filter(period__in=list(periods))
    raw = list(
        query.values_list(
            "area__code",
            "area__parent__code",
            "area__level",
            "indicator_id",
            "period",
            "value",
            "status",
            "margin_lower",
            "margin_upper",
        )
    )
    keys = {pk: indicator.key for pk, indicator in indicators.items()}
    frame = pd.DataFrame(
        [(r[0], r[1], r[2], keys[r[3]], r[4], r[5], r[6]) for r in raw],
        columns=list(FRAME_COLUMNS[:-1]),
    )
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(np.float64)
    frame["population"] = _populations(area_filter, frame) if len(frame) else []
    cells = _cells(frame, indicators.values(), public=public, keep=keep)
    margins = {
        (r[0], keys[r[3]], r[4]): (float(r[7]), float(r[8]))
        for r in raw
        if r[7] is not None
        and r[8] is not None
        and cells.get((r[0], keys[r[3]], r[4]), MISSING_CELL).shown == Shown.VALUE
    }
    levels = {r[0]: r[2] for r in raw}
    return CellTable(cells=cells, margins=margins, levels=levels)


@dataclass(frozen=True)
class TreeCells:
    """The disclosed cells of one municipality's whole area tree (every indicator, every
    period), indexed by area code and period, so a page can take the few areas and periods it
    shows without redoing disclosure control."""

    by_area: Mapping[str, Mapping[str, Mapping[str, Cell]]]  # code → period → key → cell
    margins: Mapping[str, Mapping[tuple[str, str], tuple[float, float]]]  # code → (key, period)
    levels: Mapping[str, str]

    def table(self, codes: Iterable[str], periods: Collection[str] | None = None) -> CellTable:
        """A `CellTable` of these areas (those the tree holds), in these periods (all when
        None)."""
        cells: dict[tuple[str, str, str], Cell] = {}
        margins: dict[tuple[str, str, str], tuple[float, float]] = {}
        levels: dict[str, str] = {}
        for code in codes:
            if code not in self.levels:
                continue
            levels[code] = self.levels[code]
            by_period = self.by_area.get(code, {})
            for period in by_period if periods is None else periods:
                for key, cell in by_period.get(period, {}).items():
                    cells[(code, key, period)] = cell
            for (key, period), margin in self.margins.get(code, {}).items():
                if periods is None or period in periods:
                    margins[(code, key, period)] = margin
        return CellTable(cells=cells, margins=margins, levels=levels)

    def codes_at(self, level: str) -> list[str]:
        return [code for code, found in self.levels.items() if found == level]


# Per process: (municipality id, public, data version, cache generation, indicator ids) → cells.
_TREES: OrderedDict[tuple[object, ...], TreeCells] = OrderedDict()
_TREES_LOCK = threading.Lock()
_TREES_KEPT = 32
_GENERATION_KEY = "kompas:tree-cells-generation"


def municipality_cells(
    municipality: Area, indicators: Mapping[int, Indicator], *, public: bool
) -> TreeCells:
    """Disclosure control over the municipality's whole tree at once, for every indicator and
    period: every page of the municipality then shows the same value for a cell (a reader cannot
    combine two pages to undo a suppression) and a page only slices what it shows.

    Kept per process under the data version (read before the figures, so an entry never holds
    data older than its version) and the cache's generation (clearing the cache forgets them);
    not kept inside a transaction, whose writes may still roll back."""
    from django.core.cache import cache
    from django.db import connection

    from gebiedskompas.areas import versioning

    if connection.in_atomic_block:
        return _tree_cells(municipality, indicators, public=public)
    version = versioning.current()
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.set(_GENERATION_KEY, generation, None)
    key = (municipality.pk, public, version, generation, tuple(sorted(indicators)))
    with _TREES_LOCK:
        found = _TREES.get(key)
        if found is not None:
            _TREES.move_to_end(key)
            return found
    tree = _tree_cells(municipality, indicators, public=public)
    with _TREES_LOCK:
        _TREES[key] = tree
        while len(_TREES) > _TREES_KEPT:
            _TREES.popitem(last=False)
    return tree


def _tree_cells(
    municipality: Area, indicators: Mapping[int, Indicator], *, public: bool
) -> TreeCells:
    ids = list(
        Area.objects.filter(Q(municipality_id=municipality.pk) | Q(pk=municipality.pk))
        .values_list("id", flat=True)
        .order_by("id")
    )
    table = disclosed_cells(Q(area_id__in=ids), indicators, public=public)
    by_area: dict[str, dict[str, dict[str, Cell]]] = defaultdict(lambda: defaultdict(dict))
    for (code, key, period), cell in table.cells.items():
        by_area[code][period][key] = cell
    margins: dict[str, dict[tuple[str, str], tuple[float, float]]] = defaultdict(dict)
    for (code, key, period), margin in table.margins.items():
        margins[code][(key, period)] = margin
    return TreeCells(
        by_area={code: dict(periods) for code, periods in by_area.items()},
        margins=dict(margins),
        levels=dict(table.levels),
    )


def family_filter(areas: Iterable[Area]) -> Q:
    """A filter on `Observation` for the families of these areas (each area, its ancestors and
    the children of each): every cell complementary suppression must see for a page showing
    them. The parent chains must be loaded (see `area_with_ancestors`). One query on the areas,
    so the observations are then read by area id through their unique index: an OR over a
    join would make the database scan every observation of the installation."""
    return Q(area_id__in=family_ids(areas))


def family_ids(areas: Iterable[Area]) -> list[int]:
    chain = {member.pk for area in areas for member in family_of(area)}
    children = Area.objects.filter(parent_id__in=chain).values_list("id", flat=True)
    return sorted(chain | set(children))


def indicators_by_id(ids: Iterable[int] | None = None) -> dict[int, Indicator]:
    """Indicators in catalogue order, by id (all when `ids` is None). One query."""
    query = Indicator.objects.all()
    if ids is not None:
        query = query.filter(pk__in=list(ids))
    return {indicator.pk: indicator for indicator in query}


__all__ = [
    "POPULATION_KEY",
    "Cell",
    "CellTable",
    "TreeCells",
    "DomainFigures",
    "FigureRow",
    "Shown",
    "area_with_ancestors",
    "disclosed_cells",
    "disclosure_policy",
    "family_filter",
    "family_ids",
    "family_of",
    "group_by_domain",
    "indicators_by_id",
    "key_figures",
    "municipality_cells",
    "observations_frame",
]
