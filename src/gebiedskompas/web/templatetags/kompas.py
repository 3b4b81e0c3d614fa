"""Template filters for figures: numbers in the reader's locale with the indicator's unit."""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from gebiedskompas.indicators.domain.disclosure import REASON_ABOVE_CAP, REASON_BELOW_CAP
from gebiedskompas.indicators.models import Indicator
from gebiedskompas.indicators.selectors import Cell, Shown

register = template.Library()


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


# Units that add nothing after a number in a table whose row names the indicator.
SILENT_UNITS = frozenset({"", "aantal", "code"})


CAP_SIGNS = {REASON_BELOW_CAP: "<\u00a0", REASON_ABOVE_CAP: ">\u00a0"}


@register.filter
def figure(cell: Cell | None, indicator: Indicator) -> str:
    """A cell as text: "1.234", "12,5 %", "geheim" or "–"."""
    if cell is not None and cell.shown == Shown.SECRET:
        return _("geheim")
    if cell is None or cell.shown == Shown.MISSING or cell.value is None:
        return "–"
    decimals = indicator.decimals
    if decimals == 0 and not float(cell.value).is_integer():
        decimals = 1  # a mean or rate without decimals in the catalogue: keep one
    text = number_format(cell.value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    unit = indicator.unit.strip()
    # A capped percentage: the public sees the cap ("< 5 %", "> 90 %"), not the value.
    if not cell.is_protected:  # staff see the true value, marked as not public
        text = CAP_SIGNS.get(cell.reason, "") + text
    if unit.lower() in SILENT_UNITS:
        return text
    return f"{text}\u00a0{unit}" if unit == "%" else f"{text} {unit}"


@register.simple_tag
def figure_cell(cell: Cell | None, indicator: Indicator, margin: str = "") -> SafeString:
    """A figure as a numeric table cell: the text of `figure`, a mark on a value the public does
    not see, the margin where given. Built here rather than by an included template: a wijkfoto
    has some 250 of them."""
    shown = (cell.shown if cell is not None else "") or "missing"
    protected = cell is not None and cell.is_protected
    mark = (
        '<span class="protected-mark" aria-hidden="true">*</span>'
        f'<span class="visually-hidden"> ({_esc(_("niet openbaar"))})</span>'
        if protected
        else ""
    )
    margin_html = f'<span class="margin"> ({_esc(margin)})</span>' if margin else ""
    # Safe: every value is escaped (the standard library's escape, as Django's, without its
    # lazy-string wrapper: this runs some 250 times per page).
    return mark_safe(
        '<td class="utrecht-table__cell utrecht-table__cell--numeric-data figure '
        f'figure--{_esc(shown)}{" figure--protected" if protected else ""}">'
        f"{_esc(figure(cell, indicator))}{mark}{margin_html}</td>"
    )


@register.filter
def period_label(period: str) -> str:
    """A canonical period (2024, 2024-H1, 2024-Q3) as a reader writes it."""
    year, _sep, part = period.partition("-")
    if not part:
        return year
    if part.startswith("H"):
        return _("%(part)se halfjaar %(year)s") % {"part": part[1:], "year": year}
    if part.startswith("Q"):
        return _("%(part)se kwartaal %(year)s") % {"part": part[1:], "year": year}
    return period


@register.simple_tag
def figure_rows(
    rows: list[Any], area: Any, parent: Any, municipality: Any, profile: Any
) -> SafeString:
    """The rows of one domain's table on the wijkfoto, in the columns its header names.

    Built here rather than in the template: a wijkfoto has some 50 rows of 9 cells, and the
    template language spent most of a first visit's time on them. Every value is escaped; the
    sparkline is our own SVG."""
    with_municipality = bool(municipality) and municipality != parent
    words = {
        "subjective": _esc(_("beleving")),
        "source": _esc(_("Bron")),
        "unit": _esc(_("Eenheid")),
        "chart": _esc(_("grafiek")),
        "no_data": _("Geen gegevens voor %(name)s") % {"name": _esc(area.name)},
    }
    subjective_tag = f' <span class="tag">{words["subjective"]}</span>'
    out: list[str] = []
    for row in rows:
        indicator = row.indicator
        name = _esc(indicator.name)
        subjective = row.is_subjective
        row_class = " figures-table__row--subjective" if subjective else ""
        out.append(
            f'<tr class="utrecht-table__row{row_class}"'
            f' id="indicator-{_esc(indicator.key)}">'
            '<th class="utrecht-table__header-cell figures-table__name" scope="row">'
            f'<details class="definition"><summary>{name}'
            f"{subjective_tag if subjective else ''}"
            '</summary><div class="definition__text">'
        )
        if indicator.definition:
            out.append(f'<p class="utrecht-paragraph">{_esc(indicator.definition)}</p>')
        out.append(
            f'<p class="utrecht-paragraph">{words["source"]}: {_esc(indicator.source or "–")}'
            + (f" · {words['unit']}: {_esc(indicator.unit)}" if indicator.unit else "")
            + f" · {_esc(capfirst(indicator.get_direction_display()))}</p></div></details></th>"
        )
        out.append(figure_cell(row.area, indicator, row.margin_text()))
        if parent:
            out.append(figure_cell(row.parent, indicator))
        if with_municipality:
            out.append(figure_cell(row.municipality, indicator))
        if profile.country:
            out.append(figure_cell(row.country, indicator))
        if profile.peers:
            out.append(figure_cell(row.peers, indicator))
        verdict = row.assessment
        icon = verdict.icon
        out.append(
            f'<td class="utrecht-table__cell assessment assessment--{_esc(verdict.verdict)}">'
            + (
                f'<span class="assessment__icon" aria-hidden="true">{_esc(icon)}</span> '
                f"{_esc(verdict.label)}"
                if icon
                else "–"
            )
            + '</td><td class="utrecht-table__cell figures-table__trend">'
        )
        if not row.has_data:
            out.append(f'<span class="no-data">{words["no_data"]}</span>')
        elif row.sparkline:
            url = reverse("web:trend", args=[area.code, indicator.key])
            out.append(
                f'{row.sparkline} <a class="utrecht-link trend-link" href="{_esc(url)}">'
                f'{words["chart"]}<span class="visually-hidden"> {name}</span></a>'
            )
        else:
            out.append("–")
        out.append(
            '</td><td class="utrecht-table__cell figures-table__period">'
            f"{_esc(period_label(row.period))}</td></tr>\n"
        )
    # Safe: every value above went through _esc(); the sparkline is our own SVG.
    return mark_safe("".join(out))
