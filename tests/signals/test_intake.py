from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from gebiedskompas.accounts.services import issue_token
from gebiedskompas.signals.models import Reporter, Signal
from tests.accounts.helpers import user_with
from tests.signals.conftest import Place

pytestmark = [pytest.mark.web, pytest.mark.django_db]
FORM = "/meldingen/nieuw/"
REQUESTS = "/open311/v2/requests.json"


def _form(place: Place, **extra: object) -> dict[str, object]:
    lat, lon = place.inside()
    return {"category": "GM9999/zwerfafval", "description": "Glas op het fietspad",
            "lat": lat, "lon": lon, "token": "abc123", **extra}  # fmt: skip


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (52.0, 1.0, 2.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_form_stores_a_signal_and_double_submit_stores_one(place: Place) -> None:
    client = Client()
    first = client.post(FORM, _form(place))
    again = client.post(FORM, _form(place))
    assert first.status_code == 200 and "uw melding is ontvangen" in first.content.decode()
    assert "binnen 3 werkdagen" in first.content.decode()
    assert again.status_code == 200
    assert Signal.objects.count() == 1


def test_form_refuses_a_photo_that_is_not_an_image(place: Place) -> None:
    fake = SimpleUploadedFile("foto.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = Client().post(FORM, _form(place, photo=fake))
    assert response.status_code == 200
    html = response.content.decode()
    expected = "foto.jpg: de inhoud is geen afbeelding (JPEG, PNG of WebP) maar een PDF-document"
    assert expected in html
    assert Signal.objects.count() == 0


def test_form_refuses_a_script_renamed_to_jpg(place: Place) -> None:
    fake = SimpleUploadedFile(
        "foto.jpg", b"<script>alert(document.cookie)</script>", content_type="image/jpeg"
    )
    response = Client().post(FORM, _form(place, photo=fake))
    assert "foto.jpg: de inhoud is geen afbeelding (JPEG, PNG of WebP) maar HTML of script" in (
        response.content.decode()
    )
    assert Signal.objects.count() == 0


def test_form_refuses_a_photo_of_the_wrong_type(place: Place) -> None:
    fake = SimpleUploadedFile("foto.exe", b"MZ", content_type="application/octet-stream")
    response = Client().post(FORM, _form(place, photo=fake))
    assert "foto.exe: bestandstype .exe wordt niet aangenomen" in response.content.decode()


def test_form_strips_gps_exif_from_the_photo(place: Place) -> None:
    photo = SimpleUploadedFile("foto.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    Client().post(FORM, _form(place, photo=photo))
    stored = Signal.objects.get().photo
    with Image.open(stored.open("rb")) as image:
        assert not image.getexif()


def test_form_point_outside_the_municipality_shows_the_message(place: Place) -> None:
    response = Client().post(FORM, _form(place, lat=53.5, lon=6.5))
    assert "ligt buiten" in response.content.decode()
    assert Signal.objects.count() == 0


def test_form_contact_details_need_consent_and_go_to_the_reporter_table(place: Place) -> None:
    refused = Client().post(FORM, _form(place, email="a@example.org"))
    assert "Zonder toestemming" in refused.content.decode()
    Client().post(FORM, _form(place, email="a@example.org", consent="on", token="t2"))
    assert Reporter.objects.get().email == "a@example.org"


def test_a_postal_address_to_write_to_is_contact_data_too(place: Place) -> None:
    refused = Client().post(FORM, _form(place, contact_address="Dorpsstraat 1, Proefstad"))
    assert "Zonder toestemming" in refused.content.decode()
    assert Signal.objects.count() == 0
    Client().post(FORM, _form(place, contact_address="Dorpsstraat 1, Proefstad", consent="on"))
    reporter = Reporter.objects.get()
    assert reporter.address == "Dorpsstraat 1, Proefstad" and not reporter.email
    # The reporter's address is kept apart from the signal, whose own address is the place.
    assert "Dorpsstraat" not in (reporter.signal.address or "")


def _token(place: Place) -> str:
    return issue_token(user_with("partner", place.town.gemeente, username="corporatie"), "test")


def test_open311_post_creates_and_retry_with_the_same_key_returns_it(place: Place) -> None:
    key = _token(place)
    lat, lon = place.inside()
    data = {"api_key": key, "service_code": "zwerfafval", "lat": lat, "long": lon,
            "description": "Afval", "email": "x@example.org"}  # fmt: skip
    client = Client()
    first = client.post(REQUESTS, data, HTTP_IDEMPOTENCY_KEY="r-1")
    second = client.post(REQUESTS, data, HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()[0]["service_request_id"] == second.json()[0]["service_request_id"]
    assert Signal.objects.get().channel == "open311"
    reference = first.json()[0]["service_request_id"]
    one = client.get(f"/open311/v2/requests/{reference}.json").json()[0]
    assert one["status"] == "open" and one["status_notes"] == "gemeld"
    assert "x@example.org" not in json.dumps(one)
    listed = client.get(REQUESTS, {"status": "open"}).json()
    assert [r["service_request_id"] for r in listed] == [reference]


def test_open311_missing_api_key_answers_in_the_spec_error_format(place: Place) -> None:
    response = Client().post(REQUESTS, {"service_code": "zwerfafval", "lat": 52, "long": 5})
    assert response.status_code == 403
    assert response.json() == [{"code": 403, "description": "api_key is required"}]


def test_open311_unknown_service_code(place: Place) -> None:
    response = Client().post(REQUESTS, {"api_key": _token(place), "service_code": "kuilen",
                                        "lat": 52.0, "long": 5.0})  # fmt: skip
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "service_code 'kuilen' not found"}]


def test_open311_point_outside_the_municipality(place: Place) -> None:
    response = Client().post(REQUESTS, {"api_key": _token(place), "service_code": "zwerfafval",
                                        "lat": 53.5, "long": 6.5})  # fmt: skip
    assert response.status_code == 400
    assert "ligt buiten" in response.json()[0]["description"]


def test_open311_services_in_json_and_xml(place: Place) -> None:
    client = Client()
    services = client.get("/open311/v2/services.json").json()
    assert services == [{"service_code": "zwerfafval", "service_name": "Zwerfafval",
                         "description": "", "metadata": False, "type": "realtime",
                         "keywords": "", "group": "Afval"}]  # fmt: skip
    xml = client.get("/open311/v2/services.xml")
    assert xml["Content-Type"].startswith("text/xml")
    assert b"<service_code>zwerfafval</service_code>" in xml.content
    assert client.get("/open311/v2/services/zwerfafval.json").json()["attributes"] == []
    missing = client.get("/open311/v2/services/kuilen.json")
    assert missing.status_code == 404
    assert missing.json()[0]["description"] == "service_code 'kuilen' not found"
