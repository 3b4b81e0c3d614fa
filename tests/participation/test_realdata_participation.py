"""The 41 real Pabulib elections in ../shared/data/participatie: our winners equal pabutools'.

greedy = ``greedy_utilitarian_welfare`` and mes = ``method_of_equal_shares``, both with
``Cost_Sat`` and default (lexicographic) ties, compared in full on every file.

mes-complete = MES with add1 then greedy. pabutools' own loop reruns MES once per 1-unit step
(up to 843 reruns here, minutes in all), so it is compared in full where steps × voters is small,
and on every file its stopping point is checked with pabutools: MES at our final share gives our
MES winners within budget; it was exhaustive or one more step overspends; and pabutools' greedy
completion from there gives our winners.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from gebiedskompas.participation.domain.allocation import Profile, allocate
from gebiedskompas.participation.domain.allocation.base import Reason
from gebiedskompas.participation.domain.pabulib import read_pb

pytestmark = pytest.mark.realdata

FULL_COMPLETION_LIMIT = 20_000  # add1 steps × voters below which pabutools' own loop is run
FILES = [
    f"Netherlands_Amsterdam_{n}.pb.gz"
    for n in [
        "166",
        "179",
        "212",
        "252",
        "267",
        "285",
        "287",
        "288",
        "289",
        "304",
        "309",
        "324",
        "332",
        "335",
        "358",
        "417",
        "489",
        "490",
        "491",
        "492",
        "509",
        "515",
        "522",
        "523",
        "524",
        "525",
        "588",
        "604",
        "605",
        "613",
        "619",
        "621",
        "622",
        "628",
        "631",
        "643",
        "644",
        "645",
        "646",
        "647",
    ]
] + ["Netherlands_Assen_2024.pb.gz"]


def test_all_41_elections_are_listed(shared_data: Path) -> None:
    assert sorted(p.name for p in (shared_data / "participatie").glob("*.pb.gz")) == sorted(FILES)


@pytest.mark.parametrize("name", FILES)
def test_winners_equal_pabutools(shared_data: Path, name: str) -> None:
    from pabutools.election import Cost_Sat
    from pabutools.election.pabulib import parse_pabulib_from_string
    from pabutools.rules import BudgetAllocation, greedy_utilitarian_welfare, method_of_equal_shares
    from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme
    from pabutools.tiebreaking import lexico_tie_breaking

    path = shared_data / "participatie" / name
    instance, ballots = parse_pabulib_from_string(
        gzip.decompress(path.read_bytes()).decode("utf-8-sig")
    )
    sats = ballots.as_sat_profile(Cost_Sat)
    profile = Profile.from_election(read_pb(path))
    assert profile.voter_count == ballots.num_ballots()

    def names(allocation: object) -> set[str]:
        return {p.name for p in allocation}  # type: ignore[attr-defined]  # pabutools projects

    greedy = greedy_utilitarian_welfare(instance, ballots, sat_profile=sats, is_sat_additive=True)
    assert set(allocate("greedy", profile).winners) == names(greedy)

    mes = method_of_equal_shares(instance, ballots, sat_profile=sats)
    assert set(allocate("mes", profile).winners) == names(mes)

    ours = allocate("mes-complete", profile)
    steps = int(ours.parameters["add1_steps"])  # type: ignore[call-overload]  # an int
    if steps * profile.voter_count <= FULL_COMPLETION_LIMIT:
        from pabutools.rules import completion_by_rule_combination

        theirs = completion_by_rule_combination(
            instance,
            ballots,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
        )
        assert set(ours.winners) == names(theirs)

    def mes_at(step: int) -> BudgetAllocation:
        share = instance.budget_limit / ballots.num_ballots() + step
        return method_of_equal_shares_scheme(
            instance, ballots, sats, share, BudgetAllocation(), lexico_tie_breaking, binary_sat=True
        )

    kept = mes_at(steps)
    mes_phase = {p.project_id for p in ours.projects if p.reason is Reason.SELECTED}
    assert names(kept) == mes_phase
    assert instance.is_feasible(kept)
    candidates = [p for p in instance if p.cost > 0 and ballots.approval_score(p) > 0]
    assert instance.is_exhaustive(kept, available_projects=candidates) or not (
        instance.is_feasible(mes_at(steps + 1))
    )
    completed = greedy_utilitarian_welfare(
        instance, ballots, sat_profile=sats, is_sat_additive=True, initial_budget_allocation=kept
    )
    assert set(ours.winners) == names(completed)
    assert ours.cost <= profile.budget


def test_mes_phase_reproduces_the_published_assen_2024_selection(shared_data: Path) -> None:
    # Assen counted with equalshares/add1 (META rule) and published "selected" per project.
    # Our add1 phase gives exactly that set; the greedy completion then also funds RuBox
    # (12,000), which fits in the 23,300 Assen left unspent.
    election = read_pb(shared_data / "participatie" / "Netherlands_Assen_2024.pb.gz")
    published = {p.project_id for p in election.projects if p.fields["selected"] == "1"}

    result = allocate("mes-complete", Profile.from_election(election))

    assert {p.project_id for p in result.projects if p.reason is Reason.SELECTED} == published
    assert set(result.winners) - published == {"7"}
