"""Participation's personal data past retention: voting codes and idea submitters' contacts go
the municipality's period after the round's voting closed, initiative applicants' contacts the
period after the initiative was refused or accounted for. Nothing of an open round or a running
initiative goes, and ballots and results stay as they were."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gebiedskompas.ops.models import PurgeRun
from gebiedskompas.ops.retention import purge_personal_data, set_periods
from gebiedskompas.participation import services
from gebiedskompas.participation.models import (
    Ballot,
    BudgetRound,
    Idea,
    ResidentContact,
    VotingCode,
)
from gebiedskompas.participation.retention import CONTACTS, VOTING_CODES
from gebiedskompas.participation.services import SYSTEM, ContactInput, InitiativeInput
from tests.participation.conftest import Place, ready_round

pytestmark = [pytest.mark.integration, pytest.mark.django_db]
FAR = timedelta(days=3650)


def _round_with_votes_and_a_contact(place: Place) -> BudgetRound:
    ready = ready_round(place, voters=3)
    for code, idea in zip(ready.codes, ("Bankje", "Bomen", "Bankje"), strict=True):
        services.cast_ballot(ready.round.pk, code, [(ready.ids[idea], 1)])
    idea = Idea.objects.get(round=ready.round, title="Bankje")
    ResidentContact.objects.create(idea=idea, name="Els", email="els@example.org")
    return ready.round


def _results(budget_round: BudgetRound) -> tuple[list[object], list[str], list[str]]:
    ballots = sorted(str(b) for b in Ballot.objects.filter(round=budget_round).values_list(
        "choices", flat=True))  # fmt: skip
    return (
        ballots,
        sorted(Idea.objects.filter(round=budget_round, selected=True).values_list("title",
                                                                                  flat=True)),
        list(services.tally(budget_round).winners),
    )  # fmt: skip


def test_nothing_of_a_round_still_voting_is_purged(place: Place) -> None:
    budget_round = _round_with_votes_and_a_contact(place)
    set_periods("GM9999", {VOTING_CODES: 0, CONTACTS: 0})
    report = purge_personal_data(now=timezone.now() + FAR)
    assert (report.counts[VOTING_CODES], report.counts[CONTACTS]) == (0, 0)
    assert VotingCode.objects.filter(round=budget_round).count() == 3
    assert ResidentContact.objects.count() == 1
    assert Ballot.objects.filter(round=budget_round).count() == 3


def test_codes_and_contacts_go_after_the_round_closed_and_results_stay(place: Place) -> None:
    budget_round = _round_with_votes_and_a_contact(place)
    services.change_phase(budget_round.pk, "results", by=SYSTEM)
    before = _results(budget_round)
    assert before[1] == ["Bankje", "Bomen"]
    set_periods("GM9999", {VOTING_CODES: 30})
    closed = timezone.now()
    # Within the period (and the contacts' default of 365 days) nothing goes.
    assert purge_personal_data(now=closed + timedelta(days=29)).counts[VOTING_CODES] == 0
    dry = purge_personal_data(dry_run=True, now=closed + timedelta(days=31))
    assert dry.counts[VOTING_CODES] == 3 and VotingCode.objects.count() == 3
    report = purge_personal_data(now=closed + timedelta(days=31))
    assert (report.counts[VOTING_CODES], report.counts[CONTACTS]) == (3, 0)
    assert not VotingCode.objects.exists() and ResidentContact.objects.count() == 1
    run = PurgeRun.objects.get(purger=VOTING_CODES, dry_run=False, count=3)
    assert run.detail["municipalities"]["GM9999"] == {"days": 30, "count": 3,
                                                      "rounds": [budget_round.pk]}  # fmt: skip
    assert purge_personal_data(now=closed + timedelta(days=366)).counts[CONTACTS] == 1
    assert not ResidentContact.objects.exists()
    assert _results(budget_round) == before
    # The round moves on to execution: its results and ballots are still the same.
    services.change_phase(budget_round.pk, "execution", by=SYSTEM)
    assert _results(budget_round) == before


def test_initiative_contacts_go_only_after_it_is_finished(place: Place) -> None:
    def apply(title: str) -> int:
        initiative, _ = services.apply_initiative(
            InitiativeInput(area_code=place.buurt.code, title=title, description="D",
                            budget_asked=100, contact=ContactInput(email=f"{title}@example.org"))
        )  # fmt: skip
        services.assess_initiative(initiative.pk, criteria={}, advice="", by=SYSTEM)
        return initiative.pk

    refused, granted, reported = apply("nee"), apply("ja"), apply("klaar")
    services.decide_initiative(refused, decision="refused", reason="Commercieel", by=SYSTEM)
    services.decide_initiative(granted, decision="granted", reason="Mooi", by=SYSTEM)
    services.decide_initiative(reported, decision="granted", reason="Mooi", by=SYSTEM)
    services.record_payment(reported, amount=100, by=SYSTEM)
    services.record_report(reported, report="Gelukt", by=SYSTEM)
    set_periods("GM9999", {CONTACTS: 10})
    assert purge_personal_data(now=timezone.now() + timedelta(days=9)).counts[CONTACTS] == 0
    assert purge_personal_data(now=timezone.now() + timedelta(days=11)).counts[CONTACTS] == 2
    left = ResidentContact.objects.get()
    assert left.initiative_id == granted and left.email == "ja@example.org"
