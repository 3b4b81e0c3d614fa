"""Retention of signals' personal data: the reporter's contact details, and photos staff marked
as showing persons, go the municipality's period after the signal was closed or cancelled.

Registered with core.retention in SignalsConfig.ready(); ops/retention.py decides the period
per municipality and calls these once per municipality.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gebiedskompas.core import retention
from gebiedskompas.signals.domain.workflow import FINAL
from gebiedskompas.signals.models import Reporter, Signal

REPORTERS = "signals.reporters"
PHOTOS = "signals.photos"


def _closed_before(scope: retention.Scope) -> dict[str, object]:
    return {
        "municipality_id": scope.municipality_id,
        "status__in": [s.value for s in FINAL],
        "closed_at__lte": scope.cutoff,
    }


def purge_reporters(scope: retention.Scope) -> retention.PurgeOutcome:
    """Delete the contact details of reporters of signals closed at or before the cutoff."""
    closed = Signal.objects.filter(**_closed_before(scope))
    due = Reporter.objects.filter(signal__in=closed)
    references = [str(r) for r in due.values_list("signal__reference", flat=True)]
    if not scope.dry_run:
        due.delete()
    return retention.PurgeOutcome(len(references), {"signals": references})


def purge_photos(scope: retention.Scope) -> retention.PurgeOutcome:
    """Delete the photos marked as showing persons (file and reference) of signals closed at or
    before the cutoff; other photos stay. The files go once the database change is committed,
    so a rolled-back purge leaves them in place."""
    due = (
        Signal.objects.filter(**_closed_before(scope), photo_shows_persons=True)
        .exclude(photo="")
        .order_by("pk")
    )
    references = [str(r) for r in due.values_list("reference", flat=True)]
    if not scope.dry_run:
        for signal in due:
            _delete_on_commit(signal.photo.storage, signal.photo.name)
            Signal.objects.filter(pk=signal.pk).update(photo="", photo_shows_persons=False)
    return retention.PurgeOutcome(len(references), {"signals": references})


def _delete_on_commit(storage: Storage, name: str) -> None:
    transaction.on_commit(lambda: storage.delete(name))


def register() -> None:
    retention.register(
        REPORTERS,
        purge_reporters,
        label=_("contactgegevens van melders, na het afsluiten van de melding"),
        default_days=lambda: int(settings.REPORTER_RETENTION_DAYS),
        setting="KOMPAS_REPORTER_RETENTION_DAYS",
    )
    retention.register(
        PHOTOS,
        purge_photos,
        label=_("foto's van meldingen die personen tonen, na het afsluiten van de melding"),
        default_days=lambda: int(settings.SIGNAL_PHOTO_RETENTION_DAYS),
        setting="KOMPAS_SIGNAL_PHOTO_RETENTION_DAYS",
    )
