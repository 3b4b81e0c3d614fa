from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gebiedskompas.indicators.models import Observation
from tests.indicators.cbs_files import HEADER, ROWS

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def cbs_bytes(rows: list[list[str]]) -> bytes:
    return ("\n".join([",".join(HEADER)] + [",".join(r) for r in rows]) + "\n").encode()


@pytest.fixture
def staff() -> Client:
    """An analist for the whole installation (imports may create new municipalities)."""
    from gebiedskompas.accounts.models import Role, RoleAssignment

    user = User.objects.create_user("medewerker", password="een-lang-wachtwoord")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="operator"))
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_users_cannot_reach_the_upload_page(client: Client) -> None:
    response = client.get("/beheer/inlezen/")
    assert response.status_code == 302 and "/inloggen/" in response["Location"]


def test_an_importer_of_one_municipality_cannot_import_into_another(client: Client) -> None:
    from gebiedskompas.accounts.models import Role, RoleAssignment
    from gebiedskompas.areas.models import Area

    other = Area.objects.create(code="GM9998", name="Testgemeente", level="gemeente")
    mine = Area.objects.create(code="GM9997", name="Eigen gemeente", level="gemeente")
    del other
    user = User.objects.create_user("analist", password="een-lang-wachtwoord")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="analist"), area=mine)
    client.force_login(user)
    upload = SimpleUploadedFile("kwb.csv", cbs_bytes(ROWS), content_type="text/csv")
    response = client.post("/beheer/inlezen/", {"kind": "cbs", "file": upload, "year": 2024})
    assert "u mag geen cijfers inlezen voor GM9998" in response.content.decode()
    assert Observation.objects.count() == 0


def test_staff_upload_imports_through_the_same_pipeline(staff: Client) -> None:
    upload = SimpleUploadedFile("kwb.csv", cbs_bytes(ROWS), content_type="text/csv")
    response = staff.post("/beheer/inlezen/", {"kind": "cbs", "file": upload, "year": 2024})
    html = response.content.decode()
    assert "kwb.csv: 24 nieuw, 0 gewijzigd, 0 ongewijzigd." in html
    assert Observation.objects.get(area__code="GM9998", indicator__key="inwoners").value == 1000
    assert Observation.objects.filter(batch__created_by__username="medewerker").count() == 24


def test_a_bad_upload_shows_where_and_writes_nothing(staff: Client) -> None:
    rows = [r.copy() for r in ROWS]
    rows[2][6] = "twaalf"
    upload = SimpleUploadedFile("kwb.csv", cbs_bytes(rows), content_type="text/csv")
    response = staff.post("/beheer/inlezen/", {"kind": "cbs", "file": upload, "year": 2024})
    html = response.content.decode()
    assert "kwb.csv, rij 4, kolom AantalInwoners_5: &quot;twaalf&quot; is geen getal" in html
    assert "Niets ingelezen" in html
    assert Observation.objects.count() == 0


def test_upload_refuses_other_file_types(staff: Client) -> None:
    upload = SimpleUploadedFile("kaart.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = staff.post("/beheer/inlezen/", {"kind": "cbs", "file": upload, "year": 2024})
    html = response.content.decode()
    expected = "kaart.pdf: bestandstype .pdf wordt niet aangenomen; verwacht .csv, .gz, .txt, .xlsx"
    assert expected in html
    assert Observation.objects.count() == 0


def test_upload_refuses_an_image_renamed_to_csv(staff: Client) -> None:
    from tests.core.test_uploads import png

    upload = SimpleUploadedFile("kwb.csv", png(), content_type="text/csv")
    response = staff.post("/beheer/inlezen/", {"kind": "cbs", "file": upload, "year": 2024})
    assert "kwb.csv: de inhoud is geen tekst (CSV) maar een PNG-afbeelding" in (
        response.content.decode()
    )
    assert Observation.objects.count() == 0


def test_upload_refuses_a_file_over_the_size_limit(staff: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MAX_TABLE_BYTES = 100
    upload = SimpleUploadedFile("kwb.csv", cbs_bytes(ROWS), content_type="text/csv")
    response = staff.post("/beheer/inlezen/", {"kind": "cbs", "file": upload, "year": 2024})
    assert "kwb.csv: het bestand is" in response.content.decode()
    assert "ten hoogste 100 bytes toegestaan" in response.content.decode()
    assert Observation.objects.count() == 0


def test_cbs_metadata_must_be_json(staff: Client) -> None:
    upload = SimpleUploadedFile("kwb.csv", cbs_bytes(ROWS), content_type="text/csv")
    meta = SimpleUploadedFile("DataProperties.json", b"<html>", content_type="application/json")
    response = staff.post(
        "/beheer/inlezen/", {"kind": "cbs", "file": upload, "metadata": meta, "year": 2024}
    )
    assert "DataProperties.json: de inhoud is geen geldige JSON maar HTML of script" in (
        response.content.decode()
    )
    assert Observation.objects.count() == 0


def test_own_figures_need_an_area_column_and_period(staff: Client) -> None:
    upload = SimpleUploadedFile("eigen.csv", b"code,x\nBU1,1\n", content_type="text/csv")
    response = staff.post("/beheer/inlezen/", {"kind": "csv", "file": upload})
    html = response.content.decode()
    assert "Geef de kolom met gebiedscodes." in html and "Geef de periode van de cijfers." in html
