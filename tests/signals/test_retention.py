"""Signals' personal data past retention: staff mark a photo as showing persons on the signal's
page; at the end of the retention period it goes with the reporter's contact details, file and
all, while other photos stay. And the queue opens on the staff member's own department."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from PIL import Image

from gebiedskompas.accounts.models import Organisation, OrganisationKind
from gebiedskompas.ops.retention import purge_personal_data, set_periods
from gebiedskompas.signals import services
from gebiedskompas.signals.models import Note, Reporter, Signal
from gebiedskompas.signals.retention import PHOTOS, REPORTERS
from tests.accounts.helpers import grant, user_with
from tests.signals.conftest import Place

pytestmark = [pytest.mark.web, pytest.mark.django_db]
AMS = ZoneInfo("Europe/Amsterdam")
CLOSED = datetime(2026, 3, 2, 12, tzinfo=AMS)


@pytest.fixture(autouse=True)
def _uploads(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="JPEG")
    return out.getvalue()


def _signal(place: Place, key: str, index: int = 0, **extra: Any) -> Signal:
    lat, lon = place.inside(index)
    return services.create_signal(
        services.SignalInput(
            "zwerfafval", key, description="Afval", lat=lat, lon=lon,
            reporter=services.ReporterInput("Piet", "piet@example.org"), **extra,
        )
    ).signal  # fmt: skip


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_mark_a_photo_as_showing_persons_and_it_goes_with_the_contact_data(
    place: Place, django_capture_on_commit_callbacks: Any
) -> None:
    handler = user_with("afdeling", place.town.gemeente, username="afd")
    persons = _signal(place, "persons", photo_name="a.jpg", photo_data=_jpeg())
    street = _signal(place, "street", photo_name="b.jpg", photo_data=_jpeg())
    client = _client(handler)
    page = client.get(f"/meldingen/{persons.reference}/").content.decode()
    assert "Toont de foto personen?" in page
    marked = client.post(f"/meldingen/{persons.reference}/foto/", {"shows_persons": "1"},
                         follow=True)  # fmt: skip
    assert "toont personen: wordt met de contactgegevens verwijderd" in marked.content.decode()
    assert Note.objects.filter(signal=persons, text="foto toont personen", by=handler).exists()
    assert client.post(f"/meldingen/{street.reference}/foto/", {}).status_code == 400
    # The photo is shown only to who may read the signal, and never cached.
    photo = client.get(f"/meldingen/{persons.reference}/foto/bekijken/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert photo["Cache-Control"] == "private, no-store"
    assert b"".join(photo.streaming_content)[:2] == b"\xff\xd8"
    assert Client().get(f"/meldingen/{persons.reference}/foto/bekijken/").status_code == 302
    outsider = _client(user_with("afdeling", place.town.buurten[3].parent, username="elders"))
    assert outsider.get(f"/meldingen/{persons.reference}/foto/bekijken/").status_code == 403
    persons_file = Path(Signal.objects.get(pk=persons.pk).photo.path)
    street_file = Path(street.photo.path)
    for signal in (persons, street):
        services.demo_status(signal, services.Status.CLOSED, CLOSED)
    set_periods("GM9999", {PHOTOS: 30, REPORTERS: 30})
    # Before the period ends, nothing goes.
    assert purge_personal_data(now=CLOSED + timedelta(days=29)).counts[PHOTOS] == 0
    dry = purge_personal_data(dry_run=True, now=CLOSED + timedelta(days=31))
    assert dry.counts[PHOTOS] == 1 and persons_file.exists()
    # The file goes once the purge's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        report = purge_personal_data(now=CLOSED + timedelta(days=31))
    assert (report.counts[PHOTOS], report.counts[REPORTERS]) == (1, 2)
    gone = Signal.objects.get(pk=persons.pk)
    assert not gone.photo and not gone.photo_shows_persons and not persons_file.exists()
    kept = Signal.objects.get(pk=street.pk)
    assert kept.photo and street_file.exists()
    assert not Reporter.objects.exists()
    page = client.get(f"/meldingen/{persons.reference}/").content.decode()
    assert "Foto bekijken" not in page and "niet gegeven of verwijderd" in page
    assert client.get(f"/meldingen/{persons.reference}/foto/bekijken/").status_code == 404


def test_an_open_signals_marked_photo_stays_and_only_handlers_may_mark(place: Place) -> None:
    signal = _signal(place, "open", photo_name="a.jpg", photo_data=_jpeg())
    handler = user_with("afdeling", place.town.gemeente, username="afd")
    services.mark_photo(signal, shows_persons=True, by=handler)
    set_periods("GM9999", {PHOTOS: 0})
    assert purge_personal_data(now=CLOSED + timedelta(days=3650)).counts[PHOTOS] == 0
    assert Signal.objects.get(pk=signal.pk).photo
    # Internal readers see the signal but may not mark its photo; elsewhere nobody may.
    reader = _client(user_with("analist", place.town.gemeente, username="analist"))
    assert reader.post(f"/meldingen/{signal.reference}/foto/", {"shows_persons": "0"}
                       ).status_code == 403  # fmt: skip
    other_wijk = place.town.buurten[3].parent
    outsider = _client(user_with("afdeling", other_wijk, username="elders"))
    assert outsider.post(f"/meldingen/{signal.reference}/foto/", {"shows_persons": "0"}
                         ).status_code == 403  # fmt: skip
    assert Signal.objects.get(pk=signal.pk).photo_shows_persons
    no_photo = _signal(place, "plain")
    refused = _client(handler).post(f"/meldingen/{no_photo.reference}/foto/",
                                    {"shows_persons": "1"})  # fmt: skip
    assert refused.status_code == 400 and "geen foto" in refused.content.decode()


def test_the_queue_opens_on_the_users_own_department_with_a_way_to_all(place: Place) -> None:
    groen = Organisation.objects.create(
        code="gm9999-groen", name="Groen", kind=OrganisationKind.DEPARTMENT,
        municipality=place.town.gemeente,
    )  # fmt: skip
    ours = _signal(place, "ours")  # routed to Reiniging, the category's department
    theirs = _signal(place, "theirs", index=1)
    services.assign(theirs, department=groen.pk, by=user_with("operator", None, username="op"))
    staff = get_user_model().objects.create_user("reiniger", password="een-lang-wachtwoord-42")
    grant(staff, "afdeling", place.town.gemeente, organisation=place.department)
    client = _client(staff)
    page = client.get("/meldingen/").content.decode()
    assert "U ziet de meldingen van uw afdeling Reiniging." in page
    assert str(ours.reference) in page and str(theirs.reference) not in page
    everything = client.get("/meldingen/?department=").content.decode()
    assert str(ours.reference) in everything and str(theirs.reference) in everything
    assert "U ziet de meldingen van uw afdeling" not in everything
    # Choosing a filter is the user's choice, also of another department.
    other = client.get(f"/meldingen/?department={groen.pk}").content.decode()
    assert str(theirs.reference) in other and str(ours.reference) not in other
    # Staff of no department see everything they may handle.
    loose = _client(user_with("afdeling", place.town.gemeente, username="los")).get("/meldingen/")
    body = loose.content.decode()
    assert str(ours.reference) in body and str(theirs.reference) in body
