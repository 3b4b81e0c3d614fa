"""Error messages speak the visitor's language: the upload page in the language chosen with the
switch, the API in the language the client asks for (ADR 0009)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from gebiedskompas.core.errors import InputError, KompasError, Problem, gettext_noop
from gebiedskompas.i18n import error_message, error_text
from gebiedskompas.indicators.models import Observation
from tests.accounts.conftest import World, build_world
from tests.indicators.cbs_files import ROWS
from tests.indicators.test_upload_view import cbs_bytes, staff

pytestmark = [pytest.mark.web, pytest.mark.django_db]

__all__ = ["staff"]  # the fixture, imported for use here


@pytest.fixture
def world(db: None) -> World:
    from django.core.cache import cache

    cache.clear()  # the API's throttle counts live in the cache
    return build_world()


def _in_english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _bad_figures() -> SimpleUploadedFile:
    rows = [r.copy() for r in ROWS]
    rows[2][6] = "twaalf"
    return SimpleUploadedFile("kwb.csv", cbs_bytes(rows), content_type="text/csv")


def test_a_bad_value_in_an_upload_is_reported_in_dutch_on_the_dutch_page(staff: Client) -> None:
    response = staff.post("/beheer/inlezen/", {"kind": "cbs", "file": _bad_figures(), "year": 2024})
    html = response.content.decode()
    assert "kwb.csv, rij 4, kolom AantalInwoners_5: &quot;twaalf&quot; is geen getal" in html
    assert "is not a number" not in html
    assert Observation.objects.count() == 0


def test_a_bad_value_in_an_upload_is_reported_in_english_on_the_english_page(
    staff: Client,
) -> None:
    response = _in_english(staff).post(
        "/beheer/inlezen/", {"kind": "cbs", "file": _bad_figures(), "year": 2024}
    )
    html = response.content.decode()
    assert "kwb.csv, row 4, column AantalInwoners_5: &quot;twaalf&quot; is not a number" in html
    assert Observation.objects.count() == 0


def test_a_refused_upload_is_explained_in_english_on_the_english_page(staff: Client) -> None:
    from tests.core.test_uploads import png

    upload = SimpleUploadedFile("kwb.csv", png(), content_type="text/csv")
    response = _in_english(staff).post(
        "/beheer/inlezen/", {"kind": "cbs", "file": upload, "year": 2024}
    )
    html = response.content.decode()
    assert "kwb.csv: the content is not text (CSV) but a PNG image; the file was not read" in html
    assert "de inhoud is geen" not in html


def test_a_refused_file_type_is_explained_in_english_on_the_english_page(staff: Client) -> None:
    upload = SimpleUploadedFile("kaart.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = _in_english(staff).post(
        "/beheer/inlezen/", {"kind": "cbs", "file": upload, "year": 2024}
    )
    expected = "kaart.pdf: file type .pdf is not accepted; expected .csv, .gz, .txt, .xlsx"
    assert expected in response.content.decode()


def test_the_api_detail_follows_accept_language(world: World) -> None:
    dutch = Client().get("/api/v1/waarnemingen", {"indicator": "bestaat_niet"})
    english = Client().get(
        "/api/v1/waarnemingen", {"indicator": "bestaat_niet"}, HTTP_ACCEPT_LANGUAGE="en-GB,en"
    )
    assert dutch.status_code == english.status_code == 404
    assert english["Content-Type"] == "application/problem+json"
    assert dutch.json()["detail"] == "onbekende indicator bestaat_niet"
    assert english.json()["detail"] == "unknown indicator bestaat_niet"
    assert (dutch.json()["title"], english.json()["title"]) == ("Niet gevonden", "Not found")
    assert english["Content-Language"] == "en"
    assert "Accept-Language" in english["Vary"]  # a shared cache keeps the languages apart


def test_an_api_message_written_in_dutch_is_english_for_an_english_client(world: World) -> None:
    response = Client().get("/api/v1/gebieden/XX0000", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "Unknown area: XX0000"


def test_the_pages_still_ignore_the_browsers_accept_language(world: World) -> None:
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "nl"


def test_a_workflow_refusal_from_the_domain_is_rendered_in_english() -> None:
    from gebiedskompas.signals.domain.workflow import Status, TransitionRefused, check_transition
    from gebiedskompas.signals.services import TransitionRefused as Refused

    with pytest.raises(TransitionRefused) as caught:
        check_transition(Status.CLOSED, Status.REPORTED)
    error = Refused(caught.value.template, column="status", **caught.value.params)
    with translation.override("en"):
        english = error_message(error)
    with translation.override("nl"):
        dutch = error_message(error)
    assert dutch == error.message and "kan niet naar" in dutch
    assert english.startswith("status ") and "cannot move to" in english


def test_parameters_are_never_translated_but_marked_words_are() -> None:
    error = KompasError(
        gettext_noop("{name}: de inhoud is geen {expected}; het bestand is niet ingelezen"),
        name="geen.csv",
        expected=gettext_noop("tekst (CSV)"),
    )
    with translation.override("en"):
        assert error_text(error) == "geen.csv: the content is not text (CSV); the file was not read"


def test_many_problems_end_with_a_translated_count() -> None:
    template = gettext_noop('"{text}" is not a number')
    problems = [Problem(template, "a.csv", r, "x", text="?") for r in range(2, 25)]
    error = InputError(problems)
    with translation.override("nl"):
        text = error_text(error)
    assert text.startswith('a.csv, rij 2, kolom x: "?" is geen getal; ')
    assert text.endswith("; en nog 3 problemen")
    with translation.override("en"):
        assert error_text(error).endswith("; and 3 more problems")


def test_a_translation_naming_an_unknown_field_shows_the_source_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gebiedskompas.i18n

    error = KompasError(gettext_noop("unknown area {code}"), code="BU1")
    monkeypatch.setattr(gebiedskompas.i18n, "gettext", lambda text: "onbekend gebied {kode}")
    assert error_message(error) == "unknown area BU1"
