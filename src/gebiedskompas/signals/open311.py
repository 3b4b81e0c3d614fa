"""Open311 GeoReport v2 (open311.org, GeoReport_v2, frozen spec) as an interoperability façade.

Service codes are category codes; a category code used by two municipalities needs the
municipality's code as ``jurisdiction_id``. Internal statuses map onto open/closed with the Dutch
label in ``status_notes``; ``expected_datetime`` is the deadline, ``agency_responsible`` the
department. Errors are the spec's list of ``{code, description}``, in JSON or XML. Reporter
details are never part of a response.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from gebiedskompas.accounts.services import user_for_token
from gebiedskompas.core.errors import KompasError, NotFound, gettext_noop
from gebiedskompas.core.uploads import UploadRefused
from gebiedskompas.i18n import error_message
from gebiedskompas.signals import selectors, services
from gebiedskompas.signals.domain.workflow import FINAL, LABELS, OPEN311_STATUS, Status
from gebiedskompas.signals.models import Category, Channel, Signal

FORMATS = ("json", "xml")
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000


def _xml(root: str, item: str, rows: list[dict[str, Any]]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(element, key)
            if isinstance(value, list):
                continue  # attributes: none defined yet
            if isinstance(value, bool):
                child.text = str(value).lower()
            elif value is not None:
                child.text = str(value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def _respond(
    fmt: str, root: str, item: str, rows: list[dict[str, Any]], status: int = 200
) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            _xml(root, item, rows), content_type="text/xml; charset=utf-8", status=status
        )
    return JsonResponse(rows, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """The spec's error body: a list of {code, description}."""
    return _respond(fmt if fmt in FORMATS else "json", "errors", "error",
                    [{"code": status, "description": description}], status)  # fmt: skip


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent else category.name,
    }


def _request(signal: Signal) -> dict[str, Any]:
    status = Status(signal.status)
    return {
        "service_request_id": str(signal.reference),
        "status": OPEN311_STATUS[status],
        "status_notes": LABELS[status],
        "service_name": signal.category.name,
        "service_code": signal.category.code,
        "description": signal.description,
        "agency_responsible": signal.department.name if signal.department else "",
        "service_notice": signal.category.reporter_text,
        "requested_datetime": signal.reported_at.isoformat(),
        "updated_datetime": signal.updated_at.isoformat(),
        "expected_datetime": signal.deadline.isoformat() if signal.deadline else None,
        "address": signal.address,
        "address_id": None,
        "zipcode": None,
        "lat": signal.lat,
        "long": signal.lon,
        "media_url": None,
    }


SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-25T00:00:00Z"  # when the endpoints below last changed


@require_safe
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Service discovery (GeoReport v2): where the endpoint is and which formats it serves."""
    if fmt not in FORMATS:
        return error("json", 404, f"format {fmt!r} is not served; use json or xml")
    from django.conf import settings
    from django.urls import reverse

    base = request.build_absolute_uri(reverse("signals:open311-services", args=["json"]))
    url = base.rsplit("/", 1)[0] + "/"
    body: dict[str, Any] = {
        "changeset": CHANGESET,
        "contact": settings.DEFAULT_FROM_EMAIL,
        "key_service": "Een api_key vraagt u aan bij de functioneel beheerder van de gemeente.",
        "endpoints": [
            {
                "specification": SPEC,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    if fmt == "json":
        return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    top = ET.Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        ET.SubElement(top, key).text = str(body[key])
    endpoints = ET.SubElement(top, "endpoints")
    for entry in body["endpoints"]:
        element = ET.SubElement(endpoints, "endpoint")
        for key in ("specification", "url", "changeset", "type"):
            ET.SubElement(element, key).text = str(entry[key])
        formats = ET.SubElement(element, "formats")
        for name in entry["formats"]:
            ET.SubElement(formats, "format").text = name
    xml = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
    return HttpResponse(xml, content_type="text/xml; charset=utf-8")


@require_safe
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return error("json", 404, f"format {fmt!r} is not served; use json or xml")
    found = selectors.public_categories()
    jurisdiction = request.GET.get("jurisdiction_id", "")
    if jurisdiction:
        found = found.filter(municipality__code=jurisdiction)
    return _respond(fmt, "services", "service", [_service(c) for c in found])


@require_safe
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return error("json", 404, f"format {fmt!r} is not served; use json or xml")
    category = selectors.category(code, request.GET.get("jurisdiction_id", ""))
    if category is None:
        return error(fmt, 404, f"service_code {code!r} not found")
    body = {"service_code": category.code, "attributes": []}
    if fmt == "xml":
        tree = _xml("service_definitions", "service_definition", [body])
        return HttpResponse(tree, content_type="text/xml; charset=utf-8")
    return JsonResponse(body)


def _parse_time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise KompasError(
            gettext_noop("{name} {text!r} is not a W3C date and time"), name=name, text=value
        ) from exc
    return moment if moment.tzinfo else timezone.make_aware(moment)


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    found = Signal.objects.select_related("category", "department").order_by("-reported_at")
    q = request.GET
    if q.get("jurisdiction_id"):
        found = found.filter(municipality__code=q["jurisdiction_id"])
    if q.get("service_request_id"):
        ids = [i.strip() for i in q["service_request_id"].split(",") if i.strip()]
        wanted = [s for s in (selectors.signal_by_reference(i) for i in ids) if s is not None]
        return _respond(fmt, "service_requests", "request", [_request(s) for s in wanted])
    try:
        end = _parse_time(q["end_date"], "end_date") if q.get("end_date") else timezone.now()
        start = (_parse_time(q["start_date"], "start_date") if q.get("start_date")
                 else end - DEFAULT_WINDOW)  # fmt: skip
    except KompasError as exc:
        return error(fmt, 400, error_message(exc))
    if end - start > DEFAULT_WINDOW:
        return error(fmt, 400, "start_date and end_date may be at most 90 days apart")
    found = found.filter(reported_at__gte=start, reported_at__lte=end)
    if q.get("service_code"):
        found = found.filter(category__code__in=q["service_code"].split(","))
    if q.get("status"):
        states = set(q["status"].split(","))
        if not states <= {"open", "closed"}:
            return error(fmt, 400, "status must be open or closed")
        if states == {"open"}:
            found = found.exclude(status__in=[s.value for s in FINAL])
        elif states == {"closed"}:
            found = found.filter(status__in=[s.value for s in FINAL])
    try:
        page = int(q.get("page") or 1)
        size = int(q.get("page_size") or MAX_REQUESTS)
    except ValueError:
        return error(fmt, 400, "page and page_size must be whole numbers")
    if page < 1 or not 1 <= size <= MAX_REQUESTS:
        return error(fmt, 400, f"page must be 1 or more and page_size 1 to {MAX_REQUESTS}")
    offset = (page - 1) * size
    rows = [_request(s) for s in found.order_by("-reported_at", "-pk")[offset : offset + size]]
    return _respond(fmt, "service_requests", "request", rows)


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    key = data.get("api_key", "").strip()
    if not key:
        return error(fmt, 403, "api_key is required")
    found = user_for_token(key)
    if found is None:
        return error(fmt, 403, "api_key is unknown or revoked")
    user, token = found
    if not data.get("service_code"):
        return error(fmt, 400, "service_code is required")
    lat, lon = data.get("lat", ""), data.get("long", "")
    try:
        point = (float(lat), float(lon)) if lat and lon else (None, None)
    except ValueError:
        return error(fmt, 400, f"lat {lat!r} and long {lon!r} must be numbers")
    retry = request.headers.get("Idempotency-Key", "").strip()[:120]
    reporter = services.ReporterInput(
        name=" ".join(p for p in (data.get("first_name", ""), data.get("last_name", "")) if p),
        email=data.get("email", ""),
        phone=data.get("phone", ""),
    )
    given = services.SignalInput(
        category_code=data["service_code"],
        municipality_code=data.get("jurisdiction_id", ""),
        idempotency_key=f"open311:{token.pk}:{retry or uuid.uuid4().hex}",
        description=data.get("description", ""),
        lat=point[0],
        lon=point[1],
        address=data.get("address_string", ""),
        channel=Channel.OPEN311,
        reporter=reporter,
    )
    try:
        result = services.create_signal(given, by=user)
    except NotFound:
        return error(fmt, 400, f"service_code {data['service_code']!r} not found")
    except (UploadRefused, KompasError) as exc:
        return error(fmt, 400, error_message(exc))
    signal = result.signal
    body = {
        "service_request_id": str(signal.reference),
        "service_notice": signal.category.reporter_text,
        "account_id": None,
    }
    return _respond(fmt, "service_requests", "request", [body], 201 if result.created else 200)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return error("json", 404, f"format {fmt!r} is not served; use json or xml")
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


@require_safe
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return error("json", 404, f"format {fmt!r} is not served; use json or xml")
    signal = selectors.signal_by_reference(request_id)
    if signal is None:
        return error(fmt, 404, f"service_request_id {request_id!r} not found")
    return _respond(fmt, "service_requests", "request", [_request(signal)])
