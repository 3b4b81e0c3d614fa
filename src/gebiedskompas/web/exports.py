"""Downloads of the tables the pages show, as CSV and XLSX, built from the pages' own data."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _

from gebiedskompas.areas.models import Area
from gebiedskompas.indicators.models import Indicator
from gebiedskompas.indicators.selectors import Cell, Shown
from gebiedskompas.reports import charts, tables
from gebiedskompas.reports.compare import Comparison
from gebiedskompas.reports.profile import AreaProfile
from gebiedskompas.reports.ranking import Ranking

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LICENCE = "Bron: CBS en gemeente; open data onder CC BY 4.0"


def download(table: tables.ExportTable, fmt: str, name: str) -> HttpResponse:
    body = tables.to_csv(table) if fmt == "csv" else tables.to_xlsx(table)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def value_of(cell: Cell | None) -> float | str | None:
    """A number for a shown value, "geheim" for a secret one, empty when missing."""
    if cell is None or cell.shown == Shown.MISSING:
        return None
    if cell.shown == Shown.SECRET:
        return _("geheim")
    return cell.value


def profile_table(profile: AreaProfile) -> tables.ExportTable:
    area = profile.area
    columns = [
        _("Domein"),
        _("Indicator"),
        _("Sleutel"),
        _("Eenheid"),
        _("Periode"),
        area.name,
        _("Ondergrens marge"),
        _("Bovengrens marge"),
        profile.parent.name if profile.parent else _("Bovenliggend gebied"),
        profile.municipality.name if profile.municipality else _("Gemeente"),
        *([profile.country.name] if profile.country else []),
        _("Vergelijkbare gebieden (gemiddelde)"),
        _("Oordeel t.o.v. %(name)s") % {"name": profile.reference},
        _("Bron"),
    ]
    rows = []
    for group in profile.groups:
        for row in group.rows:
            rows.append(
                [
                    group.label,
                    row.indicator.name,
                    row.indicator.key,
                    row.indicator.unit,
                    row.period,
                    value_of(row.area),
                    row.margin[0] if row.margin else None,
                    row.margin[1] if row.margin else None,
                    value_of(row.parent),
                    value_of(row.municipality),
                    *([value_of(row.country)] if profile.country else []),
                    value_of(row.peers),
                    row.assessment.label,
                    row.indicator.source,
                ]
            )
    notes = [
        LICENCE,
        _("Cijfers tot en met %(date)s") % {"date": profile.data_date or "–"},
        _("Vergelijkbare gebieden: %(names)s")
        % {"names": ", ".join(p.name for p in profile.peers) or "–"},
    ]
    return tables.ExportTable(
        _("Wijkfoto %(name)s (%(code)s)") % {"name": area.name, "code": area.code},
        columns,
        rows,
        notes,
    )


def compare_table(comparison: Comparison) -> tables.ExportTable:
    columns = [_("Indicator"), _("Sleutel"), _("Eenheid"), _("Periode")]
    columns += [f"{a.name} ({a.code})" for a in comparison.areas]
    rows = [
        [r.indicator.name, r.indicator.key, r.indicator.unit, r.period]
        + [value_of(c) for c in r.cells]
        for r in comparison.rows
    ]
    return tables.ExportTable(_("Vergelijking"), columns, rows, [LICENCE])


def ranking_table(result: Ranking) -> tables.ExportTable:
    columns = [_("Rang"), _("Code"), _("Gebied"), result.indicator.name, _("Klasse")]
    rows = [
        [
            e.rank,
            e.area.code,
            e.area.name,
            value_of(e.cell),
            None if e.klass is None else e.klass + 1,
        ]
        for e in result.entries
    ]
    return tables.ExportTable(
        _("%(indicator)s, %(period)s, %(name)s")
        % {
            "indicator": result.indicator.name,
            "period": result.period,
            "name": result.municipality.name,
        },
        columns,
        rows,
        [LICENCE],
    )


def trend_table(area: Area, indicator: Indicator, chart: charts.TrendChart) -> tables.ExportTable:
    columns = [_("Periode"), *(s.name for s in chart.series)]
    rows = [
        [period, *(s.values[i] for s in chart.series)] for i, period in enumerate(chart.periods)
    ]
    return tables.ExportTable(
        _("%(indicator)s in %(area)s") % {"indicator": indicator.name, "area": area.name},
        columns,
        rows,
        [LICENCE, indicator.source],
    )
