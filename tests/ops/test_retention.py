"""Retention per municipality: each municipality's beheerder sets its own periods (page or
command), `kompas purge` and the worker's job use them, and every run is logged without the
personal data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from gebiedskompas.areas.models import Level
from gebiedskompas.cli import main
from gebiedskompas.core.errors import KompasError, PermissionDenied
from gebiedskompas.ops import tasks
from gebiedskompas.ops.models import PurgeRun, RetentionPolicy
from gebiedskompas.ops.retention import periods_of, purge_personal_data, set_periods
from gebiedskompas.ops.worker import KompasWorker
from gebiedskompas.signals import services
from gebiedskompas.signals.models import Category, Reporter
from gebiedskompas.signals.retention import PHOTOS, REPORTERS
from tests.accounts.helpers import user_with
from tests.signals.conftest import Place, build_place
from tests.web.factories import AreaFactory

pytestmark = [pytest.mark.integration]
AMS = ZoneInfo("Europe/Amsterdam")
CLOSED = datetime(2026, 3, 2, 12, tzinfo=AMS)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _closed_signal(place: Place, key: str, *, municipality: str = "GM9999") -> Any:
    """A closed signal with a reporter in `municipality` (GM9999's buurt, or a town without
    boundaries given by address)."""
    if municipality == "GM9999":
        lat, lon = place.inside()
        where: dict[str, Any] = {"lat": lat, "lon": lon}
    else:
        where = {"address": "Kerkstraat 1"}
    signal = services.create_signal(
        services.SignalInput(
            "zwerfafval", key, description="Afval", municipality_code=municipality,
            reporter=services.ReporterInput("Piet Jansen", "piet@example.org", "0612345678"),
            **where,
        )
    ).signal  # fmt: skip
    services.demo_status(signal, services.Status.CLOSED, CLOSED)
    return signal


@pytest.fixture
def two(db: None) -> Place:
    """GM9999 (the signals test town) and GM8888, each with a signal closed on CLOSED."""
    place = build_place()
    other = AreaFactory(code="GM8888", name="Gemeente Elders", level=Level.GEMEENTE)
    other.municipality = other
    other.save()
    Category.objects.create(municipality=other, code="zwerfafval", name="Zwerfafval")
    _closed_signal(place, "here")
    _closed_signal(place, "there", municipality="GM8888")
    return place


def test_each_municipality_keeps_reporters_for_its_own_period(two: Place) -> None:
    set_periods("GM9999", {REPORTERS: 30})
    after_40_days = CLOSED + timedelta(days=40)
    dry = purge_personal_data(dry_run=True, now=after_40_days)
    assert "GM9999 signals.reporters (30 days): would remove 1 records" in str(dry)
    assert "GM8888" not in str(dry)  # its default of 365 days has not run out
    assert Reporter.objects.count() == 2
    purge_personal_data(now=after_40_days)
    assert list(Reporter.objects.values_list("signal__municipality__code", flat=True)) == ["GM8888"]
    # A second run removes nothing more; after a year the other one goes too.
    assert purge_personal_data(now=after_40_days).counts[REPORTERS] == 0
    assert purge_personal_data(now=CLOSED + timedelta(days=366)).counts[REPORTERS] == 1
    assert not Reporter.objects.exists()


def test_every_run_is_logged_with_counts_per_municipality_never_the_personal_data(
    two: Place,
) -> None:
    set_periods("GM9999", {REPORTERS: 10})
    purge_personal_data(now=CLOSED + timedelta(days=11))
    run = PurgeRun.objects.get(purger=REPORTERS, dry_run=False)
    assert run.count == 1
    assert run.detail["municipalities"]["GM9999"]["days"] == 10
    assert run.detail["municipalities"]["GM9999"]["count"] == 1
    logged = json.dumps(run.detail)
    assert "piet" not in logged.lower() and "0612345678" not in logged
    # Every kind is logged on every run, also when it removed nothing.
    assert set(PurgeRun.objects.values_list("purger", flat=True)) >= {
        REPORTERS,
        PHOTOS,
        "participation.voting_codes",
        "participation.contacts",
    }


def test_purge_of_one_municipality_lists_every_kind_and_names_an_unknown_one(
    two: Place, capsys: Any
) -> None:
    set_periods("GM9999", {REPORTERS: 30})
    with override_settings(SIGNAL_PHOTO_RETENTION_DAYS=5):
        assert main(["purge", "--dry-run", "--municipality", "GM9999"]) == 0
    out = capsys.readouterr().out
    assert "GM9999 signals.photos (5 days): would remove 0 records" in out
    assert "GM9999 signals.reporters (30 days): would remove" in out
    assert "GM8888" not in out
    assert main(["purge", "--municipality", "GM0000"]) == 1
    assert "unknown municipality GM0000" in capsys.readouterr().err
    assert Reporter.objects.count() == 2


def test_a_beheerder_sets_only_their_own_municipality_and_bad_input_changes_nothing(
    two: Place,
) -> None:
    beheerder = user_with("beheerder", two.town.gemeente, username="beheer")
    set_periods("GM9999", {REPORTERS: 100, PHOTOS: 20}, by=beheerder)
    with pytest.raises(PermissionDenied, match="Gemeente Elders"):
        set_periods("GM8888", {REPORTERS: 1}, by=beheerder)
    with pytest.raises(KompasError, match="signals.photos: a retention period is 0 to 3650"):
        set_periods("GM9999", {REPORTERS: 50, PHOTOS: 99999}, by=beheerder)
    with pytest.raises(KompasError, match="unknown retention kind 'signals.fotos'"):
        set_periods("GM9999", {"signals.fotos": 5}, by=beheerder)
    assert dict(RetentionPolicy.objects.values_list("kind", "days")) == {
        REPORTERS: 100,
        PHOTOS: 20,
    }
    # Empty: back to the installation default.
    set_periods("GM9999", {PHOTOS: None}, by=beheerder)
    photos = next(p for p in periods_of(two.town.gemeente) if p.kind.name == PHOTOS)
    assert (photos.own, photos.days) == (None, 90)


def test_the_beheer_page_saves_periods_and_refuses_bad_ones(two: Place) -> None:
    client = Client()
    client.force_login(user_with("beheerder", two.town.gemeente, username="beheer"))
    page = client.get("/beheer/bewaartermijnen/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Gemeente Proefstad" in html and "Gemeente Elders" not in html
    assert "Standaard: 365 dagen." in html
    saved = client.post(
        "/beheer/bewaartermijnen/",
        {"gemeente": "GM9999", f"days-{REPORTERS}": "60", f"days-{PHOTOS}": ""},
        follow=True,
    )
    assert "De bewaartermijnen zijn opgeslagen." in saved.content.decode()
    assert dict(RetentionPolicy.objects.values_list("kind", "days")) == {REPORTERS: 60}
    # Every change is kept, with who made it, on the policy's history page.
    client.post("/beheer/bewaartermijnen/", {"gemeente": "GM9999", f"days-{REPORTERS}": "45"})
    policy = RetentionPolicy.objects.get()
    assert f"/geschiedenis/bewaartermijn/{policy.pk}/" in client.get(
        "/beheer/bewaartermijnen/").content.decode()  # fmt: skip
    history = client.get(f"/geschiedenis/bewaartermijn/{policy.pk}/").content.decode()
    assert "beheer" in history and "60" in history and "45" in history
    assert [h.history_user.username for h in policy.history.all()] == ["beheer", "beheer"]
    refused = client.post(
        "/beheer/bewaartermijnen/",
        {"gemeente": "GM9999", f"days-{REPORTERS}": "1", f"days-{PHOTOS}": "veel"},
    )
    assert refused.status_code == 400
    assert "veel kan niet" in refused.content.decode()
    assert dict(RetentionPolicy.objects.values_list("kind", "days")) == {REPORTERS: 45}
    assert client.get("/beheer/bewaartermijnen/?gemeente=GM8888").status_code == 403
    assert (
        client.post(
            "/beheer/bewaartermijnen/", {"gemeente": "GM8888", f"days-{REPORTERS}": "1"}
        ).status_code
        == 403
    )
    assert not RetentionPolicy.objects.filter(municipality__code="GM8888").exists()
    handler = Client()
    handler.force_login(user_with("afdeling", two.town.gemeente, username="afd"))
    assert handler.get("/beheer/bewaartermijnen/").status_code == 403


def test_retention_command_shows_and_sets_periods_checked_against_the_user(
    two: Place, capsys: Any
) -> None:
    user_with("beheerder", two.town.gemeente, username="beheer")
    assert main(["retention", "set", "GM9999", REPORTERS, "45", "--as", "beheer"]) == 0
    assert "GM9999 signals.reporters: 45 days" in capsys.readouterr().out
    assert main(["retention", "set", "GM8888", REPORTERS, "45", "--as", "beheer"]) == 1
    assert main(["retention", "set", "GM9999", REPORTERS, "lang"]) == 1
    assert "'lang'" in capsys.readouterr().err
    assert main(["retention", "--municipality", "GM9999"]) == 0
    out = capsys.readouterr().out
    assert "GM9999 signals.reporters: 45 days\n" in out
    assert "GM9999 signals.photos: 90 days (installation default)" in out
    assert main(["retention", "set", "GM9999", REPORTERS, "default"]) == 0
    assert not RetentionPolicy.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_workers_scheduled_purge_uses_the_municipalitys_period() -> None:
    place = build_place()
    _closed_signal(place, "here")
    set_periods("GM9999", {REPORTERS: 0})
    tasks.purge_personal_data.enqueue()
    with override_settings(KOMPAS_SCHEDULE=""):
        KompasWorker(batch=True, interval=0, schedule=False).run()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert not Reporter.objects.exists()
    assert PurgeRun.objects.get(purger=REPORTERS).detail["municipalities"]["GM9999"]["days"] == 0
