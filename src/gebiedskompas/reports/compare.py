"""Two to five areas side by side: every indicator in its latest period among them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from gebiedskompas.areas.models import Area
from gebiedskompas.indicators.models import Indicator, Kind
from gebiedskompas.indicators.selectors import (
    Cell,
    Shown,
    disclosed_cells,
    family_filter,
    indicators_by_id,
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


def compare_areas(areas: list[Area], *, public: bool) -> Comparison:
    """The areas (parent chains loaded) side by side; four queries for any number of areas in
    the installation. Rows for indicators any of them has, in catalogue order."""
    indicators = indicators_by_id()
    table = disclosed_cells(family_filter(areas), indicators, public=public)
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
