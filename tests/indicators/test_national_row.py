"""A national KWB table starts with the Netherlands (NL00, SoortRegio "Land"): it imports as a
reference area of its own, the wijkfoto compares with it, and only installation-wide rights set
its figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from gebiedskompas.areas.models import Area, Level
from gebiedskompas.core.errors import PermissionDenied
from gebiedskompas.indicators.models import Observation
from gebiedskompas.indicators.services import import_cbs
from tests.accounts.helpers import user_with
from tests.indicators.cbs_files import ROWS, write_cbs

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NATIONAL = ["0", "Nederland", "Nederland", "Land", "NL00", "1", "17942942", "8900000",
            "9042942", "339"]  # fmt: skip


def test_the_netherlands_row_imports_as_a_reference_area_outside_every_municipality(
    tmp_path: Path,
) -> None:
    summary = import_cbs(write_cbs(tmp_path / "kwb.csv", [NATIONAL, *ROWS]), year=2024)
    country = Area.objects.get(code="NL00")
    assert (country.level, country.name, country.parent, country.municipality) == (
        Level.LAND, "Nederland", None, None,
    )  # fmt: skip
    assert Observation.objects.get(area=country, indicator__key="inwoners").value == 17942942
    # The gemeente is still the root of its own tree.
    assert Area.objects.get(code="GM9998").parent is None
    assert summary.areas_created == 7


def test_the_wijkfoto_compares_with_the_netherlands_when_it_is_loaded(
    tmp_path: Path, client: Client
) -> None:
    import_cbs(write_cbs(tmp_path / "kwb.csv", ROWS), year=2024)
    without = client.get("/gebieden/WK999801/").content.decode()
    assert ">Nederland</th>" not in without
    import_cbs(write_cbs(tmp_path / "kwb-nl.csv", [NATIONAL, *ROWS]), year=2024)
    html = client.get("/gebieden/WK999801/").content.decode()
    assert ">Nederland</th>" in html
    assert client.get("/gebieden/NL00/").status_code == 200
    row = html.split('id="indicator-woz_waarde"', 1)[1].split("</tr>", 1)[0]
    assert "339" in row  # the national WOZ value beside the wijk's 240
    csv = client.get("/gebieden/WK999801/?format=csv").content.decode()
    header = next(line for line in csv.splitlines() if "Indicator" in line)
    assert "Nederland" in header


def test_a_municipal_importer_may_not_set_the_national_figures(tmp_path: Path) -> None:
    import_cbs(write_cbs(tmp_path / "kwb.csv", ROWS), year=2024)
    importer = user_with("beheerder", Area.objects.get(code="GM9998"))
    with pytest.raises(PermissionDenied, match="NL00"):
        import_cbs(write_cbs(tmp_path / "kwb-nl.csv", [NATIONAL, *ROWS]), year=2024, user=importer)
    assert not Area.objects.filter(code="NL00").exists()
