"""Two to five areas side by side: every indicator in its latest period among them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.models import Area
from gebiedskompas.indicators.models import Indicator, Kind
from gebiedskompas.indicators.selectors import (
    Cell,
    CellTable,
    Shown,
    disclosed_cells,
    family_filter,
    family_of,
    indicators_by_id,
    municipality_cells,
)

MAX_AREAS: Final = 5


@dataclass(frozen=True)
class CompareRow:
    indicator: Indicator
    period: str
    cells: list[Cell]


@dataclass(frozen=True)
class Comparison:
    areas: list[Area]
    rows: list[CompareRow]


def _cells_of(areas: list[Area], indicators: dict[int, Indicator], *, public: bool) -> CellTable:
    """The disclosed cells of the areas: from their municipalities' trees (as every other page
    shows them, so no two pages can be combined to undo a suppression; kept per process), or,
    for an area in no municipality, from the families of the areas."""
    tops = [family_of(area)[-1] for area in areas]
    if not all(top.level == AreaLevel.GEMEENTE for top in tops):
        return disclosed_cells(family_filter(areas), indicators, public=public)
    cells: dict[tuple[str, str, str], Cell] = {}
    margins: dict[tuple[str, str, str], tuple[float, float]] = {}
    levels: dict[str, str] = {}
    for top in {top.pk: top for top in tops}.values():
        codes = [a.code for a, t in zip(areas, tops, strict=True) if t.pk == top.pk]
        part = municipality_cells(top, indicators, public=public).table(codes)
        cells.update(part.cells)
        margins.update(part.margins)
        levels.update(part.levels)
    return CellTable(cells=cells, margins=margins, levels=levels)


def compare_areas(areas: list[Area], *, public: bool) -> Comparison:
    """The areas (parent chains loaded) side by side, for any number of areas in the
    installation. Rows for indicators any of them has, in catalogue order."""
    indicators = indicators_by_id()
    table = _cells_of(areas, indicators, public=public)
    codes = {a.code for a in areas}
    latest: dict[str, str] = {}
    for (code, key, period), cell in table.cells.items():
        if code in codes and cell.shown != Shown.MISSING and period > latest.get(key, ""):
            latest[key] = period
    by_key = {i.key: i for i in indicators.values()}
    rows = [
        CompareRow(by_key[key], period, [table.get(a.code, key, period) for a in areas])
        for key, period in latest.items()
    ]
    rows.sort(
        key=lambda r: (
            r.indicator.domain,
            r.indicator.kind == Kind.SUBJECTIVE,
            r.indicator.position,
            r.indicator.key,
        )
    )
    return Comparison(areas=areas, rows=rows)
