"""Retention: run every registered purger (core.retention) and log what each removed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from gebiedskompas.core import retention
from gebiedskompas.ops.models import PurgeRun

log = logging.getLogger(__name__)


def _purge_signal_reporters(dry_run: bool) -> retention.PurgeOutcome:
    from gebiedskompas.signals.services import purge_reporters

    summary = purge_reporters(dry_run=dry_run)
    return retention.PurgeOutcome(len(summary.references), {"signals": list(summary.references)})


def register_builtin_purgers() -> None:
    """Purgers of apps that do not register their own (called from OpsConfig.ready)."""
    retention.register("signals.reporters", _purge_signal_reporters)


@dataclass
class PurgeReport:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "purgers": self.counts}

    def __str__(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        if not self.counts:
            return "no purgers registered"
        return "\n".join(f"{name}: {verb} {n} records" for name, n in self.counts.items())


def purge_personal_data(*, dry_run: bool = False) -> PurgeReport:
    """Run every registered purger, each in its own transaction, and log each run (a PurgeRun
    row and a log line; the row names the records' references, never their personal data)."""
    report = PurgeReport(dry_run)
    for name, purger in retention.purgers().items():
        with transaction.atomic():
            outcome = purger(dry_run)
            PurgeRun.objects.create(
                purger=name, dry_run=dry_run, count=outcome.count, detail=dict(outcome.detail)
            )
        report.counts[name] = outcome.count
        log.info("purge %s%s: %d records", name, " (dry run)" if dry_run else "", outcome.count)
    return report
