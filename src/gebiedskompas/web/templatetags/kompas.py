"""Template filters for figures: numbers in the reader's locale with the indicator's unit."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from gebiedskompas.indicators.domain.disclosure import REASON_ABOVE_CAP, REASON_BELOW_CAP
from gebiedskompas.indicators.models import Indicator
from gebiedskompas.indicators.selectors import Cell, Shown

register = template.Library()

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
def figure_cell(cell: Cell | None, indicator: Indicator, margin: str = "") -> str:
    """A figure as a numeric table cell: the text of `figure`, a mark on a value the public does
    not see, the margin where given. Built here rather than by an included template: a wijkfoto
    has some 250 of them."""
    shown = (cell.shown if cell is not None else "") or "missing"
    protected = cell is not None and cell.is_protected
    return format_html(
        '<td class="utrecht-table__cell utrecht-table__cell--numeric-data figure figure--{}{}">'
        "{}{}{}</td>",
        shown,
        " figure--protected" if protected else "",
        figure(cell, indicator),
        format_html(
            '<span class="protected-mark" aria-hidden="true">*</span>'
            '<span class="visually-hidden"> ({})</span>',
            _("niet openbaar"),
        )
        if protected
        else "",
        format_html('<span class="margin"> ({})</span>', margin) if margin else "",
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
