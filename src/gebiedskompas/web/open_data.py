"""The open-data page: what Gebiedskompas publishes openly (the indicators with definition and
source, the public API and its OpenAPI document) and downloads of each municipality's public
figures as CSV or XLSX.

Downloads are always disclosure-controlled (counts rounded, small areas and derivable cells
suppressed), whoever asks: the same public figures as the API gives anonymous callers.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from gebiedskompas.accounts.ratelimit import hit
from gebiedskompas.areas import selectors as areas
from gebiedskompas.areas.models import Area, Level
from gebiedskompas.indicators.exports import observations_frame
from gebiedskompas.indicators.models import Indicator
from gebiedskompas.reports import tables
from gebiedskompas.web import exports

LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.nl"


def public_figures_table(municipality: Area, period: str | None = None) -> tables.ExportTable:
    """The municipality's observations (all its areas) after disclosure control."""
    frame = observations_frame(area=municipality.code, period=period, public=True)
    columns = [_("Gebied"), _("Gebiedsnaam"), _("Niveau"), _("Indicator"), _("Periode"),
               _("Waarde"), _("Status")]  # fmt: skip
    rows = [
        [r.area_code, r.area_name, r.level, r.indicator, r.period,
         None if r.value is None or r.value != r.value else float(r.value), r.status]
        for r in frame.itertuples(index=False)
    ]  # fmt: skip
    notes = [
        exports.LICENCE,
        _("Openbare cijfers: kleine aantallen en kleine gebieden zijn afgerond of geheim."),
    ]
    return tables.ExportTable(
        title=_("Openbare cijfers van %(name)s") % {"name": municipality.name},
        columns=columns,
        rows=rows,
        notes=notes,
    )


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    indicators = Indicator.objects.order_by("domain", "name")
    return render(
        request,
        "web/open_data.html",
        {
            "indicators": indicators,
            "municipalities": areas.municipalities(),
            "licence_url": LICENCE_URL,
        },
    )


@require_safe
def open_data_download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    municipality = Area.objects.filter(code=code, level=Level.GEMEENTE).first()
    if municipality is None or fmt not in exports.FORMATS:
        raise Http404
    # A download builds a whole municipality's table: the public API's rate limit applies.
    if not request.user.is_authenticated and not hit(
        "open-data", str(request.META.get("REMOTE_ADDR", "")), str(settings.API_RATES["anon"])
    ):
        return TemplateResponse(request, "accounts/too_many.html", status=429)
    period = request.GET.get("periode", "").strip()[:10] or None
    table = public_figures_table(municipality, period)
    name = f"open-data-{municipality.code}" + (f"-{period}" if period else "")
    response = exports.download(table, fmt, name)
    response["Link"] = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    return response
