"""Retention of participation's personal data, per municipality (ops/retention.py decides the
period and calls these once per municipality):

- voting codes (a keyed hash of the code and of the register row it was made for) go the period
  after the round's voting closed, i.e. after it moved to results; ballots and results stay;
- contact details of an idea's submitter go the period after the idea's round's voting closed,
  those of an initiative's applicant the period after it was refused or accounted for.

Nothing of a round still collecting ideas, being checked or voting is touched, nor of an
initiative still running.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gebiedskompas.core import retention
from gebiedskompas.participation.domain.initiatives import InitiativeStatus
from gebiedskompas.participation.domain.phases import Phase
from gebiedskompas.participation.models import BudgetRound, ResidentContact, VotingCode

VOTING_CODES = "participation.voting_codes"
CONTACTS = "participation.contacts"
VOTING_CLOSED = [Phase.RESULTS.value, Phase.EXECUTION.value]


def voting_closed_at(rounds: list[BudgetRound]) -> dict[int, datetime]:
    """When each round's voting closed: the first time its history shows it past voting (a round
    imported or created already closed: its creation)."""
    history = BudgetRound.history.model  # type: ignore[attr-defined]  # django-simple-history
    first = dict(
        history.objects.filter(id__in=[r.pk for r in rounds], phase__in=VOTING_CLOSED)
        .values("id")
        .annotate(at=Min("history_date"))
        .values_list("id", "at")
    )
    return {r.pk: first.get(r.pk) or r.created_at for r in rounds}


def closed_rounds(scope: retention.Scope) -> list[int]:
    """Ids of the municipality's rounds whose voting closed at or before the cutoff."""
    rounds = list(
        BudgetRound.objects.filter(
            area__municipality_id=scope.municipality_id, phase__in=VOTING_CLOSED
        )
    )
    closed = voting_closed_at(rounds)
    return sorted(pk for pk, at in closed.items() if at <= scope.cutoff)


def purge_voting_codes(scope: retention.Scope) -> retention.PurgeOutcome:
    rounds = closed_rounds(scope)
    due = VotingCode.objects.filter(round_id__in=rounds)
    with_codes = sorted(set(due.values_list("round_id", flat=True)))
    count = due.count()
    if not scope.dry_run:
        due.delete()
    return retention.PurgeOutcome(count, {"rounds": with_codes})


def purge_contacts(scope: retention.Scope) -> retention.PurgeOutcome:
    day = timezone.localdate(scope.cutoff)
    finished = Q(
        initiative__status=InitiativeStatus.REFUSED.value, initiative__decided_on__lte=day
    ) | Q(initiative__status=InitiativeStatus.REPORTED.value, initiative__reported_on__lte=day)
    due = ResidentContact.objects.filter(
        Q(idea__round_id__in=closed_rounds(scope))
        | (Q(initiative__area__municipality_id=scope.municipality_id) & finished)
    )
    count = due.count()
    if not scope.dry_run:
        due.delete()
    return retention.PurgeOutcome(count)


def register() -> None:
    retention.register(
        VOTING_CODES,
        purge_voting_codes,
        label=_("stemcodes van buurtbegrotingen, na het sluiten van de stemming"),
        default_days=lambda: int(settings.VOTING_CODE_RETENTION_DAYS),
        setting="KOMPAS_VOTING_CODE_RETENTION_DAYS",
    )
    retention.register(
        CONTACTS,
        purge_contacts,
        label=_(
            "contactgegevens van indieners van ideeën en bewonersinitiatieven, na het sluiten "
            "van de stemming of het afronden van het initiatief"
        ),
        default_days=lambda: int(settings.RESIDENT_CONTACT_RETENTION_DAYS),
        setting="KOMPAS_RESIDENT_CONTACT_RETENTION_DAYS",
    )
