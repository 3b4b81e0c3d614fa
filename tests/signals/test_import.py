from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gebiedskompas.core.errors import InputError
from gebiedskompas.signals.importers import import_signals
from gebiedskompas.signals.models import Category, Signal

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

HEADER = (
    "id,created_at,category,category_slug,subcategory,subcategory_slug,lat,lng,wijk,address,"
    "first_seen_open,last_seen_open,status_on_last_scrape,resolved_date,days_open\n"
)
GOOD = ("a1,2025-04-30T11:56:09+00:00,Afval,afval,Dumping,dumping,52.99,6.57,Assen-Oost,"
        "Adelaarsweg 4,2026-05-18,2026-05-19,resolved,2026-05-20,384.0\n")  # fmt: skip


def test_malformed_signalen_rows_are_all_reported_and_nothing_is_written(tmp_path: Path) -> None:
    bad = GOOD.replace("a1,", "a2,").replace("52.99", "noord") + GOOD.replace("a1,", "a3,").replace(
        "resolved,", "kwijt,"
    )
    path = tmp_path / "meldingen.csv"
    path.write_text(HEADER + GOOD + bad, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_signals(path, fmt="signalen", municipality="GM0106")
    text = str(caught.value)
    assert "meldingen.csv, row 3, column lat: 'noord' is not a number" in text
    assert "row 4, column status_on_last_scrape: 'kwijt' is not open or resolved" in text
    assert Signal.objects.count() == 0


def test_reimport_is_idempotent_and_a_resolved_row_closes_an_open_signal(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(HEADER + GOOD.replace("resolved,2026-05-20", "open,"), encoding="utf-8")
    first = import_signals(path, fmt="signalen", municipality="GM0106", municipality_name="Assen")
    assert (first.new, first.municipality_created) == (1, True)
    path.write_text(HEADER + GOOD, encoding="utf-8")
    second = import_signals(path, fmt="signalen", municipality="GM0106")
    assert (second.new, second.updated, second.unchanged) == (0, 1, 0)
    assert Signal.objects.get().status == "closed"
    third = import_signals(path, fmt="signalen", municipality="GM0106")
    assert (third.new, third.unchanged) == (0, 1)


def test_imported_signals_get_their_reported_and_closed_history(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    import_signals(path, fmt="signalen", municipality="GM0106", municipality_name="Assen")
    signal = Signal.objects.get()
    history = list(signal.history.values_list("from_status", "to_status", "note", "at", "by"))
    amsterdam = ZoneInfo("Europe/Amsterdam")
    assert history == [
        ("", "reported", "ingelezen uit signalen", datetime(2025, 4, 30, 11, 56, 9, tzinfo=UTC),
         None),
        ("reported", "closed", "afgehandeld volgens de Signalen-export (datum: eerste dag niet "
         "meer open gezien)", datetime(2026, 5, 20, tzinfo=amsterdam), None),
    ]  # fmt: skip


@pytest.mark.realdata
def test_assen_signalen_export_imports_every_row(shared_data: Path) -> None:
    folder = shared_data / "meldingen"
    summary = import_signals(
        folder / "assen_signalen_meldingen_2026.csv", fmt="signalen", municipality="GM0106",
        municipality_name="Assen", categories=folder / "assen_signalen_categories.json",
    )  # fmt: skip
    assert summary.new == 3024
    assert Signal.objects.filter(status="closed").count() == 2741
    assert Signal.objects.filter(status="reported").count() == 283
    # 58 sub categories from the JSON, under their main categories
    assert Category.objects.filter(parent__isnull=False).count() >= 58
    afvalbak = Category.objects.get(code="afvalbak")
    assert (afvalbak.handling_days, afvalbak.handling_day_kind) == (1, "working")
    again = import_signals(folder / "assen_signalen_meldingen_2026.csv", fmt="signalen",
                           municipality="GM0106")  # fmt: skip
    assert (again.new, again.unchanged) == (0, 3024)


@pytest.mark.realdata
def test_katwijk_fixi_export_imports_every_row(shared_data: Path) -> None:
    path = shared_data / "meldingen" / "katwijk_fixi_meldingen_metadata_2019_2025.csv.gz"
    summary = import_signals(path, fmt="fixi", municipality="GM0537", municipality_name="Katwijk")
    assert summary.new == 82537
    assert summary.categories_created == 11
    assert summary.departments_created == 30
    assert Signal.objects.filter(channel="phone").count() == 13540
