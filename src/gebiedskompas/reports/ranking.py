"""One indicator across all areas of a level in a municipality: ranks and map classes.

Class breaks come from mapclassify (quantiles, Fisher-Jenks natural breaks, equal intervals).
Ranks follow the indicator's direction (1 = best; for a neutral indicator, 1 = highest); secret
and missing values get no rank and no class and are listed last. Six queries, whatever the number
of municipalities in the installation: indicator, municipality, periods, areas, cells (two).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError
from gebiedskompas.indicators.models import Indicator, Observation
from gebiedskompas.indicators.selectors import Cell, Shown, disclosed_cells

SCHEMES: Final = {
    "quantiles": _("kwantielen (even veel gebieden per klasse)"),
    "fisher_jenks": _("natuurlijke grenzen (Fisher-Jenks)"),
    "equal_interval": _("gelijke intervallen"),
}
DEFAULT_SCHEME: Final = "quantiles"
DEFAULT_CLASSES: Final = 5
MAX_CLASSES: Final = 7


@dataclass(frozen=True)
class RankedArea:
    area: Area
    cell: Cell
    rank: int | None
    klass: int | None  # 0-based class of the map legend


@dataclass(frozen=True)
class MapClass:
    index: int
    lower: float
    upper: float
    count: int


@dataclass(frozen=True)
class Ranking:
    indicator: Indicator
    level: str
    municipality: Area
    period: str
    periods: list[str]
    entries: list[RankedArea]
    classes: list[MapClass]
    scheme: str
    municipality_cell: Cell

    @property
    def ranked(self) -> list[RankedArea]:
        return [e for e in self.entries if e.rank is not None]


def classify(values: list[float], scheme: str, k: int) -> tuple[list[int], list[float]]:
    """Class index per value and the upper bound of each class (mapclassify)."""
    import warnings

    with warnings.catch_warnings():
        # Fisher-Jenks runs in pure Python without numba: fine for a municipality's areas.
        warnings.filterwarnings("ignore", message="Numba not installed")
        import mapclassify

    unique = len(set(values))
    k = max(1, min(k, unique))
    if k < 2:
        return [0] * len(values), [max(values)]
    y = np.asarray(values, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        if scheme == "fisher_jenks":
            result = mapclassify.FisherJenks(y, k=k)
        elif scheme == "equal_interval":
            result = mapclassify.EqualInterval(y, k=k)
        else:
            result = mapclassify.Quantiles(y, k=k)
    return [int(c) for c in result.yb], [float(b) for b in result.bins]


def ranking(
    *,
    indicator_key: str,
    level: str,
    municipality_code: str,
    period: str | None,
    public: bool,
    scheme: str = DEFAULT_SCHEME,
    classes: int = DEFAULT_CLASSES,
) -> Ranking:
    """Raises KompasError naming what is unknown: indicator, municipality, level or period."""
    indicator = Indicator.objects.filter(key=indicator_key).first()
    if indicator is None:
        raise KompasError(str(_("Onbekende indicator: %(key)s")) % {"key": indicator_key})
    if level not in AreaLevel._value2member_map_:
        raise KompasError(str(_("Onbekend niveau: %(level)s")) % {"level": level})
    municipality = Area.objects.filter(code=municipality_code, level=AreaLevel.GEMEENTE).first()
    if municipality is None:
        raise KompasError(str(_("Onbekende gemeente: %(code)s")) % {"code": municipality_code})
    scheme = scheme if scheme in SCHEMES else DEFAULT_SCHEME
    classes = max(2, min(classes, MAX_CLASSES))
    # Area ids first (indexed), then observations by area id: an OR or a join on the areas
    # would make the database scan the observations of every municipality. Disclosure control
    # runs over whole municipality trees, as for every other page: a gemeente total the
    # wijkfoto hides (so that its one hidden wijk cannot be derived) stays hidden here too.
    scope_ids = Area.objects.filter(
        Q(municipality__isnull=False) | Q(level=AreaLevel.GEMEENTE)
        if level == AreaLevel.GEMEENTE
        else Q(municipality_id=municipality.pk)
    ).values("id")
    scope = Q(area_id__in=scope_ids)
    areas = list(
        Area.objects.filter(
            Q(level=AreaLevel.GEMEENTE)
            if level == AreaLevel.GEMEENTE
            else Q(municipality_id=municipality.pk, level=level)
        )
        .only("code", "name", "level", "geojson_wgs84")
        .order_by("name")
    )
    periods = sorted(
        set(
            Observation.objects.filter(area_id__in=[a.pk for a in areas], indicator=indicator)
            .values_list("period", flat=True)
            .distinct()
        ),
        reverse=True,
    )
    if not periods:
        return Ranking(indicator, level, municipality, "", [], [], [], scheme, Cell(Shown.MISSING))
    if period is None or period not in periods:
        if period:
            raise KompasError(
                str(_("Geen cijfers voor periode %(period)s; wel voor %(periods)s"))
                % {"period": period, "periods": ", ".join(periods[:10])}
            )
        period = periods[0]
    # Cells of the whole municipality tree, so complementary suppression sees every sibling.
    table = disclosed_cells(scope, {indicator.pk: indicator}, periods=[period], public=public)
    cells = {a.code: table.get(a.code, indicator.key, period) for a in areas}
    shown = [a for a in areas if cells[a.code].shown == Shown.VALUE]
    values = [float(cells[a.code].value) for a in shown]  # type: ignore[arg-type]  # VALUE cells hold a value
    sign = -1 if indicator.direction == "higher_is_worse" else 1
    order = sorted(range(len(shown)), key=lambda i: (-sign * values[i], shown[i].name))
    ranks: dict[str, int] = {}
    previous: float | None = None
    for position, i in enumerate(order, start=1):
        if previous is None or not math.isclose(values[i], previous):
            rank = position
        ranks[shown[i].code] = rank
        previous = values[i]
    klass: dict[str, int] = {}
    map_classes: list[MapClass] = []
    if values:
        labels, bounds = classify(values, scheme, classes)
        klass = {a.code: c for a, c in zip(shown, labels, strict=True)}
        lower = min(values)
        for index, upper in enumerate(bounds):
            members = [v for v, c in zip(values, labels, strict=True) if c == index]
            map_classes.append(MapClass(index, lower, upper, len(members)))
            lower = upper
    entries = [RankedArea(a, cells[a.code], ranks.get(a.code), klass.get(a.code)) for a in areas]
    entries.sort(key=lambda e: (e.rank is None, e.rank or 0, e.area.name))
    return Ranking(
        indicator=indicator,
        level=level,
        municipality=municipality,
        period=period,
        periods=periods,
        entries=entries,
        classes=map_classes,
        scheme=scheme,
        municipality_cell=table.get(municipality.code, indicator.key, period),
    )
