"""Open311 GeoReport v2 responses checked against the spec's field lists, discovery, paging, the
errors in the spec's format; and the rest of the issue's bad input list."""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from gebiedskompas.accounts.services import issue_token
from gebiedskompas.signals import services
from gebiedskompas.signals.models import Signal
from tests.accounts.helpers import user_with
from tests.signals.conftest import Place

pytestmark = [pytest.mark.web, pytest.mark.django_db]
AMS = ZoneInfo("Europe/Amsterdam")
REQUESTS = "/open311/v2/requests.json"

# GeoReport v2 (wiki.open311.org/GeoReport_v2): the fields of each response, in full.
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords",
                  "group"}  # fmt: skip
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code",
                  "description", "agency_responsible", "service_notice", "requested_datetime",
                  "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                  "lat", "long", "media_url"}  # fmt: skip
CREATED_FIELDS = {"service_request_id", "service_notice", "account_id"}
ERROR_FIELDS = {"code", "description"}
DISCOVERY_FIELDS = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT_FIELDS = {"specification", "url", "changeset", "type", "formats"}


def _token(place: Place) -> str:
    user = user_with("afdeling", place.town.gemeente, username="partner-api")
    return issue_token(user, "test")


def _signals(place: Place, n: int) -> list[Signal]:
    lat, lon = place.inside()
    now = timezone.now()
    return [
        services.create_signal(
            services.SignalInput(
                "zwerfafval",
                f"s-{i}",
                f"melding {i}",
                lat=lat,
                lon=lon,
                reported_at=now - timedelta(hours=i),
            )
        ).signal  # fmt: skip
        for i in range(n)
    ]


def _error(response: object, status: int) -> str:
    assert response.status_code == status  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert len(body) == 1 and set(body[0]) == ERROR_FIELDS and body[0]["code"] == status
    return str(body[0]["description"])


def test_discovery_in_json_and_xml(place: Place) -> None:
    client = Client()
    body = client.get("/open311/v2/discovery.json").json()
    assert set(body) == DISCOVERY_FIELDS
    (endpoint,) = body["endpoints"]
    assert set(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert client.get(endpoint["url"] + "services.json").status_code == 200
    root = ET.fromstring(client.get("/open311/v2/discovery.xml").content)
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]
    assert client.get("/open311/v2/discovery.csv").status_code == 404


def test_every_response_has_exactly_the_spec_fields(place: Place) -> None:
    client = Client()
    (service,) = client.get("/open311/v2/services.json").json()
    assert set(service) == SERVICE_FIELDS
    lat, lon = place.inside()
    created = client.post(REQUESTS, {"api_key": _token(place), "service_code": "zwerfafval",
                                     "lat": lat, "long": lon, "description": "Glas",
                                     "email": "melder@example.org"})  # fmt: skip
    (made,) = created.json()
    assert set(made) == CREATED_FIELDS
    (listed,) = client.get(REQUESTS).json()
    assert set(listed) == REQUEST_FIELDS
    (one,) = client.get(f"/open311/v2/requests/{made['service_request_id']}.json").json()
    assert set(one) == REQUEST_FIELDS and one["status"] in ("open", "closed")
    assert "melder@example.org" not in created.content.decode() + str(listed) + str(one)
    xml = ET.fromstring(client.get("/open311/v2/requests.xml").content)
    assert xml.tag == "service_requests"
    assert {child.tag for child in xml.find("request")} == REQUEST_FIELDS  # type: ignore[union-attr]


def test_requests_are_paged_newest_first(place: Place) -> None:
    made = _signals(place, 5)
    client = Client()
    first = client.get(REQUESTS, {"page_size": 2}).json()
    second = client.get(REQUESTS, {"page_size": 2, "page": 2}).json()
    third = client.get(REQUESTS, {"page_size": 2, "page": 3}).json()
    ids = [r["service_request_id"] for r in first + second + third]
    assert ids == [str(s.reference) for s in made]
    assert client.get(REQUESTS, {"page_size": 2, "page": 4}).json() == []
    assert "page" in _error(client.get(REQUESTS, {"page": 0}), 400)
    assert "page_size" in _error(client.get(REQUESTS, {"page_size": 5000}), 400)
    assert "whole numbers" in _error(client.get(REQUESTS, {"page": "twee"}), 400)


def test_request_filters_and_their_errors(place: Place) -> None:
    made = _signals(place, 2)
    handler = user_with("afdeling", place.town.gemeente, username="afd")
    services.change_status(made[1], "closed", by=handler)
    client = Client()
    closed = client.get(REQUESTS, {"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [str(made[1].reference)]
    assert client.get(REQUESTS, {"service_code": "kuilen"}).json() == []
    old = (timezone.now() - timedelta(days=400)).isoformat()
    assert "90 days" in _error(client.get(REQUESTS, {"start_date": old}), 400)
    assert "W3C" in _error(client.get(REQUESTS, {"end_date": "gisteren"}), 400)
    assert "open or closed" in _error(client.get(REQUESTS, {"status": "half"}), 400)
    assert "not found" in _error(client.get("/open311/v2/requests/onbekend.json"), 404)


def test_post_errors_in_the_spec_format(place: Place) -> None:
    client = Client()
    key = _token(place)
    assert _error(client.post(REQUESTS, {"service_code": "zwerfafval"}), 403) == (
        "api_key is required"
    )
    assert "unknown or revoked" in _error(client.post(REQUESTS, {"api_key": "nep"}), 403)
    assert _error(client.post(REQUESTS, {"api_key": key}), 400) == "service_code is required"
    bad_point = {"api_key": key, "service_code": "zwerfafval", "lat": "noord", "long": "5"}
    assert "must be numbers" in _error(client.post(REQUESTS, bad_point), 400)
    lat, lon = place.inside()
    long_text = {"api_key": key, "service_code": "zwerfafval", "lat": lat, "long": lon,
                 "description": "x" * 4001}  # fmt: skip
    assert "ten hoogste 4000" in _error(client.post(REQUESTS, long_text), 400)
    no_place = {"api_key": key, "service_code": "zwerfafval", "description": "ergens"}
    assert "locatie" in _error(client.post(REQUESTS, no_place), 400)
    assert Signal.objects.count() == 0


def test_form_refuses_a_50_mb_photo_and_stores_nothing(place: Place) -> None:
    lat, lon = place.inside()
    photo = SimpleUploadedFile("groot.jpg", b"\xff\xd8" + b"0" * (50 * 1024 * 1024),
                               content_type="image/jpeg")  # fmt: skip
    response = Client().post("/meldingen/nieuw/", {
        "category": "GM9999/zwerfafval", "description": "Foto erbij", "lat": lat, "lon": lon,
        "token": "groot", "photo": photo})  # fmt: skip
    assert response.status_code == 200
    assert "10" in response.content.decode() and "MB" in response.content.decode()
    assert Signal.objects.count() == 0


def test_split_and_merge_refuse_bad_input_and_change_nothing(place: Place) -> None:
    (signal,) = _signals(place, 1)
    handler = user_with("afdeling", place.town.gemeente, username="afd")
    with pytest.raises(services.KompasError, match="ten minste twee"):
        services.split(signal, [services.Part(place.department.pk, "x")], by=handler)
    with pytest.raises(services.NotFound, match="deel 2: onbekende afdeling"):
        services.split(signal, [services.Part(place.department.pk, "a"), services.Part(999, "b")],
                       by=handler)  # fmt: skip
    assert Signal.objects.count() == 1
    with pytest.raises(services.KompasError, match="met zichzelf"):
        services.merge(signal, signal, by=handler)
    signal.refresh_from_db()
    assert signal.status == "reported"
    assert datetime.now(tz=AMS) > signal.reported_at
