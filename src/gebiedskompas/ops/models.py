"""What the worker keeps in the database: heartbeats, the schedule's last runs, purge runs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Heartbeat(models.Model):
    """One row per worker process, updated every KOMPAS_WORKER_HEARTBEAT_SECONDS."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "hartslag van een worker"
        verbose_name_plural = "hartslagen van workers"

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"


class ScheduledJob(models.Model):
    """When a scheduled job was last put in the queue; the row is locked while deciding, so two
    workers never enqueue the same run twice."""

    name = models.CharField(max_length=64, primary_key=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_task_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "geplande taak"
        verbose_name_plural = "geplande taken"

    def __str__(self) -> str:
        return self.name


class PurgeRun(models.Model):
    """The log of retention purges: which purger removed how many records when (never the
    personal data itself)."""

    ran_at = models.DateTimeField(auto_now_add=True, db_index=True)
    purger = models.CharField(max_length=64)
    dry_run = models.BooleanField(default=False)
    count = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-ran_at", "-pk"]
        verbose_name = "verwijderronde persoonsgegevens"
        verbose_name_plural = "verwijderrondes persoonsgegevens"

    def __str__(self) -> str:
        return f"{self.purger} {self.ran_at:%Y-%m-%d %H:%M}: {self.count}"


class RetentionPolicy(models.Model):
    """A municipality's own retention period for one kind of personal data (a kind registered
    in core.retention, e.g. ``signals.reporters``); without a row the installation default
    (an environment variable) applies. Set by the municipality's beheerder (Beheer ›
    Bewaartermijnen) or with `kompas retention set`; every change is kept (history page
    ``/geschiedenis/bewaartermijn/<pk>/``)."""

    municipality = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=64)
    days = models.PositiveIntegerField(_("dagen"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["municipality_id", "kind"]
        verbose_name = "bewaartermijn"
        verbose_name_plural = "bewaartermijnen"
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind"], name="retention_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.days} dagen"
