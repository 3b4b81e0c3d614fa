"""`kompas worker`: runs background tasks and scheduled jobs.

Built on django-tasks-db's worker (claiming a task locks its row, so each task runs in one worker;
SIGTERM or SIGINT lets the running task finish and then stops; a second signal stops at once and
marks the task failed). Added here: a heartbeat row per worker, the schedule, and recovery of
tasks whose worker died (kill -9, power loss): such a task is queued again until it has been
started KOMPAS_TASK_MAX_ATTEMPTS times, then marked failed with ``WorkerLost`` — never silently
left "running".
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from gebiedskompas.ops.models import Heartbeat
from gebiedskompas.ops.schedule import enqueue_due_jobs

log = logging.getLogger(__name__)


class WorkerLost(Exception):
    """The worker running a task stopped without finishing it (killed, crashed, power loss)."""


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    except OSError:
        return False
    return True


def _is_lost(result: DBTaskResult, beats: dict[str, Heartbeat], now: datetime) -> bool:
    stale = now - timedelta(seconds=settings.KOMPAS_WORKER_STALE_SECONDS)
    worker_id = result.worker_ids[-1] if result.worker_ids else ""
    beat = beats.get(worker_id)
    if beat is None:
        return result.started_at is None or result.started_at < stale
    if beat.stopped_at is not None:
        return True
    if beat.host == socket.gethostname():
        return not pid_alive(beat.pid)
    return beat.beat_at < stale


def recover_lost_tasks(now: datetime | None = None) -> dict[str, list[str]]:
    """Queue again (or mark failed) the running tasks whose worker is gone."""
    moment = now or timezone.now()
    running = list(DBTaskResult.objects.running())
    ids = {r.worker_ids[-1] for r in running if r.worker_ids}
    beats = {b.worker_id: b for b in Heartbeat.objects.filter(worker_id__in=ids)}
    outcome: dict[str, list[str]] = {"requeued": [], "failed": []}
    for candidate in running:
        if not _is_lost(candidate, beats, moment):
            continue
        with exclusive_transaction():
            result = DBTaskResult.objects.select_for_update().filter(pk=candidate.pk).first()
            if result is None or result.status != "RUNNING":
                continue
            if result.worker_ids != candidate.worker_ids:
                continue  # claimed again meanwhile
            attempts = len(result.worker_ids)
            if attempts < settings.KOMPAS_TASK_MAX_ATTEMPTS:
                result.status = "READY"
                result.started_at = None
                result.save(update_fields=["status", "started_at"])
                outcome["requeued"].append(str(result.pk))
                log.warning(
                    "task %s (%s) lost its worker; queued again", result.pk, result.task_path
                )
            else:
                result.set_failed(
                    WorkerLost(
                        f"worker {result.worker_ids[-1]} stopped while running this task "
                        f"({attempts} attempts)"
                    )
                )
                outcome["failed"].append(str(result.pk))
                log.error(
                    "task %s (%s) lost its worker %d times; marked failed",
                    result.pk,
                    result.task_path,
                    attempts,
                )
    return outcome


def beat(worker_id: str, started_at: datetime, *, stopped: bool = False) -> None:
    now = timezone.now()
    Heartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": now,
            "stopped_at": now if stopped else None,
        },
    )


def housekeeping(worker_id: str, started_at: datetime, *, schedule: bool) -> None:
    """One heartbeat: record it, recover lost tasks, enqueue due scheduled jobs."""
    beat(worker_id, started_at)
    recover_lost_tasks()
    if schedule:
        enqueue_due_jobs()


class KompasWorker(Worker):
    def __init__(self, *, schedule: bool = True, **options: Any) -> None:
        options.setdefault("worker_id", get_random_string(32))
        options.setdefault("queue_names", ["default"])
        options.setdefault("excluded_queue_names", [])
        options.setdefault("backend_name", "default")
        options.setdefault("startup_delay", False)
        options.setdefault("max_tasks", None)
        super().__init__(**options)
        self.schedule = schedule
        self.started_at = timezone.now()
        self._stop = threading.Event()

    def _housekeeping_loop(self) -> None:
        interval = settings.KOMPAS_WORKER_HEARTBEAT_SECONDS
        while not self._stop.wait(interval):
            try:
                housekeeping(self.worker_id, self.started_at, schedule=self.schedule)
            except Exception:  # a locked or briefly unreachable database: try next beat
                log.exception("worker %s: heartbeat failed", self.worker_id)
            finally:
                connections.close_all()  # this thread's own connections

    def run(self) -> None:
        housekeeping(self.worker_id, self.started_at, schedule=self.schedule)
        close_old_connections()
        thread = threading.Thread(target=self._housekeeping_loop, name="heartbeat", daemon=True)
        thread.start()
        log.info("worker %s started (pid %d)", self.worker_id, os.getpid())
        try:
            super().run()
        finally:
            self._stop.set()
            thread.join(timeout=5)
            try:
                beat(self.worker_id, self.started_at, stopped=True)
            except Exception:
                log.exception("worker %s: could not record the stop", self.worker_id)
            log.info("worker %s stopped", self.worker_id)


def run_worker(
    *,
    batch: bool = False,
    interval: float = 1.0,
    max_tasks: int | None = None,
    schedule: bool = True,
    queues: str = "default",
) -> None:
    worker = KompasWorker(
        batch=batch,
        interval=interval,
        max_tasks=max_tasks,
        schedule=schedule,
        queue_names=queues.split(","),
    )
    worker.configure_signals()
    worker.run()
