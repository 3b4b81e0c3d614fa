"""Documents on a gebiedsagenda: the decision attached on the adoption step and other
attachments, listed on the agenda page, downloadable by those who may see the agenda, checked
by type, content and size before anything is stored, and in the backup."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gebiedskompas.cycle import services
from gebiedskompas.cycle.models import AgendaDocument, AreaAgenda
from tests.accounts.helpers import user_with
from tests.cycle.conftest import World

pytestmark = [pytest.mark.web, pytest.mark.django_db]

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "uploads")


def _client(user: object | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _agenda(world: World) -> AreaAgenda:
    agenda = services.create_agenda("SD999901", title="Samen Noord", start_year=2026,
                                    end_year=2029, by=world.manager)  # fmt: skip
    services.change_agenda_status(agenda.pk, "proposed", by=world.manager)
    return agenda


def _docx(with_types: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        if with_types:
            package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_decision_attached_on_adoption_is_listed_and_public(world: World) -> None:
    agenda = _agenda(world)
    manager = _client(world.manager)
    page = manager.get("/gebieden/SD999901/agenda/").content.decode()
    assert "Besluitdocument bij de vaststelling" in page
    response = manager.post(f"/gebieden/SD999901/agenda/{agenda.pk}/status", {
        "status": "adopted", "decision_reference": "Raadsbesluit 2026/12",
        "document": SimpleUploadedFile("Raadsbesluit.pdf", PDF, "application/pdf"),
    }, follow=True)  # fmt: skip
    html = response.content.decode()
    assert "Status van de agenda gewijzigd" in html
    document = AgendaDocument.objects.get()
    assert document.kind == "decision" and document.status_change is not None
    assert document.status_change.to_status == "adopted"
    assert "Raadsbesluit 2026/12" in html and "bij de stap naar vastgesteld" in html
    url = f"/gebieden/SD999901/agenda/{agenda.pk}/documenten/{document.pk}"
    assert url in html
    # Adopted: anyone may download it, as the file uploaded, under its own name.
    download = Client().get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert 'filename="Raadsbesluit.pdf"' in download["Content-Disposition"]
    assert url in Client().get("/gebieden/SD999901/agenda/").content.decode()


def test_a_concepts_documents_are_for_its_internal_readers_only(world: World) -> None:
    agenda = _agenda(world)
    document = services.attach_agenda_document(
        agenda.pk, name="concept.docx", data=_docx(), title="Concepttekst", by=world.manager
    )
    assert document.content_type.endswith("wordprocessingml.document")
    url = f"/gebieden/SD999901/agenda/{agenda.pk}/documenten/{document.pk}"
    assert _client(world.manager).get(url).status_code == 200
    assert _client(world.department).get(url).status_code == 200  # view_internal
    assert Client().get(url).status_code == 302  # to sign in
    assert _client(user_with("partner", "GM9999")).get(url).status_code == 403
    assert _client(world.outsider).get(url).status_code == 403
    # Another agenda's number in the path does not open it.
    other = services.create_agenda("WK999901", title="Wijk", start_year=2026, end_year=2029,
                                   by=world.manager)  # fmt: skip
    assert (
        _client(world.manager)
        .get(f"/gebieden/WK999901/agenda/{other.pk}/documenten/{document.pk}")
        .status_code
        == 404
    )
    # Only plan editors attach.
    upload = {"document": SimpleUploadedFile("b.pdf", PDF), "kind": "attachment"}
    assert (
        _client(world.department)
        .post(f"/gebieden/SD999901/agenda/{agenda.pk}/documenten/", upload)
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("besluit.pdf", b"<html>no pdf</html>", "is geen PDF"),
        ("besluit.exe", b"MZ\x90\x00", "wordt niet aangenomen"),
        ("besluit.docx", b"PK\x03\x04 broken", "geen .docx-document"),
        ("besluit.docx", None, "geen .docx-document"),  # a zip, but no office package
        ("besluit.pdf", b"", "het bestand is leeg"),
    ],
    ids=["html named pdf", "program", "broken zip", "zip without content types", "empty"],
)
def test_a_refused_file_changes_nothing(
    world: World, name: str, data: bytes | None, message: str
) -> None:
    agenda = _agenda(world)
    manager = _client(world.manager)
    content = _docx(with_types=False) if data is None else data
    response = manager.post(f"/gebieden/SD999901/agenda/{agenda.pk}/status", {
        "status": "adopted", "document": SimpleUploadedFile(name, content),
    }, follow=True)  # fmt: skip
    assert message in response.content.decode()
    agenda.refresh_from_db()
    assert agenda.status == "proposed" and agenda.adopted_on is None  # not adopted
    response = manager.post(f"/gebieden/SD999901/agenda/{agenda.pk}/documenten/", {
        "document": SimpleUploadedFile(name, content),
    }, follow=True)  # fmt: skip
    assert message in response.content.decode()
    assert not AgendaDocument.objects.exists()


def test_a_document_above_the_size_limit_is_refused(world: World, settings: Any) -> None:
    settings.KOMPAS_DOCUMENT_MAX_MB = 1
    agenda = _agenda(world)
    big = PDF + b"0" * (1024 * 1024)
    response = _client(world.manager).post(
        f"/gebieden/SD999901/agenda/{agenda.pk}/documenten/",
        {"document": SimpleUploadedFile("groot.pdf", big)}, follow=True,
    )  # fmt: skip
    assert "groot.pdf is groter dan 1 MB" in response.content.decode()
    with pytest.raises(services.KompasError, match="ten hoogste"):
        services.attach_agenda_document(agenda.pk, name="groot.pdf", data=big, by=world.manager)
    assert not AgendaDocument.objects.exists()


def test_documents_are_in_the_backup(world: World, tmp_path: Path) -> None:
    from gebiedskompas.ops.backup import create_backup, read_manifest

    agenda = _agenda(world)
    document = services.attach_agenda_document(agenda.pk, name="besluit.pdf", data=PDF,
                                               by=world.manager)  # fmt: skip
    archive = create_backup(tmp_path / "backup.tar.gz", method="dumpdata").path
    assert f"uploads/{document.file.name}" in read_manifest(archive)["sha256"]
