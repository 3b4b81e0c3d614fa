"""The worker's schedule: jobs and intervals from KOMPAS_SCHEDULE, enqueued exactly once per due
run however many workers run (the job's row is locked while deciding)."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from gebiedskompas.core.errors import KompasError, gettext_noop
from gebiedskompas.ops.models import ScheduledJob
from gebiedskompas.ops.tasks import SCHEDULABLE, schedulable

log = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_schedule(text: str) -> dict[str, timedelta]:
    """``escalate_signals=15m,purge_personal_data=1d`` → {job: interval}; 0 switches a job off
    (it is left out)."""
    jobs: dict[str, timedelta] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, interval = part.partition("=")
        name = name.strip()
        if name not in SCHEDULABLE:
            known = ", ".join(sorted(SCHEDULABLE))
            raise KompasError(
                gettext_noop("KOMPAS_SCHEDULE: unknown job {name!r} (known: {known})"),
                name=name,
                known=known,
            )
        match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", interval)
        if not match:
            raise KompasError(
                gettext_noop(
                    "KOMPAS_SCHEDULE: {name}={interval!r} is not an interval like 15m, 6h or 1d"
                ),
                name=name,
                interval=interval,
            )
        seconds = int(match.group(1)) * _UNITS[match.group(2) or "s"]
        if seconds:
            jobs[name] = timedelta(seconds=seconds)
    return jobs


def configured_schedule() -> dict[str, timedelta]:
    return parse_schedule(settings.KOMPAS_SCHEDULE)


def enqueue_due_jobs(
    now: datetime | None = None, schedule: dict[str, timedelta] | None = None
) -> list[str]:
    """Put every job whose interval has passed in the queue, unless its previous run is still
    waiting or running. Returns the names enqueued."""
    moment = now or timezone.now()
    enqueued: list[str] = []
    for name, interval in (configured_schedule() if schedule is None else schedule).items():
        ScheduledJob.objects.get_or_create(name=name)
        with exclusive_transaction():
            job = ScheduledJob.objects.select_for_update().get(name=name)
            if job.last_enqueued_at is not None and moment - job.last_enqueued_at < interval:
                continue
            unfinished = DBTaskResult.objects.filter(
                id=job.last_task_id or None, status__in=["READY", "RUNNING"]
            )
            if job.last_task_id and unfinished.exists():
                continue
            result = schedulable(name).enqueue()
            job.last_enqueued_at = moment
            job.last_task_id = str(result.id)
            job.save()
        enqueued.append(name)
        log.info("scheduled job %s enqueued as task %s", name, job.last_task_id)
    return enqueued
