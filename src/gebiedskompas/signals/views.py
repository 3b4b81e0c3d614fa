"""The public intake form. Thin: validate, call create_signal, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from gebiedskompas.accounts.ratelimit import limit_posts
from gebiedskompas.core.errors import KompasError
from gebiedskompas.core.uploads import UploadRefused
from gebiedskompas.signals import selectors, services
from gebiedskompas.signals.forms import SignalForm
from gebiedskompas.signals.models import Channel

FIELD_FOR_COLUMN = {"lat": "lat", "category": "category", "description": "description"}


def _categories() -> list[tuple[str, str]]:
    return [
        (f"{c.municipality.code}/{c.code}", f"{c.municipality.name}: {c}")
        for c in selectors.public_categories()
    ]


@limit_posts("signal-form")
@require_http_methods(["GET", "HEAD", "POST"])
def signal_new(request: HttpRequest) -> HttpResponse:
    form = SignalForm(request.POST or None, request.FILES or None, categories=_categories())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        municipality, _sep, code = data["category"].partition("/")
        photo = data.get("photo")
        given = services.SignalInput(
            category_code=code,
            municipality_code=municipality,
            idempotency_key=f"form:{data['token']}",
            description=data["description"],
            lat=data["lat"],
            lon=data["lon"],
            address=data["address"],
            channel=Channel.WEB,
            reporter=services.ReporterInput(
                data["name"], data["email"], data["phone"], data["consent"]
            )
            if data["consent"]
            else None,
            photo_name=photo.name if photo else "",
            photo_data=photo.read() if photo else b"",
        )
        try:
            result = services.create_signal(given, by=request.user)
        except UploadRefused as exc:
            form.add_error("photo", exc.message)
        except KompasError as exc:
            form.add_error(FIELD_FOR_COLUMN.get(exc.problem.column or ""), exc.message)
        else:
            return render(request, "signals/thanks.html", {"signal": result.signal})
    return render(
        request, "signals/signal_form.html", {"form": form, "outline_url": _outline_url()}
    )


def _outline_url() -> str:
    """The map's outline: the buurten of the municipality signals go to, when there is one."""
    from django.urls import reverse

    from gebiedskompas.areas.selectors import municipalities

    found = list(municipalities()[:2])
    return reverse("web:area-geojson", args=[found[0].code]) if len(found) == 1 else ""
