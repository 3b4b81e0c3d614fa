"""The health endpoint (public, for load balancers and uptime checks) and Prometheus metrics
(a bearer token, KOMPAS_METRICS_TOKEN, or a signed-in operator)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from gebiedskompas.accounts.permissions import area_filter, can, permission_somewhere
from gebiedskompas.accounts.roles import MANAGE_ROLES
from gebiedskompas.areas.models import Area, Level
from gebiedskompas.core.errors import KompasError
from gebiedskompas.i18n import error_message
from gebiedskompas.ops import checks, metrics, retention
from gebiedskompas.ops.models import PurgeRun


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


@permission_somewhere(MANAGE_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def retention_periods(request: HttpRequest) -> HttpResponse:
    """A municipality's own retention periods per kind of personal data, for its beheerder;
    an empty field means the installation default."""
    choices = list(
        Area.objects.filter(level=Level.GEMEENTE)
        .filter(area_filter(request.user, retention.MANAGE_RETENTION))
        .order_by("name")
    )
    code = request.POST.get("gemeente") or request.GET.get("gemeente") or ""
    municipality = next((a for a in choices if a.code == code), None)
    if code and municipality is None:
        if Area.objects.filter(code=code, level=Level.GEMEENTE).exists():
            raise PermissionDenied
        raise Http404
    if municipality is None and choices:
        municipality = choices[0]
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    if request.method == "POST" and municipality is not None:
        wanted: dict[str, int | None] = {}
        for period in retention.periods_of(municipality):
            name = period.kind.name
            raw = posted[name] = request.POST.get(f"days-{name}", "").strip()
            if not raw:
                wanted[name] = None
            elif raw.isdigit() and int(raw) <= retention.MAX_DAYS:
                wanted[name] = int(raw)
            else:
                errors[name] = _(
                    "Geef een geheel aantal dagen van 0 tot en met %(max)s, of laat het veld "
                    "leeg voor de standaardtermijn; %(given)s kan niet."
                ) % {"max": retention.MAX_DAYS, "given": raw}
        if not errors:
            try:
                retention.set_periods(municipality.code, wanted, by=request.user)
            except KompasError as exc:
                messages.error(request, error_message(exc))
            else:
                messages.success(request, _("De bewaartermijnen zijn opgeslagen."))
                return redirect(f"{reverse('ops:retention')}?gemeente={municipality.code}")
    rows = []
    if municipality is not None:
        for period in retention.periods_of(municipality):
            name = period.kind.name
            value = posted.get(name, "" if period.own is None else str(period.own))
            rows.append({"period": period, "value": value, "error": errors.get(name, "")})
    return render(
        request,
        "ops/retention.html",
        {
            "choices": choices,
            "municipality": municipality,
            "rows": rows,
            "max_days": retention.MAX_DAYS,
            "runs": _runs_of(municipality) if municipality is not None else [],
        },
        status=400 if errors else 200,
    )


def _runs_of(municipality: Area) -> list[tuple[object, str, object]]:
    """The last real purges with what they removed in this municipality only."""
    found = []
    for run in PurgeRun.objects.filter(dry_run=False)[:12]:
        here = (run.detail or {}).get("municipalities", {}).get(municipality.code, {})
        found.append((run.ran_at, run.purger, here.get("count", 0)))
    return found
