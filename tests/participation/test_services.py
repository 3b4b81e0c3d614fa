"""Budget rounds through the services: phases, checks, codes, ballots, results, initiatives."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from gebiedskompas.core.errors import InputError, KompasError, PermissionDenied
from gebiedskompas.ops.retention import purge_personal_data
from gebiedskompas.participation import selectors, services
from gebiedskompas.participation.domain.allocation.base import Reason
from gebiedskompas.participation.models import Ballot, Idea, Initiative, ResidentContact, VotingCode
from gebiedskompas.participation.services import (
    SYSTEM,
    BallotError,
    ContactInput,
    InitiativeInput,
    PhaseError,
    RoundInput,
    StatusError,
)
from tests.accounts.helpers import user_with
from tests.participation.conftest import Place, ready_round, register_csv

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _approve(ready, *titles: str) -> list[tuple[str, int]]:
    return [(ready.ids[t], 1) for t in titles]


def test_a_code_votes_once_and_the_ballot_is_stored_without_it(place: Place) -> None:
    ready = ready_round(place)
    code = ready.codes[0]
    assert services.cast_ballot(ready.round.pk, code, _approve(ready, "Bankje")).changed is False
    with pytest.raises(BallotError, match="al gestemd") as refused:
        services.cast_ballot(ready.round.pk, code, _approve(ready, "Bomen"))
    assert refused.value.reason == "used_code"
    assert Ballot.objects.count() == 1
    assert Ballot.objects.get().choices == [[ready.ids["Bankje"], 1]]
    assert VotingCode.objects.filter(is_used=True).count() == 1
    # Entering the code with spaces or lower case is the same code.
    with pytest.raises(BallotError, match="al gestemd"):
        services.cast_ballot(
            ready.round.pk, code.lower().replace("-", " "), _approve(ready, "Bomen")
        )


@pytest.mark.parametrize(
    ("rules", "choices", "reason", "message"),
    [
        ({"ballot_type": "knapsack"}, ("Speeltuin", "Bomen", "Bankje"), "over_budget",
         "cost 1300.00, more than the budget of 1000"),
        ({"max_choices": 2}, ("Speeltuin", "Bomen", "Bankje"), "too_many", "choose at most 2"),
        ({"min_choices": 2}, ("Bomen",), "too_few", "choose at least 2"),
        ({}, (), "empty", "names no idea"),
    ],
    ids=["knapsack-over-budget", "too-many-choices", "too-few-choices", "empty"],
)  # fmt: skip
def test_a_ballot_breaking_the_rules_is_refused_and_the_code_stays_unused(
    place: Place, rules: dict, choices: tuple[str, ...], reason: str, message: str
) -> None:
    ready = ready_round(place, **rules)
    with pytest.raises(BallotError, match=message) as refused:
        services.cast_ballot(ready.round.pk, ready.codes[0], _approve(ready, *choices))
    assert refused.value.reason == reason
    assert Ballot.objects.count() == 0 and not VotingCode.objects.filter(is_used=True).exists()


def test_an_unknown_idea_an_unknown_code_and_a_closed_round_are_refused(place: Place) -> None:
    ready = ready_round(place)
    with pytest.raises(BallotError, match="not on this ballot"):
        services.cast_ballot(ready.round.pk, ready.codes[0], [("999999", 1)])
    with pytest.raises(BallotError, match="kennen wij niet"):
        services.cast_ballot(ready.round.pk, "AAAA-BBBB-CCCC", _approve(ready, "Bomen"))
    services.change_phase(ready.round.pk, "results", by=SYSTEM)
    with pytest.raises(BallotError, match="niet open") as refused:
        services.cast_ballot(ready.round.pk, ready.codes[1], _approve(ready, "Bomen"))
    assert refused.value.reason == "closed"


def test_cumulative_points_are_limited(place: Place) -> None:
    ready = ready_round(place, ballot_type="cumulative", points=5)
    ids = ready.ids
    with pytest.raises(BallotError, match="6 points given; at most 5"):
        services.cast_ballot(
            ready.round.pk, ready.codes[0], [(ids["Bomen"], 4), (ids["Bankje"], 2)]
        )
    services.cast_ballot(ready.round.pk, ready.codes[0], [(ids["Bomen"], 4), (ids["Bankje"], 0)])
    assert Ballot.objects.get().choices == [[ids["Bomen"], 4]]


def test_a_ranking_is_stored_best_first(place: Place) -> None:
    ready = ready_round(place, ballot_type="ranking")
    ids = ready.ids
    services.cast_ballot(ready.round.pk, ready.codes[0], [(ids["Bomen"], 2), (ids["Bankje"], 1)])
    assert Ballot.objects.get().choices == [[ids["Bankje"], 1], [ids["Bomen"], 2]]


def test_a_voter_changes_their_ballot_only_where_the_rules_allow(place: Place) -> None:
    ready = ready_round(place, may_change_ballot=True)
    code = ready.codes[0]
    services.cast_ballot(ready.round.pk, code, _approve(ready, "Bankje"))
    services.cast_ballot(ready.round.pk, ready.codes[1], _approve(ready, "Bankje"))
    assert services.cast_ballot(ready.round.pk, code, _approve(ready, "Bomen")).changed
    assert sorted(b[0][0] for b in Ballot.objects.values_list("choices", flat=True)) == sorted(
        [ready.ids["Bomen"], ready.ids["Bankje"]]
    )
    assert Ballot.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_with_one_code_count_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises whole-database writes)")
    from tests.participation.conftest import build_place

    ready = ready_round(build_place())
    outcomes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        try:
            barrier.wait()
            services.cast_ballot(ready.round.pk, ready.codes[0], _approve(ready, "Bomen"))
            outcomes.append("counted")
        except BallotError as exc:
            outcomes.append(exc.reason)
        except BaseException as exc:  # noqa: BLE001  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(outcomes) == ["counted"] + ["used_code"] * 7
    assert Ballot.objects.filter(round=ready.round).count() == 1


def test_phase_moves_follow_the_table(place: Place) -> None:
    ready = ready_round(place)
    with pytest.raises(PhaseError, match="cannot move to ideas; allowed: results"):
        services.change_phase(ready.round.pk, "ideas", by=SYSTEM)
    with pytest.raises(PhaseError, match="'klaar' is not a valid Phase"):
        services.change_phase(ready.round.pk, "klaar", by=SYSTEM)


def test_voting_needs_every_idea_checked_and_a_rejection_needs_a_public_reason(
    place: Place,
) -> None:
    budget_round = services.create_round(
        RoundInput(area_code=place.wijk.code, name="R", budget=500), by=SYSTEM
    )
    with pytest.raises(PhaseError, match="geen ideeën aan"):
        services.submit_idea(budget_round.pk, title="Te vroeg")
    services.change_phase(budget_round.pk, "ideas", by=SYSTEM)
    idea = services.submit_idea(
        budget_round.pk, title="Zwembad", contact=ContactInput(name="An", email="an@example.org")
    )
    services.change_phase(budget_round.pk, "check", by=SYSTEM)
    with pytest.raises(PhaseError, match="1 idee"):
        services.change_phase(budget_round.pk, "voting", by=SYSTEM)
    with pytest.raises(KompasError, match="openbare reden"):
        services.check_idea(idea.pk, feasible=False, by=SYSTEM)
    with pytest.raises(KompasError, match="hoger dan het hele budget"):
        services.check_idea(idea.pk, feasible=True, cost=900, by=SYSTEM)
    services.check_idea(idea.pk, feasible=False, public_reason="Te duur voor dit budget", by=SYSTEM)
    with pytest.raises(PhaseError, match="geen enkel idee"):
        services.change_phase(budget_round.pk, "voting", by=SYSTEM)
    assert Idea.objects.get().public_reason == "Te duur voor dit budget"
    assert ResidentContact.objects.get().idea_id == idea.pk


def test_checking_ideas_needs_the_right_in_the_rounds_area(place: Place) -> None:
    ready = ready_round(place)
    outsider = user_with("gebiedsverbinder", place.other_buurt.parent, username="elders")
    with pytest.raises(PermissionDenied):
        services.change_phase(ready.round.pk, "results", by=outsider)
    insider = user_with("gebiedsverbinder", place.wijk, username="hier")
    assert services.change_phase(ready.round.pk, "results", by=insider).phase == "results"


def test_the_register_makes_one_code_per_eligible_person_and_is_idempotent(
    place: Place,
) -> None:
    ready = ready_round(place, voters=0, min_age=16)
    text = (
        "adres;postcode;gebied;geboortedatum\n"
        "Dorpsstraat 1;1234 AB;BU99990101;1980-01-01\n"
        "Dorpsstraat 2;1234 AB;BU99990201;1980-01-01\n"  # the other wijk
        f"Dorpsstraat 3;1234 AB;BU99990101;{date.today().year - 10}-01-01\n"  # too young
        "Dorpsstraat 4;1234AB;WK999901;2000-05-05\n"
    ).encode()
    first = services.import_register(ready.round.pk, text, by=SYSTEM, file="adressen.csv")
    assert (first.new, first.unchanged, first.not_eligible) == (2, 0, 2)
    again = services.import_register(ready.round.pk, text, by=SYSTEM, file="adressen.csv")
    assert (again.new, again.unchanged, again.letters) == (0, 2, [])
    assert VotingCode.objects.count() == 2
    codes = [code for _, _, code in first.letters]
    hashes = {services.code_hash(ready.round.pk, c) for c in codes}
    assert all(len(c) == 14 for c in codes)
    assert set(VotingCode.objects.values_list("code_hash", flat=True)) == hashes
    assert not VotingCode.objects.filter(code_hash__in=codes).exists()  # stored hashed only


def test_a_malformed_register_names_every_bad_row_and_writes_nothing(place: Place) -> None:
    ready = ready_round(place, voters=0, min_age=18)
    text = (
        b"adres;postcode;gebied;geboortedatum\n"
        b"Dorpsstraat 1;1234 AB;BU99990101;1980-01-01\n"
        b";1234 AB;BU99990101;1980-01-01\n"
        b"Dorpsstraat 3;1234 AB;BU00000000;1980-01-01\n"
        b"Dorpsstraat 4;1234 AB;BU99990101;vorig jaar\n"
    )
    with pytest.raises(InputError) as bad:
        services.import_register(ready.round.pk, text, by=SYSTEM, file="adressen.csv")
    text_of = str(bad.value)
    assert "adressen.csv, row 3, column adres: empty address" in text_of
    assert "adressen.csv, row 4, column gebied: unknown area code" in text_of
    assert "adressen.csv, row 5, column geboortedatum: not a date" in text_of
    assert VotingCode.objects.count() == 0
    with pytest.raises(InputError, match="row 1: missing column.s. geboortedatum"):
        services.import_register(ready.round.pk, b"adres;postcode;gebied\n", by=SYSTEM)


def test_results_explain_why_each_idea_won_or_lost(place: Place) -> None:
    """Aarau-like: 3 of 5 voters want Bankje (300) and Speeltuin (600), 2 want Bomen (400).

    Greedy by votes funds Bankje and Speeltuin (3 votes each): the majority takes 900 of 1000 and
    Bomen no longer fits. MES gives each voter 200: the three hold 600, the two 400. Bankje and
    Speeltuin both cost their supporters 1/3 per unit; the tie goes to Bankje (smaller id), which
    leaves the three 100 each, too little for Speeltuin; the two pay Bomen with their 400.
    """
    ready = ready_round(place, method="mes")
    for code in ready.codes[:3]:
        services.cast_ballot(ready.round.pk, code, _approve(ready, "Bankje", "Speeltuin"))
    for code in ready.codes[3:]:
        services.cast_ballot(ready.round.pk, code, _approve(ready, "Bomen"))
    services.change_phase(ready.round.pk, "results", by=SYSTEM)
    found = selectors.results(ready.round)
    by_title = {r.idea.title: r for r in found.rows}
    assert found.voters == 5 and found.share_per_voter == Decimal("200.00")
    assert found.greedy_differs
    assert by_title["Bankje"].outcome.selected and by_title["Bankje"].share_used_percent == 50.0
    assert by_title["Bomen"].outcome.selected and by_title["Bomen"].share_used_percent == 100.0
    lost = by_title["Speeltuin"]
    assert not lost.outcome.selected and lost.selected_by_greedy
    assert lost.outcome.reason == Reason.SUPPORTERS_SHARE_TOO_SMALL
    assert lost.supporters_money_left == Decimal("300")
    assert not by_title["Bomen"].selected_by_greedy
    assert set(Idea.objects.filter(selected=True).values_list("title", flat=True)) == {
        "Bankje", "Bomen"
    }  # fmt: skip


def test_ties_are_broken_by_the_smaller_project_id_as_text(place: Place) -> None:
    ready = ready_round(place, costs={"A": 600, "B": 600}, voters=2, method="greedy")
    services.cast_ballot(ready.round.pk, ready.codes[0], _approve(ready, "A"))
    services.cast_ballot(ready.round.pk, ready.codes[1], _approve(ready, "B"))
    winner = min(ready.ids.values())  # as text
    assert services.tally(ready.round).winners == (winner,)


def test_an_initiative_goes_from_application_to_report(place: Place) -> None:
    verbinder = user_with("gebiedsverbinder", place.wijk, username="verbinder")
    initiative, token = services.apply_initiative(
        InitiativeInput(
            area_code=place.buurt.code, title="Straatfeest", description="Een feest",
            budget_asked="750", participants="12 buren",
            contact=ContactInput(name="Bea", email="bea@example.org"), idempotency_key="k1",
        )
    )  # fmt: skip
    assert services.apply_initiative(
        InitiativeInput(area_code=place.buurt.code, title="x", description="y", budget_asked=1,
                        idempotency_key="k1")
    ) == (initiative, "")  # fmt: skip
    assert services.initiative_by_token(token) == initiative
    with pytest.raises(StatusError, match="cannot become paid"):
        services.record_payment(initiative.pk, amount=1, by=verbinder)
    services.assess_initiative(
        initiative.pk, criteria={"support_in_area": True}, advice="Goed plan", by=verbinder
    )
    with pytest.raises(KompasError, match="tussen 0 en het gevraagde"):
        services.decide_initiative(
            initiative.pk, decision="partly_granted", amount=900, reason="x", by=verbinder
        )
    services.decide_initiative(
        initiative.pk, decision="partly_granted", amount=500, reason="Geen podium", by=verbinder
    )
    services.record_payment(initiative.pk, amount=500, by=verbinder)
    done = services.record_report(initiative.pk, report="Veertig buren kwamen.", by=verbinder)
    assert (done.status, done.amount_granted, done.amount_paid) == (
        "reported", Decimal("500.00"), Decimal("500.00")
    )  # fmt: skip
    assert done.history.count() == 5
    outsider = user_with("gebiedsverbinder", place.other_buurt.parent, username="elders")
    with pytest.raises(PermissionDenied):
        services.assess_initiative(initiative.pk, criteria={}, advice="", by=outsider)


def test_a_refusal_needs_a_reason_and_contacts_are_purged_after_retention(place: Place) -> None:
    initiative, _ = services.apply_initiative(
        InitiativeInput(area_code=place.buurt.code, title="T", description="D", budget_asked=10,
                        contact=ContactInput(email="x@example.org"))
    )  # fmt: skip
    services.assess_initiative(initiative.pk, criteria={}, advice="", by=SYSTEM)
    with pytest.raises(KompasError, match="motiveer"):
        services.decide_initiative(initiative.pk, decision="refused", reason=" ", by=SYSTEM)
    services.decide_initiative(initiative.pk, decision="refused", reason="Commercieel", by=SYSTEM)
    contacts = "participation.contacts"
    assert purge_personal_data(now=timezone.now() + timedelta(days=364)).counts[contacts] == 0
    assert purge_personal_data(now=timezone.now() + timedelta(days=366)).counts[contacts] == 1
    assert Initiative.objects.filter(pk=initiative.pk).exists()
    assert not ResidentContact.objects.exists()


def test_codes_for_another_register_row_are_distinct(place: Place) -> None:
    ready = ready_round(place, voters=0)
    result = services.import_register(ready.round.pk, register_csv(50), by=SYSTEM)
    assert len({c for _, _, c in result.letters}) == 50


def test_a_granted_initiative_and_the_winning_ideas_land_in_the_area_plan(place: Place) -> None:
    from gebiedskompas.cycle import services as cycle_services

    verbinder = user_with("gebiedsverbinder", place.wijk, username="verbinder")
    cycle_services.create_plan(place.wijk.code, timezone.localdate().year, by=verbinder)
    initiative, _ = services.apply_initiative(
        InitiativeInput(area_code=place.wijk.code, title="Moestuin", description="Samen",
                        budget_asked=900)
    )  # fmt: skip
    services.assess_initiative(initiative.pk, criteria={}, advice="", by=verbinder)
    granted = services.decide_initiative(
        initiative.pk, decision="granted", reason="Goed plan", by=verbinder
    )
    assert granted.action is not None
    assert (granted.action.title, granted.action.budget_planned) == (
        "Bewonersinitiatief: Moestuin", Decimal("900.00")
    )  # fmt: skip
    ready = ready_round(place, costs={"Bankje": 300}, voters=1)
    services.cast_ballot(ready.round.pk, ready.codes[0], _approve(ready, "Bankje"))
    services.change_phase(ready.round.pk, "results", by=verbinder)
    services.change_phase(ready.round.pk, "execution", by=verbinder)
    idea = Idea.objects.get(round=ready.round)
    assert idea.action is not None and idea.action.budget_planned == Decimal("300.00")
    assert idea.action.plan.area == place.wijk


def test_a_points_round_is_counted_by_points_and_a_ranking_round_by_borda(place: Place) -> None:
    # Two voters: one puts everything on Speeltuin (600), one spreads over Bankje and Bomen.
    # As approval Bankje and Bomen (1 vote each, 700) would tie with Speeltuin; points decide.
    points = ready_round(place, ballot_type="cumulative", points=10, method="greedy", voters=2)
    ids = points.ids
    services.cast_ballot(points.round.pk, points.codes[0], [(ids["Speeltuin"], 10)])
    services.cast_ballot(points.round.pk, points.codes[1], [(ids["Bankje"], 4), (ids["Bomen"], 3)])
    result = services.tally(points.round)
    assert result.parameters["satisfaction"] == "points"
    assert result.winners[0] == ids["Speeltuin"]  # 10 points against 4 and 3
    assert result.outcome(ids["Bankje"]).score == 4.0

    ranked = ready_round(place, ballot_type="ranking", method="greedy", voters=2)
    rid = ranked.ids
    # Bomen: 2nd and 1st of 3 → 2 + 3; Speeltuin: 1st once → 3; Bankje: 3rd once → 1.
    first = [(rid["Speeltuin"], 1), (rid["Bomen"], 2), (rid["Bankje"], 3)]
    services.cast_ballot(ranked.round.pk, ranked.codes[0], first)
    services.cast_ballot(ranked.round.pk, ranked.codes[1], [(rid["Bomen"], 1)])
    counted = services.tally(ranked.round)
    assert [counted.outcome(rid[t]).score for t in ("Bomen", "Speeltuin", "Bankje")] == [
        5.0, 3.0, 1.0
    ]  # fmt: skip
    assert counted.winners == (rid["Bomen"], rid["Speeltuin"])  # 400 + 600; Bankje no longer fits
    services.change_phase(ranked.round.pk, "results", by=SYSTEM)
    from django.test import Client

    page = Client().get(f"/buurtbegroting/{ranked.round.pk}/uitslag/").content.decode()
    assert "5 punten" in page and "uw favoriet krijgt 3 punten" in page
