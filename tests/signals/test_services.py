from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from gebiedskompas.accounts.models import RoleAssignment
from gebiedskompas.ops.retention import purge_personal_data
from gebiedskompas.signals import services
from gebiedskompas.signals.models import Escalation, Reporter, RoutingRule, Signal, StatusChange
from gebiedskompas.signals.retention import REPORTERS
from gebiedskompas.signals.services import SignalInput
from tests.accounts.helpers import user_with
from tests.signals.conftest import Place

pytestmark = [pytest.mark.integration, pytest.mark.django_db]
AMS = ZoneInfo("Europe/Amsterdam")


def _input(place: Place, key: str = "k-1", **extra: object) -> SignalInput:
    lat, lon = place.inside()
    values: dict[str, object] = {"category_code": "zwerfafval", "idempotency_key": key,
                                 "description": "Zakken vuilnis naast de container",
                                 "lat": lat, "lon": lon, **extra}  # fmt: skip
    return SignalInput(**values)  # type: ignore[arg-type]  # test data


def test_signal_gets_the_buurt_holding_its_point_and_the_category_department(place: Place) -> None:
    result = services.create_signal(_input(place))
    signal = result.signal
    assert result.created
    assert signal.area == place.town.buurten[0]
    assert signal.location_verified
    assert signal.department == place.department
    assert signal.deadline is not None and signal.deadline > signal.reported_at
    assert list(signal.history.values_list("to_status", flat=True)) == ["reported"]


def test_same_idempotency_key_twice_stores_one_signal(place: Place) -> None:
    first = services.create_signal(_input(place))
    second = services.create_signal(_input(place, description="nog een keer"))
    assert not second.created
    assert second.signal.pk == first.signal.pk
    assert Signal.objects.count() == 1


def test_point_outside_the_municipality_is_refused_with_a_clear_message(place: Place) -> None:
    with pytest.raises(services.OutsideMunicipality, match="ligt buiten"):
        services.create_signal(_input(place, lat=53.5, lon=6.5))
    assert Signal.objects.count() == 0


def test_unknown_category_is_refused(place: Place) -> None:
    with pytest.raises(services.NotFound, match="onbekende categorie 'kuilen'"):
        services.create_signal(_input(place, category_code="kuilen"))


def test_oversized_description_is_refused(place: Place) -> None:
    with pytest.raises(services.KompasError, match="4001 tekens; ten hoogste 4000"):
        services.create_signal(_input(place, description="x" * 4001))


def test_first_matching_routing_rule_wins_over_the_category_default(place: Place) -> None:
    from gebiedskompas.accounts.models import Organisation

    night = Organisation.objects.create(code="gm9999-nacht", name="Nachtdienst", kind="department")
    wijk = Organisation.objects.create(code="gm9999-wijk", name="Wijkteam", kind="department")
    RoutingRule.objects.create(municipality=place.town.gemeente, order=2,
                               area=place.town.buurten[0].parent, department=wijk)  # fmt: skip
    RoutingRule.objects.create(municipality=place.town.gemeente, order=1, category=place.sub,
                               starts="22:00", ends="06:00", department=night)  # fmt: skip
    day = services.create_signal(
        _input(place, "day", reported_at=datetime(2026, 6, 3, 12, tzinfo=AMS))
    )
    late = services.create_signal(
        _input(place, "late", reported_at=datetime(2026, 6, 3, 23, tzinfo=AMS))
    )
    assert day.signal.department == wijk
    assert late.signal.department == night


def test_change_status_appends_history_and_checks_the_role(place: Place) -> None:
    signal = services.create_signal(_input(place)).signal
    handler = user_with("afdeling", place.town.gemeente, username="handler")
    reader = user_with("wethouder", place.town.gemeente, username="reader")
    with pytest.raises(services.NotAllowed, match="niet behandelen"):
        services.change_status(signal, "in_progress", by=reader)
    services.change_status(signal, "in_progress", by=handler, note="opgepakt")
    with pytest.raises(services.TransitionRefused, match="in behandeling kan niet naar heropend"):
        services.change_status(signal, "reopened", by=handler)
    services.change_status(signal, "closed", by=handler, note="opgeruimd")
    rows = list(
        StatusChange.objects.filter(signal=signal).values_list("from_status", "to_status", "note")
    )
    assert rows == [
        ("", "reported", "ontvangen via webformulier"),
        ("reported", "in_progress", "opgepakt"),
        ("in_progress", "closed", "opgeruimd"),
    ]
    signal.refresh_from_db()
    assert signal.status == "closed" and signal.closed_at is not None


def test_history_rows_are_never_edited(place: Place) -> None:
    row = services.create_signal(_input(place)).signal.history.get()
    row.note = "anders"
    with pytest.raises(ValueError, match="never edited"):
        row.save()


def test_escalation_runs_twice_escalates_once(place: Place) -> None:
    manager = user_with("gebiedsmanager", place.town.gemeente, username="gm-jan")
    assert RoleAssignment.objects.filter(user=manager).exists()
    reported = datetime(2026, 6, 1, 10, tzinfo=AMS)  # Monday; 3 working days → Thursday 4 June
    signal = services.create_signal(_input(place, reported_at=reported)).signal
    assert signal.deadline == datetime(2026, 6, 4, 10, tzinfo=AMS)
    assert services.escalate_overdue(datetime(2026, 6, 4, 9, tzinfo=AMS)).escalated == []
    frozen = datetime(2026, 6, 9, 11, tzinfo=AMS)  # +3 working days after the deadline
    first = services.escalate_overdue(frozen)
    second = services.escalate_overdue(frozen)
    assert [step for _, step in first.escalated] == ["team_lead", "area_manager"]
    assert second.escalated == []
    manager_step = Escalation.objects.get(signal=signal, step="area_manager")
    assert manager_step.recipients == "gm-jan"
    assert Escalation.objects.filter(signal=signal).count() == 2


def test_closed_signal_does_not_escalate(place: Place) -> None:
    handler = user_with("afdeling", place.town.gemeente, username="handler")
    signal = services.create_signal(
        _input(place, reported_at=datetime(2026, 6, 1, 10, tzinfo=AMS))
    ).signal
    services.change_status(signal, "closed", by=handler, now=datetime(2026, 6, 2, tzinfo=AMS))
    assert services.escalate_overdue(datetime(2026, 7, 1, tzinfo=AMS)).checked == 0


def test_purge_removes_reporters_after_retention_and_dry_run_keeps_them(place: Place) -> None:
    handler = user_with("afdeling", place.town.gemeente, username="handler")
    reporter = services.ReporterInput("Piet", "piet@example.org", "", True)
    signal = services.create_signal(_input(place, reporter=reporter)).signal
    closed = datetime(2026, 6, 2, tzinfo=AMS)
    services.change_status(signal, "closed", by=handler, now=closed)
    assert purge_personal_data(now=closed + timedelta(days=364)).counts[REPORTERS] == 0
    later = closed + timedelta(days=366)
    dry = purge_personal_data(now=later, dry_run=True)
    assert dry.counts[REPORTERS] == 1 and Reporter.objects.count() == 1
    purge_personal_data(now=later)
    assert Reporter.objects.count() == 0
    assert Signal.objects.filter(pk=signal.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_key_store_one_signal() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises whole-database writes)")
    from tests.signals.conftest import build_place

    place = build_place()
    results: list[bool] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            results.append(services.create_signal(_input(place, "same-key")).created)
        except BaseException as exc:  # noqa: BLE001  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [False] * 7 + [True]
    assert Signal.objects.filter(idempotency_key="same-key").count() == 1
