"""E-mail from signals: to the reporter (only with consent) and to the people on the ladder.

Django's mail framework sends it (SMTP when KOMPAS_EMAIL_HOST is set, else the log); messages
go out after the transaction that caused them commits, so a rolled-back change tells nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from gebiedskompas.signals.domain.workflow import LABELS, Status
from gebiedskompas.signals.models import Reporter, Signal

# The states a reporter hears about: received, being handled, handled, reopened.
REPORTER_STATES: Final = frozenset(
    {Status.REPORTED, Status.IN_PROGRESS, Status.CLOSED, Status.REOPENED}
)

_OPENING: Final = {
    Status.REPORTED: "Wij hebben uw melding ontvangen.",
    Status.IN_PROGRESS: "Wij zijn met uw melding aan de slag.",
    Status.CLOSED: "Uw melding is afgehandeld.",
    Status.REOPENED: "Uw melding is opnieuw in behandeling genomen.",
}


def _send(subject: str, body: str, to: Iterable[str]) -> None:
    recipients = [address for address in to if address]
    if not recipients:
        return
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients))


def reporter_message(signal: Signal, status: Status, note: str = "") -> tuple[str, str]:
    """Subject and body of the message to the reporter about `status`."""
    lines = [
        "Beste melder,",
        "",
        _OPENING[status],
        f"Onderwerp: {signal.category.name}. Status: {LABELS[status]}.",
    ]
    if signal.category.reporter_text:
        lines += ["", signal.category.reporter_text]
    if note and status in (Status.CLOSED, Status.REOPENED):
        lines += ["", note]
    lines += ["", f"Uw kenmerk: {signal.reference}", "", "Met vriendelijke groet,",
              str(signal.municipality.name)]  # fmt: skip
    return f"Uw melding: {LABELS[status]} ({signal.category.name})", "\n".join(lines)


def tell_reporter(signal: Signal, status: Status, note: str = "") -> bool:
    """Queue a message to the reporter when `status` matters to them and they consented; whether
    one was queued. Never without consent, never without an e-mail address."""
    if status not in REPORTER_STATES:
        return False
    reporter = Reporter.objects.filter(signal_id=signal.pk).first()
    if reporter is None or not reporter.consent_updates or not reporter.email:
        return False
    subject, body = reporter_message(signal, status, note)
    _send(subject, body, [reporter.email])
    return True


def tell_escalation(signal: Signal, label: str, due_at: Any, people: Iterable[Any]) -> None:
    """Queue the escalation message to the people holding the rung's role for the area."""
    subject = f"Melding te laat: {signal.category.name} in {signal.area.name}"
    local = timezone.localtime
    body = "\n".join(
        [
            f"Deze melding is niet op tijd afgehandeld en komt bij u als {label}.",
            "",
            f"Onderwerp: {signal.category}",
            f"Gebied: {signal.area.name}",
            f"Afdeling: {signal.department.name if signal.department else '-'}",
            f"Gemeld: {local(signal.reported_at):%d-%m-%Y %H:%M}",
            f"Termijn: {local(signal.deadline):%d-%m-%Y %H:%M}"
            if signal.deadline
            else "Termijn: -",
            f"Escalatie sinds: {local(due_at):%d-%m-%Y %H:%M}",
            f"Status: {LABELS[Status(signal.status)]}",
            "",
            f"Kenmerk: {signal.reference}",
        ]
    )
    _send(subject, body, [p.email for p in people])
