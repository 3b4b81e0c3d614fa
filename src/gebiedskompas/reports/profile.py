"""The wijkfoto (area profile): every indicator of one area, compared and with its trend.

`area_profile` gathers what the page, the PDF and the exports show, in a fixed number of queries
whatever the size of the installation:

1. the indicators (catalogue, one query);
2. the observations of the area's family over all periods, and their inhabitants (two): values,
   parent and municipality, trends, disclosure control;
3. the observations of the candidate areas (same level, same municipality, with their parents
   for disclosure control) in the latest periods, and their inhabitants (two): the peer group's
   structural profile, the peer mean and the spread between areas for the highlights. For a
   gemeente the candidates are all gemeenten, restricted to the structural indicators (two),
   and then the peers themselves (two);
4. the area's yearly CBS change indicators (one): where the trend breaks;
5. children and neighbours (two).

Values follow the disclosure rules of `indicators.selectors` (public or staff view).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gebiedskompas.analysis.defaults import STRUCTURAL_PROFILE
from gebiedskompas.analysis.selectors import similar_areas
from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.models import Area, AreaYear
from gebiedskompas.areas.selectors import touching
from gebiedskompas.indicators.domain.disclosure import REASON_ABOVE_CAP, REASON_BELOW_CAP
from gebiedskompas.indicators.models import Domain, Indicator, Kind
from gebiedskompas.indicators.selectors import (
    MISSING_CELL,
    Cell,
    CellTable,
    Shown,
    TreeCells,
    disclosed_cells,
    family_filter,
    family_of,
    indicators_by_id,
    municipality_cells,
)
from gebiedskompas.reports import charts
from gebiedskompas.reports.domain.compare import (
    Verdict,
    sign_of,
    spread_of,
    standardised_difference,
    verdict,
)

# CBS IndelingswijzigingGemeenteWijkBuurt: "1" comparable with the year before; "." and "" say
# nothing (gemeente rows, areas without the column). Anything else ("2", "3") is a new boundary.
UNCHANGED_CODES: Final = frozenset({"1", ".", ""})
HIGHLIGHT_COUNT: Final = 5
CHANGE_COUNT: Final = 3
MIN_HIGHLIGHT_Z: Final = 0.5

VERDICT_LABELS: Final = {
    Verdict.BETTER: gettext_lazy("beter"),
    Verdict.WORSE: gettext_lazy("slechter"),
    Verdict.HIGHER: gettext_lazy("hoger"),
    Verdict.LOWER: gettext_lazy("lager"),
    Verdict.SIMILAR: gettext_lazy("vergelijkbaar"),
    Verdict.UNKNOWN: gettext_lazy("niet te vergelijken"),
}
VERDICT_ICONS: Final = {
    Verdict.BETTER: "▲",
    Verdict.WORSE: "▼",
    Verdict.HIGHER: "↑",
    Verdict.LOWER: "↓",
    Verdict.SIMILAR: "=",
    Verdict.UNKNOWN: "",
}


def format_value(value: float | None, indicator: Indicator, *, with_unit: bool = True) -> str:
    """A number as the reader writes it, with the indicator's decimals and unit."""
    if value is None or not math.isfinite(value):
        return "–"
    decimals = indicator.decimals
    if decimals == 0 and not float(value).is_integer():
        decimals = 1
    text = number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    unit = indicator.unit.strip()
    if not with_unit or unit.lower() in {"", "aantal", "code"}:
        return text
    return f"{text}\u00a0{unit}" if unit == "%" else f"{text} {unit}"


def cell_text(cell: Cell | None, indicator: Indicator) -> str:
    if cell is not None and cell.shown == Shown.SECRET:
        return _("geheim")
    if cell is None or cell.shown != Shown.VALUE:
        return "–"
    signs = {REASON_BELOW_CAP: "< ", REASON_ABOVE_CAP: "> "}
    sign = "" if cell.is_protected else signs.get(cell.reason, "")
    return sign + format_value(cell.value, indicator)


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict

    @property
    def label(self) -> str:
        return str(VERDICT_LABELS[self.verdict])

    @property
    def icon(self) -> str:
        return VERDICT_ICONS[self.verdict]


@dataclass(frozen=True)
class ProfileRow:
    indicator: Indicator
    period: str
    area: Cell
    margin: tuple[float, float] | None
    parent: Cell | None
    municipality: Cell | None
    peers: Cell | None
    assessment: Assessment
    country: Cell | None
    periods: tuple[str, ...]
    values: tuple[float | None, ...]
    breaks: tuple[str, ...]
    sparkline: str
    z: float | None

    @property
    def has_data(self) -> bool:
        return self.area.shown != Shown.MISSING

    @property
    def is_subjective(self) -> bool:
        return self.indicator.kind == Kind.SUBJECTIVE

    @property
    def has_trend(self) -> bool:
        return sum(v is not None for v in self.values) >= 2

    def margin_text(self) -> str:
        if self.margin is None:
            return ""
        low, high = self.margin
        return f"{format_value(low, self.indicator, with_unit=False)}–" + format_value(
            high, self.indicator, with_unit=False
        )


@dataclass(frozen=True)
class ProfileGroup:
    domain: str
    label: str
    rows: list[ProfileRow]


@dataclass(frozen=True)
class Highlight:
    row: ProfileRow
    assessment: Assessment
    score: float  # in standard deviations between areas (or relative change), signed: + better
    text: str


@dataclass(frozen=True)
class AreaProfile:
    area: Area
    ancestors: list[Area]
    parent: Area | None
    municipality: Area | None
    country: Area | None  # the Netherlands, where a national table brought its figures
    groups: list[ProfileGroup]
    differences: list[Highlight]
    improved: list[Highlight]
    worsened: list[Highlight]
    peers: list[Area]
    peer_keys: list[Indicator]
    children: list[Area]
    neighbours: list[Area]
    data_date: str
    sources: list[str]
    generated: date = field(default_factory=date.today)

    @property
    def rows(self) -> list[ProfileRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def has_figures(self) -> bool:
        return any(row.has_data for row in self.rows)

    @property
    def has_protected(self) -> bool:
        return any(
            cell is not None and cell.is_protected
            for row in self.rows
            for cell in (row.area, row.parent, row.municipality)
        )

    @property
    def reference(self) -> str:
        """What the assessment column compares with."""
        if self.municipality is not None:
            return self.municipality.name
        return _("vergelijkbare gebieden")


def _municipality_of(area: Area, chain: Sequence[Area]) -> Area | None:
    top = chain[-1]
    if top.level == AreaLevel.GEMEENTE and top.pk != area.pk:
        return top
    if area.level == AreaLevel.GEMEENTE:
        return None
    return area.municipality


def _breaks(area: Area) -> set[str]:
    codes = AreaYear.objects.filter(area=area).values_list("year", "change_indicator")
    return {str(year) for year, code in codes if code.strip() not in UNCHANGED_CODES}


def neighbours_of(area: Area) -> list[Area]:
    """Same-level areas whose bounding box touches the area's (a cheap, generous test)."""
    return list(touching(area).only("code", "name", "level").order_by("name"))


def _latest_by_indicator(table: CellTable, code: str) -> dict[str, str]:
    latest: dict[str, str] = {}
    for (area, key, period), cell in table.cells.items():
        if area == code and cell.shown != Shown.MISSING and period > latest.get(key, ""):
            latest[key] = period
    return latest


def area_profile(area: Area, *, public: bool, peer_count: int = 5) -> AreaProfile:
    """The wijkfoto of `area` (loaded with `indicators.selectors.area_with_ancestors`)."""
    chain = family_of(area)
    municipality = _municipality_of(area, chain)
    indicators = indicators_by_id()
    by_key = {i.key: i for i in indicators.values()}
    shown = {a.code for a in (area, area.parent, municipality) if a is not None}
    tree = (
        municipality_cells(municipality, indicators, public=public)
        if municipality is not None
        else None
    )
    family = (
        tree.table(shown)
        if tree is not None
        else disclosed_cells(family_filter([area]), indicators, public=public, keep=shown)
    )

    own_latest = _latest_by_indicator(family, area.code)
    # Indicators the area lacks but its family has: listed, so the page says "no data".
    family_latest: dict[str, str] = {}
    for (_code, key, period), cell in family.cells.items():
        if cell.shown != Shown.MISSING and period > family_latest.get(key, ""):
            family_latest[key] = period
    latest = {**family_latest, **own_latest}

    country = (
        Area.objects.filter(level=AreaLevel.LAND).exclude(pk=area.pk).only("code", "name").first()
    )
    national = (
        disclosed_cells(
            Q(area_id=country.pk), indicators, periods=set(latest.values()), public=public
        )
        if country is not None
        else None
    )
    candidates = _candidates(area, municipality, tree, latest)
    peers = [found.area for found in similar_areas(area, peer_count)]
    peer_table = _peer_table(peers, candidates, indicators, latest, public=public)
    breaks = _breaks(area)
    all_periods = sorted({p for (_a, _k, p) in family.cells})

    own_series: dict[str, dict[str, Cell]] = defaultdict(dict)
    for (code, key, period), cell in family.cells.items():
        if code == area.code:
            own_series[key][period] = cell

    rows: list[ProfileRow] = []
    spreads: dict[str, float | None] = {}
    for key, period in latest.items():
        indicator = by_key[key]
        cell = family.get(area.code, key, period)
        municipality_cell = (
            family.get(municipality.code, key, period) if municipality is not None else None
        )
        peer_cell = _peer_mean(peer_table, peers, key, period) if peer_table else None
        spread = spreads[key] = spread_of(candidates.values(key, period)) if candidates else None
        reference = municipality_cell if municipality is not None else peer_cell
        value = cell.value if cell.shown == Shown.VALUE else None
        ref_value = (
            reference.value if reference is not None and reference.shown == Shown.VALUE else None
        )
        series = own_series.get(key, {})
        periods = tuple(p for p in all_periods if p in series) or (period,)
        values = tuple(
            series[p].value if p in series and series[p].shown == Shown.VALUE else None
            for p in periods
        )
        row_breaks = tuple(sorted(p for p in breaks if p in periods))
        rows.append(
            ProfileRow(
                indicator=indicator,
                period=period,
                area=cell,
                margin=family.margin(area.code, key, period),
                parent=family.get(area.parent.code, key, period) if area.parent else None,
                municipality=municipality_cell,
                peers=peer_cell,
                country=national.get(country.code, key, period)
                if national is not None and country is not None
                else None,
                assessment=Assessment(
                    # A count compared with a larger area's count says nothing.
                    Verdict.UNKNOWN
                    if indicator.is_count
                    else verdict(value, ref_value, indicator.direction, spread)
                ),
                periods=periods,
                values=values,
                breaks=row_breaks,
                sparkline=_sparkline(indicator, area, periods, values, row_breaks),
                z=None
                if indicator.is_count
                else standardised_difference(value, ref_value, spread, indicator.direction),
            )
        )
    rows.sort(
        key=lambda r: (r.indicator.kind == Kind.SUBJECTIVE, r.indicator.position, r.indicator.key)
    )
    groups = _group(rows)
    improved, worsened = _changes(rows, spreads)
    return AreaProfile(
        area=area,
        ancestors=list(reversed(chain[1:])),
        parent=area.parent,
        municipality=municipality,
        country=country if national is not None and national.cells else None,
        groups=groups,
        differences=_differences(rows, municipality),
        improved=improved,
        worsened=worsened,
        peers=peers,
        peer_keys=[by_key[c.key] for c in STRUCTURAL_PROFILE if c.key in by_key],
        children=list(area.children.only("code", "name", "level", "parent").order_by("name")),
        neighbours=neighbours_of(area),
        data_date=max(own_latest.values(), default=""),
        sources=sorted({row.indicator.source for row in rows if row.indicator.source}),
    )


@dataclass(frozen=True)
class Candidates:
    """Cells of the areas the page compares with: `same_level` are the candidates proper, the
    table also holds their parents (for disclosure control)."""

    table: CellTable
    same_level: frozenset[str]

    def values(self, key: str, period: str) -> list[float]:
        out = []
        for code in self.same_level:
            cell = self.table.get(code, key, period)
            if cell.shown == Shown.VALUE and cell.value is not None:
                out.append(cell.value)
        return out


def _candidates(
    area: Area,
    municipality: Area | None,
    tree: TreeCells | None,
    latest: Mapping[str, str],
) -> Candidates | None:
    """The same-level areas of the municipality (with their parents) in the periods shown;
    None for a gemeente, whose candidates would be the whole country."""
    periods = set(latest.values())
    if not periods or municipality is None or tree is None or area.level == AreaLevel.GEMEENTE:
        return None
    parent_level = area.parent.level if area.parent is not None else area.level
    same_level = tree.codes_at(area.level)
    table = tree.table([*same_level, *tree.codes_at(parent_level)], periods)
    return Candidates(table, frozenset(same_level))


def _peer_table(
    peers: Sequence[Area],
    candidates: Candidates | None,
    indicators: Mapping[int, Indicator],
    latest: Mapping[str, str],
    *,
    public: bool,
) -> CellTable | None:
    if not peers:
        return None
    if candidates is not None and all(p.code in candidates.same_level for p in peers):
        return candidates.table
    return disclosed_cells(
        Q(area__in=list(peers)), indicators, periods=set(latest.values()), public=public
    )


def _peer_mean(table: CellTable, peers: Sequence[Area], key: str, period: str) -> Cell:
    values = [
        table.get(peer.code, key, period).value
        for peer in peers
        if table.get(peer.code, key, period).shown == Shown.VALUE
    ]
    finite = [v for v in values if v is not None]
    if not finite:
        return MISSING_CELL
    return Cell(Shown.VALUE, sum(finite) / len(finite))


def _sparkline(
    indicator: Indicator,
    area: Area,
    periods: Sequence[str],
    values: Sequence[float | None],
    breaks: Sequence[str],
) -> str:
    present = [(p, v) for p, v in zip(periods, values, strict=True) if v is not None]
    if len(present) < 2:
        return ""
    (first_p, first_v), (last_p, last_v) = present[0], present[-1]
    summary = _("Van %(first)s in %(p1)s naar %(last)s in %(p2)s.") % {
        "first": format_value(first_v, indicator),
        "p1": first_p,
        "last": format_value(last_v, indicator),
        "p2": last_p,
    }
    if breaks:
        summary += " " + _(
            "Nieuwe gebiedsgrenzen vanaf %(years)s: daar is de lijn onderbroken."
        ) % {"years": ", ".join(breaks)}
    return charts.sparkline_svg(
        periods,
        values,
        breaks=breaks,
        label=_("Trend van %(indicator)s in %(area)s")
        % {"indicator": indicator.name, "area": area.name},
        summary=summary,
        uid=f"spark-{indicator.key}",
    )


def _group(rows: Sequence[ProfileRow]) -> list[ProfileGroup]:
    labels = dict(Domain.choices)
    order = {value: i for i, value in enumerate(labels)}
    groups: dict[str, list[ProfileRow]] = defaultdict(list)
    for row in rows:
        groups[row.indicator.domain].append(row)
    return [
        ProfileGroup(domain=d, label=str(labels.get(d, d)), rows=groups[d])
        for d in sorted(groups, key=lambda d: (order.get(d, len(order)), d))
    ]


def _differences(rows: Sequence[ProfileRow], municipality: Area | None) -> list[Highlight]:
    if municipality is None:
        return []
    scored = [
        r
        for r in rows
        if r.z is not None and sign_of(r.indicator.direction) and abs(r.z) >= MIN_HIGHLIGHT_Z
    ]
    scored.sort(key=lambda r: (-abs(r.z or 0), r.indicator.key))
    out = []
    for row in scored[:HIGHLIGHT_COUNT]:
        out.append(
            Highlight(
                row=row,
                assessment=row.assessment,
                score=row.z or 0.0,
                text=_("%(indicator)s: %(value)s tegen %(reference)s in %(name)s")
                % {
                    "indicator": row.indicator.name,
                    "value": cell_text(row.area, row.indicator),
                    "reference": cell_text(row.municipality, row.indicator),
                    "name": municipality.name,
                },
            )
        )
    return out


def _changes(
    rows: Sequence[ProfileRow], spreads: Mapping[str, float | None]
) -> tuple[list[Highlight], list[Highlight]]:
    """The largest improvements and deteriorations since the previous period with a value, for
    directional indicators, in standard deviations between areas (relative change where the
    spread is unknown), skipping a change across a boundary break."""
    scored: list[tuple[float, ProfileRow, str, float, float]] = []
    for row in rows:
        sign = sign_of(row.indicator.direction)
        present = [(p, v) for p, v in zip(row.periods, row.values, strict=True) if v is not None]
        if not sign or row.indicator.is_count or len(present) < 2 or present[-1][0] != row.period:
            continue
        (p0, v0), (p1, v1) = present[-2], present[-1]
        if any(p0 < b <= p1 for b in row.breaks):
            continue
        spread = spreads.get(row.indicator.key)
        if spread:
            score = sign * (v1 - v0) / spread
        elif v0:
            score = sign * (v1 - v0) / abs(v0)
        else:
            continue
        if abs(score) >= 0.05:
            scored.append((score, row, p0, v0, v1))

    def highlight(item: tuple[float, ProfileRow, str, float, float], kind: Verdict) -> Highlight:
        score, row, p0, v0, v1 = item
        return Highlight(
            row=row,
            assessment=Assessment(kind),
            score=score,
            text=_("%(indicator)s: van %(old)s (%(p0)s) naar %(new)s (%(p1)s)")
            % {
                "indicator": row.indicator.name,
                "old": format_value(v0, row.indicator),
                "p0": p0,
                "new": format_value(v1, row.indicator),
                "p1": row.period,
            },
        )

    improved = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1].indicator.key))
    worsened = sorted((s for s in scored if s[0] < 0), key=lambda s: (s[0], s[1].indicator.key))
    return (
        [highlight(s, Verdict.BETTER) for s in improved[:CHANGE_COUNT]],
        [highlight(s, Verdict.WORSE) for s in worsened[:CHANGE_COUNT]],
    )


__all__ = ["AreaProfile", "ProfileRow", "area_profile", "cell_text", "format_value"]
