"""The demo's budget rounds and initiatives: deterministic, idempotent, usable."""

from __future__ import annotations

import pytest

from gebiedskompas.participation import services
from gebiedskompas.participation.demo import BALLOTS, build_participation_demo, demo_code
from gebiedskompas.participation.models import Ballot, BudgetRound, Initiative
from tests.participation.conftest import Place

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_the_demo_builds_two_rounds_and_two_initiatives_once(place: Place) -> None:
    first = build_participation_demo(place.gemeente, seed=2026)
    assert (first.rounds_created, first.initiatives_created) == (2, 2)
    again = build_participation_demo(place.gemeente, seed=2026)
    assert (again.rounds_created, again.initiatives_created) == (0, 0)
    last_year, this_year = BudgetRound.objects.order_by("name")
    assert (last_year.phase, this_year.phase) == ("results", "voting")
    assert Ballot.objects.filter(round=this_year).count() == BALLOTS
    assert last_year.ideas.filter(selected=True).exists()
    assert sorted(Initiative.objects.values_list("status", flat=True)) == [
        "reported", "submitted"
    ]  # fmt: skip
    # The first demo codes are left unused for visitors to try.
    ideas = this_year.ideas.filter(status="accepted")
    services.cast_ballot(this_year.pk, demo_code(2026, 2, 0), [(ideas[0].pb_id, 1)])
    assert Ballot.objects.filter(round=this_year).count() == BALLOTS + 1


def _ballots_by_title() -> list[tuple[str, ...]]:
    titles = {i.pb_id: i.title for r in BudgetRound.objects.all() for i in r.ideas.all()}
    return sorted(
        tuple(sorted(titles[p] for p, _ in choices))
        for choices in Ballot.objects.values_list("choices", flat=True)
    )


def test_demo_ballots_follow_the_seed(place: Place) -> None:
    build_participation_demo(place.gemeente, seed=7)
    first = _ballots_by_title()
    BudgetRound.objects.all().delete()
    Initiative.objects.all().delete()
    build_participation_demo(place.gemeente, seed=7)
    assert _ballots_by_title() == first
    BudgetRound.objects.all().delete()
    Initiative.objects.all().delete()
    build_participation_demo(place.gemeente, seed=8)
    assert _ballots_by_title() != first
