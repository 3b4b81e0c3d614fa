"""Background tasks run by `kompas worker` (django-tasks with the database backend).

Every task is safe to run again after its worker died half-way: imports run in one transaction
(all or nothing), escalation and purges are idempotent. So a task whose worker was killed is
queued again (up to KOMPAS_TASK_MAX_ATTEMPTS starts), then marked failed — see ops/worker.py.
Arguments and return values are JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django_tasks import task


@task()
def escalate_signals() -> dict[str, Any]:
    """Run the signals' escalation ladder once (scheduled: escalate_signals)."""
    from gebiedskompas.signals.services import escalate_overdue

    return escalate_overdue(None).as_dict()


@task()
def purge_personal_data(dry_run: bool = False) -> dict[str, Any]:
    """Run every registered retention kind's purger for each municipality with its period
    (scheduled: purge_personal_data); the same code as `kompas purge`."""
    from gebiedskompas.ops.retention import purge_personal_data as purge

    report = purge(dry_run=dry_run)
    return {"dry_run": report.dry_run, "purgers": report.counts}


@task()
def import_csv_file(
    path: str, area_column: str, period: str, mapping: dict[str, str] | None = None
) -> dict[str, Any]:
    """`kompas import csv` in the background."""
    from gebiedskompas.indicators.services import import_csv

    summary = import_csv(Path(path), area_column=area_column, period=period, mapping=mapping or {})
    return dict(summary.as_dict())


@task()
def import_cbs_file(path: str, year: int | None = None, metadata: str = "") -> dict[str, Any]:
    """`kompas import cbs` in the background."""
    from gebiedskompas.indicators.services import import_cbs

    summary = import_cbs(Path(path), year=year, metadata_path=Path(metadata) if metadata else None)
    return dict(summary.as_dict())


@task()
def write_wijkfoto_batch(
    level: str, municipality: str, directory: str, language: str = ""
) -> list[dict[str, Any]]:
    """A batch of wijkfoto PDFs (every area of a level in a municipality) in the background."""
    from gebiedskompas.reports.services import write_wijkfotos

    written = write_wijkfotos(
        level=level, municipality=municipality, directory=Path(directory), language=language
    )
    return [{"code": w.code, "path": str(w.path), "bytes": w.size} for w in written]


# The jobs KOMPAS_SCHEDULE may name: tasks, or the import path of a task of a layer this one may
# not import (the web layer's page-cache warming).
SCHEDULABLE: dict[str, Any] = {
    "escalate_signals": escalate_signals,
    "purge_personal_data": purge_personal_data,
    "warm_page_cache": "gebiedskompas.web.tasks.warm_page_cache",
}


def schedulable(name: str) -> Any:
    """The task of a scheduled job."""
    from django.utils.module_loading import import_string

    found = SCHEDULABLE[name]
    return import_string(found) if isinstance(found, str) else found
