"""The health endpoint (public, for load balancers and uptime checks) and Prometheus metrics
(a bearer token, KOMPAS_METRICS_TOKEN, or a signed-in operator)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gebiedskompas.accounts.permissions import can
from gebiedskompas.accounts.roles import MANAGE_ROLES
from gebiedskompas.ops import checks, metrics


@never_cache
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """200 when the database answers and all migrations are applied, else 503. No personal or
    configuration data: only booleans and the worker's heartbeat age."""
    healthy, body = checks.health()
    return JsonResponse(body, status=200 if healthy else 503)


def _token_matches(request: HttpRequest) -> bool:
    expected = settings.KOMPAS_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if not expected or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given.removeprefix("Bearer ").strip(), expected)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    # An installation-wide manage_roles right is what only the operator role holds.
    if not (_token_matches(request) or can(request.user, MANAGE_ROLES)):
        if request.user.is_authenticated:
            return HttpResponse("forbidden\n", status=403, content_type="text/plain")
        response = HttpResponse("unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4")
