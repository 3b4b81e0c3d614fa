"""Errors as ``application/problem+json`` (RFC 9457), as the API Design Rules ask."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext, gettext_noop
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from gebiedskompas.core.errors import KompasError, NotFound
from gebiedskompas.cycle.services import NotAllowed
from gebiedskompas.i18n import error_text

PROBLEM = "application/problem+json"
TITLES = {
    400: gettext_noop("Ongeldige invoer"),
    401: gettext_noop("Niet ingelogd"),
    403: gettext_noop("Geen toegang"),
    404: gettext_noop("Niet gevonden"),
    405: gettext_noop("Methode niet toegestaan"),
    406: gettext_noop("Formaat niet beschikbaar"),
    415: gettext_noop("Inhoudstype niet ondersteund"),
    429: gettext_noop("Te veel verzoeken"),
}


def _invalid_params(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for name, value in detail.items():
            out += _invalid_params(value, f"{prefix}{name}" if not prefix else f"{prefix}.{name}")
    elif isinstance(detail, list):
        for item in detail:
            if isinstance(item, dict | list):
                out += _invalid_params(item, prefix)
            else:
                out.append({"name": prefix or "nonFieldErrors", "reason": str(item)})
    else:
        out.append({"name": prefix or "nonFieldErrors", "reason": str(detail)})
    return out


def problem(status: int, detail: str, *, instance: str = "", **extra: Any) -> Response:
    body = {
        "type": f"https://developer.overheid.nl/problemen/{status}",
        "title": gettext(TITLES.get(status, gettext_noop("Fout"))),
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return Response(body, status=status, content_type=PROBLEM)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if isinstance(exc, NotFound):
        exc = exceptions.NotFound(error_text(exc))
    elif isinstance(exc, NotAllowed):
        exc = exceptions.PermissionDenied(error_text(exc))
    elif isinstance(exc, KompasError):
        exc = exceptions.ValidationError({"nonFieldErrors": [error_text(exc)]})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", "")
    extra: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        extra["invalidParams"] = _invalid_params(detail)
        text = gettext("De invoer is ongeldig; zie invalidParams.")
    else:
        text = str(detail)
    result = problem(response.status_code, text, instance=instance, **extra)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result


class InvalidParam(serializers.Serializer):  # type: ignore[type-arg]  # for the schema
    name = serializers.CharField()
    reason = serializers.CharField()


class Problem(serializers.Serializer):  # type: ignore[type-arg]  # for the schema
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()
    invalidParams = InvalidParam(many=True, required=False)  # noqa: N815  # the rules' name
