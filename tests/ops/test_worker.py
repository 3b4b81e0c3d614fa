"""The worker: schedule, heartbeats, tasks run once, lost tasks queued again or marked failed."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gebiedskompas.core import retention
from gebiedskompas.core.errors import KompasError
from gebiedskompas.ops import tasks
from gebiedskompas.ops.models import Heartbeat, PurgeRun, ScheduledJob
from gebiedskompas.ops.retention import purge_personal_data
from gebiedskompas.ops.schedule import enqueue_due_jobs, parse_schedule
from gebiedskompas.ops.worker import KompasWorker, recover_lost_tasks

pytestmark = [pytest.mark.integration]


def test_schedule_is_read_from_text_and_bad_entries_are_named() -> None:
    assert parse_schedule("escalate_signals=15m, purge_personal_data=1d") == {
        "escalate_signals": timedelta(minutes=15),
        "purge_personal_data": timedelta(days=1),
    }
    assert parse_schedule("escalate_signals=0,purge_personal_data=90") == {
        "purge_personal_data": timedelta(seconds=90)
    }
    with pytest.raises(KompasError, match="unknown job 'backup'"):
        parse_schedule("backup=1d")
    with pytest.raises(KompasError, match="escalate_signals='soon'"):
        parse_schedule("escalate_signals=soon")


@pytest.mark.django_db
def test_a_due_job_is_enqueued_once_and_not_again_while_it_waits() -> None:
    schedule = {"escalate_signals": timedelta(minutes=15)}
    now = timezone.now()
    assert enqueue_due_jobs(now, schedule) == ["escalate_signals"]
    assert enqueue_due_jobs(now, schedule) == []  # a second worker at the same moment
    later = now + timedelta(minutes=20)
    assert enqueue_due_jobs(later, schedule) == []  # the first run still waits in the queue
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert enqueue_due_jobs(later, schedule) == ["escalate_signals"]
    assert DBTaskResult.objects.filter(task_path__endswith="escalate_signals").count() == 2
    assert ScheduledJob.objects.get().last_enqueued_at == later


@pytest.mark.django_db(transaction=True)
def test_worker_runs_each_waiting_task_once_and_records_its_heartbeat() -> None:
    first = tasks.purge_personal_data.enqueue(dry_run=True)
    second = tasks.escalate_signals.enqueue()
    with override_settings(KOMPAS_SCHEDULE=""):
        KompasWorker(batch=True, interval=0, schedule=False).run()
    results = {r.pk: r for r in DBTaskResult.objects.all()}
    assert {str(k) for k in results} == {str(first.id), str(second.id)}
    assert all(r.status == "SUCCESSFUL" and len(r.worker_ids) == 1 for r in results.values())
    assert PurgeRun.objects.filter(dry_run=True, purger="signals.reporters").count() == 1
    beat = Heartbeat.objects.get()
    assert beat.stopped_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_warming_fills_the_page_cache_for_the_worker_and_the_server() -> None:
    from gebiedskompas.areas.models import Area
    from tests.web.factories import build_town

    build_town()
    assert enqueue_due_jobs(timezone.now(), {"warm_page_cache": timedelta(minutes=10)}) == [
        "warm_page_cache"
    ]
    with override_settings(KOMPAS_SCHEDULE=""):
        KompasWorker(batch=True, interval=0, schedule=False).run()
    stored = DBTaskResult.objects.get(task_path__endswith="warm_page_cache")
    assert stored.status == "SUCCESSFUL"
    areas = Area.objects.count()
    assert stored.return_value["rendered"] == 2 * areas  # every area, Dutch and English


@pytest.mark.django_db(transaction=True)
def test_a_failing_task_is_visibly_failed() -> None:
    result = tasks.import_csv_file.enqueue("/nonexistent/file.csv", "code", "2024")
    KompasWorker(batch=True, interval=0, schedule=False).run()
    stored = DBTaskResult.objects.get(pk=result.id)
    assert stored.status == "FAILED" and stored.traceback


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.django_db
def test_a_task_whose_worker_died_is_queued_again_then_marked_failed() -> None:
    import socket

    now = timezone.now()
    Heartbeat.objects.create(
        worker_id="dead", host=socket.gethostname(), pid=_dead_pid(), started_at=now, beat_at=now
    )
    Heartbeat.objects.create(worker_id="alive", host="elders", pid=1, started_at=now, beat_at=now)
    lost = tasks.escalate_signals.enqueue()
    busy = tasks.escalate_signals.enqueue()
    DBTaskResult.objects.filter(pk=lost.id).update(
        status="RUNNING", worker_ids=["dead"], started_at=now
    )
    DBTaskResult.objects.filter(pk=busy.id).update(
        status="RUNNING", worker_ids=["alive"], started_at=now
    )
    assert recover_lost_tasks(now) == {"requeued": [str(lost.id)], "failed": []}
    assert DBTaskResult.objects.get(pk=lost.id).status == "READY"
    assert DBTaskResult.objects.get(pk=busy.id).status == "RUNNING"  # its worker beats
    # Started twice, its worker died twice: failed, with the reason.
    DBTaskResult.objects.filter(pk=lost.id).update(status="RUNNING", worker_ids=["dead", "dead"])
    assert recover_lost_tasks(now)["failed"] == [str(lost.id)]
    failed = DBTaskResult.objects.get(pk=lost.id)
    assert failed.status == "FAILED"
    assert failed.exception_class_path == "gebiedskompas.ops.worker.WorkerLost"
    # A worker on another host is lost when its heartbeat is stale.
    later = now + timedelta(hours=1)
    assert recover_lost_tasks(later)["requeued"] == [str(busy.id)]


@pytest.mark.django_db
def test_purge_runs_every_kind_per_municipality_with_its_period_and_logs_it() -> None:
    from tests.web.factories import build_town

    town = build_town()
    calls: list[tuple[int, bool]] = []
    now = timezone.now()

    def purger(scope: retention.Scope) -> retention.PurgeOutcome:
        calls.append((scope.municipality_id, scope.dry_run))
        assert scope.cutoff == now - timedelta(days=30)
        return retention.PurgeOutcome(3, {"codes": ["a", "b", "c"]})

    retention.register("test.codes", purger, default_days=lambda: 30)
    try:
        report = purge_personal_data(dry_run=False, now=now)
    finally:
        retention.unregister("test.codes")
    assert calls == [(town.gemeente.pk, False)]
    assert report.counts["test.codes"] == 3 and report.counts["signals.reporters"] == 0
    assert f"{town.gemeente.code} test.codes (30 days): removed 3 records" in str(report)
    run = PurgeRun.objects.get(purger="test.codes")
    assert (run.count, run.dry_run) == (3, False)
    assert run.detail == {
        "municipalities": {town.gemeente.code: {"days": 30, "count": 3, "codes": ["a", "b", "c"]}}
    }
    with pytest.raises(ValueError, match="without spaces"):
        retention.register("bad name", purger, default_days=lambda: 1)
