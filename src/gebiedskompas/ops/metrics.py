"""Prometheus metrics about the installation, read from the database at each scrape.

Gauges only (no per-request histograms: with several server processes those need
prometheus-client's multiprocess mode; take request rates and latencies from the reverse proxy).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Count, Max
from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class KompasCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        from django_tasks_db.models import DBTaskResult

        from gebiedskompas.ops import checks
        from gebiedskompas.ops.models import PurgeRun, ScheduledJob

        _healthy, body = checks.health()
        up = GaugeMetricFamily("kompas_database_up", "1 when the database answers.")
        up.add_metric([], 1.0 if body["database"] else 0.0)
        yield up
        migrated = GaugeMetricFamily(
            "kompas_migrations_applied", "1 when every migration is applied."
        )
        migrated.add_metric([], 1.0 if body["migrations"] else 0.0)
        yield migrated
        if not body["database"]:
            return
        age = body["worker_heartbeat_age_seconds"]
        beat = GaugeMetricFamily(
            "kompas_worker_heartbeat_age_seconds",
            "Seconds since the last heartbeat of a running worker (NaN: no worker).",
        )
        beat.add_metric([], float("nan") if age is None else float(age))  # type: ignore[arg-type]
        yield beat
        try:
            tasks = GaugeMetricFamily(
                "kompas_tasks", "Background tasks by status.", labels=["status"]
            )
            counts = dict(
                DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by()
            )
            for status in ("READY", "RUNNING", "SUCCESSFUL", "FAILED"):
                tasks.add_metric([status.lower()], float(counts.get(status, 0)))
            yield tasks
            jobs = GaugeMetricFamily(
                "kompas_scheduled_job_last_enqueued_timestamp_seconds",
                "When each scheduled job was last put in the queue (Unix time).",
                labels=["job"],
            )
            for job in ScheduledJob.objects.exclude(last_enqueued_at=None):
                jobs.add_metric([job.name], job.last_enqueued_at.timestamp())  # type: ignore[union-attr]
            yield jobs
            purge = GaugeMetricFamily(
                "kompas_purge_last_run_timestamp_seconds",
                "When each retention purger last ran for real (Unix time).",
                labels=["purger"],
            )
            last_runs = (
                PurgeRun.objects.filter(dry_run=False)
                .values_list("purger")
                .annotate(last=Max("ran_at"))
                .order_by("purger")
            )
            for purger, last in last_runs:
                purge.add_metric([purger], last.timestamp())
            yield purge
        except DatabaseError:
            return


def render() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KompasCollector())
    ProcessCollector(registry=registry)
    return generate_latest(registry)
