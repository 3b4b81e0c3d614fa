"""Allocation rules on elections small enough to work by hand, plus agreement with pabutools."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gebiedskompas.participation.domain.allocation import RULES, Profile, allocate
from gebiedskompas.participation.domain.allocation.base import Reason

pytestmark = pytest.mark.unit

SETTINGS = settings(derandomize=True, max_examples=60, deadline=None)

# Aarau-style: 6 voters want A, B and C; 4 want D. Budget 300, every project 100, so each
# voter's equal share is 30: the majority holds 180, the minority 120.
AARAU = Profile.from_ballots(
    {"A": 100, "B": 100, "C": 100, "D": 100}, 300, [["A", "B", "C"]] * 6 + [["D"]] * 4
)


def test_registry_holds_the_three_rules_under_their_cli_keys() -> None:
    assert sorted(RULES) == ["greedy", "mes", "mes-complete"]


def test_greedy_lets_the_majority_take_the_whole_budget() -> None:
    result = allocate("greedy", AARAU)

    assert result.winners == ("A", "B", "C")
    assert result.cost == Decimal(300)
    assert result.outcome("D").reason is Reason.DOES_NOT_FIT
    assert result.outcome("D").budget_left_at_turn == Decimal(0)


def test_mes_gives_the_minority_its_share() -> None:
    # A, B, C tie at rho 1/6 (100 / 6 supporters / cost 100); A wins on id. Each majority voter
    # pays 16.67 and keeps 13.33: 80 together, too little for B or C. D's 4 voters pay 25 each.
    result = allocate("mes", AARAU)

    assert result.winners == ("A", "D")
    assert result.cost == Decimal(200)
    a, b, d = result.outcome("A"), result.outcome("B"), result.outcome("D")
    assert a.rho == pytest.approx(1 / 6)
    assert a.price_per_supporter == pytest.approx(100 / 6)
    assert a.share_used == pytest.approx(100 / 180)
    assert b.reason is Reason.SUPPORTERS_SHARE_TOO_SMALL
    assert b.supporters_money_left == pytest.approx(80)
    assert d.price_per_supporter == pytest.approx(25)
    assert d.share_used == pytest.approx(100 / 120)


def test_mes_complete_raises_shares_until_the_budget_is_used() -> None:
    # Share 30 + k: B becomes affordable once the majority keeps 6 × (30 + k) − 100 ≥ 100, i.e.
    # k = 4 (share 34); then A, B and D cost exactly 300: feasible and nothing else fits.
    result = allocate("mes-complete", AARAU)

    assert set(result.winners) == {"A", "B", "D"}
    assert result.cost == Decimal(300)
    assert result.parameters["add1_steps"] == 4
    assert result.parameters["share_per_voter"] == Decimal(34)


def test_mes_complete_fills_leftover_greedily_when_add1_cannot() -> None:
    # X (cost 50) has 3 of 4 voters; Y (cost 60) has 1. MES: X at 12.5 each fits the 25 shares;
    # Y's one supporter holds 25 < 60 until the share reaches 60, when X + Y = 110 > 100. So add1
    # keeps {X}; greedy then adds Z (cost 40, no votes) which fits the 50 left. Y never fits.
    profile = Profile.from_ballots({"X": 50, "Y": 60, "Z": 40}, 100, [["X"], ["X"], ["X"], ["Y"]])

    result = allocate("mes-complete", profile)

    assert result.winners == ("X", "Z")
    assert result.outcome("Z").reason is Reason.SELECTED_IN_COMPLETION
    assert allocate("mes", profile).winners == ("X",)


def test_ties_are_broken_by_project_id_as_text() -> None:
    # "10" sorts before "9" as text, as pabutools' lexicographic tie-breaking does.
    profile = Profile.from_ballots({"9": 100, "10": 100}, 100, [["9", "10"]] * 2)

    for method in RULES:
        assert allocate(method, profile).winners == ("10",), method


def test_free_projects_satisfy_no_one_so_only_greedy_and_completion_fund_them() -> None:
    # Cost satisfaction of a free project is 0: greedy ranks it with the unvoted (by id) and
    # funds it since it fits; MES never does; mes-complete adds it in the greedy completion.
    profile = Profile.from_ballots({"F": 0, "N": 0, "P": 100}, 100, [["F", "P"], ["P"]])

    assert allocate("greedy", profile).winners == ("P", "F", "N")
    assert allocate("mes", profile).winners == ("P",)
    assert allocate("mes", profile).outcome("F").reason is Reason.NO_SUPPORT
    assert allocate("mes-complete", profile).winners == ("P", "F", "N")


def test_election_without_ballots_funds_nothing_under_mes() -> None:
    profile = Profile.from_ballots({"A": 10}, 100, [])

    assert allocate("mes", profile).winners == ()
    assert allocate("greedy", profile).winners == ("A",)


def test_summary_is_the_cli_json_shape() -> None:
    assert allocate("mes", AARAU).summary() == {
        "method": "mes",
        "budget": 300,
        "winners": ["A", "D"],
        "cost": 200,
    }


def test_result_carries_its_inputs() -> None:
    result = allocate("mes", AARAU)

    assert result.profile is AARAU
    assert result.parameters["satisfaction"] == "cost"
    assert result.parameters["share_per_voter"] == Decimal(30)


@st.composite
def elections(draw: st.DrawFn) -> Profile:
    n_projects = draw(st.integers(1, 7))
    ids = [str(draw(st.integers(1, 30))) for _ in range(n_projects)]
    ids = list(dict.fromkeys(ids))
    # Few distinct costs and voters make ties likely, which is where rules differ most easily.
    costs = {pid: draw(st.sampled_from([0, 10, 20, 30, 50, 60])) for pid in ids}
    budget = draw(st.sampled_from([30, 60, 100, 150]))
    ballots = draw(
        st.lists(st.lists(st.sampled_from(ids), max_size=len(ids), unique=True), max_size=12)
    )
    return Profile.from_ballots(dict(costs), budget, ballots)


def _pabutools(profile: Profile, method: str) -> set[str]:
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    projects = {
        pid: Project(pid, int(cost))
        for pid, cost in zip(profile.project_ids, profile.costs, strict=True)
    }
    instance = Instance(projects.values(), budget_limit=int(profile.budget))
    ballots = ApprovalProfile(
        [
            ApprovalBallot(
                projects[pid] for pid, named in zip(profile.project_ids, row, strict=True) if named
            )
            for row in profile.approvals
        ]
    )
    if method == "greedy":
        result = greedy_utilitarian_welfare(instance, ballots, sat_class=Cost_Sat)
    elif method == "mes":
        result = method_of_equal_shares(instance, ballots, sat_class=Cost_Sat)
    else:
        result = completion_by_rule_combination(
            instance,
            ballots,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
        )
    return {p.name for p in result}


@pytest.mark.parametrize("method", sorted(RULES))
@SETTINGS
@given(profile=elections())
def test_winners_equal_pabutools_on_small_elections(method: str, profile: Profile) -> None:
    assert set(allocate(method, profile).winners) == _pabutools(profile, method)


@pytest.mark.parametrize("method", sorted(RULES))
@SETTINGS
@given(profile=elections())
def test_allocation_stays_within_budget(method: str, profile: Profile) -> None:
    result = allocate(method, profile)

    assert result.cost <= profile.budget
    assert len(set(result.winners)) == len(result.winners)
    assert {p.project_id for p in result.projects if p.selected} == set(result.winners)


@pytest.mark.parametrize("n_projects", [5, 70], ids=["one-word-key", "wide-ballots"])
def test_identical_ballots_form_one_voter_group(n_projects: int) -> None:
    from gebiedskompas.participation.domain.allocation.mes import VoterGroups

    ids = {str(i): 10 for i in range(n_projects)}
    last = str(n_projects - 1)
    profile = Profile.from_ballots(ids, 100, [["0", last], [last, "0"], ["1"], ["0", last]])

    groups = VoterGroups.of(profile.approvals)

    assert sorted(groups.counts.tolist()) == [1.0, 3.0]
    assert groups.support[0] == 3 and groups.support[int(last)] == 3


# --- points and ranking ballots ---------------------------------------------------------------


def test_points_count_with_their_weight_not_as_approval() -> None:
    # Approval-wise A and B tie (two voters each) and only one fits; by points B wins 9 to 2.
    costs = {"A": 60, "B": 60}
    ballots = [{"A": 1, "B": 4}, {"A": 1, "B": 5}]
    profile = Profile.from_points(costs, 100, ballots)
    assert [o.score for o in allocate("greedy", profile).projects] == [2.0, 9.0]
    assert allocate("greedy", profile).winners == ("B",)
    assert allocate("mes", profile).winners == ("B",)
    named = Profile.from_ballots(costs, 100, [["A", "B"], ["A", "B"]])
    assert allocate("greedy", named).winners == ("A",)  # as approval: a tie, broken by id


def test_a_ranking_counts_borda_points_from_the_favourite_down() -> None:
    profile = Profile.from_rankings({"A": 50, "B": 50, "C": 50}, 50, [["C", "A"], ["A"]])
    # C: first of 3 on one ballot (3); A: second (2) and first (3); B: unranked (0).
    assert [o.score for o in allocate("greedy", profile).projects] == [5.0, 0.0, 3.0]
    assert allocate("greedy", profile).winners == ("A",)
    assert allocate("mes", profile).parameters["satisfaction"] == "borda"


@st.composite
def point_elections(draw: st.DrawFn) -> Profile:
    n_projects = draw(st.integers(1, 6))
    ids = list(dict.fromkeys(str(draw(st.integers(1, 30))) for _ in range(n_projects)))
    costs = {pid: draw(st.sampled_from([10, 20, 30, 50, 60])) for pid in ids}
    budget = draw(st.sampled_from([30, 60, 100, 150]))
    ballots = draw(
        st.lists(
            st.dictionaries(st.sampled_from(ids), st.integers(0, 4), max_size=len(ids)),
            max_size=10,
        )
    )
    return Profile.from_points(costs, budget, ballots)


@st.composite
def ranked_elections(draw: st.DrawFn) -> Profile:
    n_projects = draw(st.integers(1, 6))
    ids = list(dict.fromkeys(str(draw(st.integers(1, 30))) for _ in range(n_projects)))
    costs = {pid: draw(st.sampled_from([10, 20, 30, 50, 60])) for pid in ids}
    budget = draw(st.sampled_from([30, 60, 100, 150]))
    rankings = draw(
        st.lists(st.lists(st.sampled_from(ids), max_size=len(ids), unique=True), max_size=10)
    )
    return Profile.from_rankings(costs, budget, rankings)


def _pabutools_scored(profile: Profile, method: str) -> set[str]:
    """pabutools' rules on the same ballots: MES with Additive_Cardinal_Sat (points) or our
    Borda as a PositionalSatisfaction; greedy with those satisfactions times the cost."""
    from pabutools.election import (
        Additive_Cardinal_Sat,
        CumulativeBallot,
        CumulativeProfile,
        Instance,
        OrdinalBallot,
        OrdinalProfile,
        Project,
    )
    from pabutools.election.satisfaction import AdditiveSatisfaction, PositionalSatisfaction
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    assert profile.scores is not None
    projects = {
        pid: Project(pid, int(cost))
        for pid, cost in zip(profile.project_ids, profile.costs, strict=True)
    }
    instance = Instance(projects.values(), budget_limit=int(profile.budget))
    m = len(projects)
    ballots: object
    if profile.satisfaction == "points":
        ballots = CumulativeProfile(
            [
                CumulativeBallot(
                    {
                        projects[pid]: int(s)
                        for pid, s in zip(profile.project_ids, row, strict=True)
                        if s > 0
                    }
                )
                for row in profile.scores
            ]
        )

        def points_cost(inst: object, prof: object, ballot: object, project: object,
                        pre: dict[str, object]) -> object:  # fmt: skip
            return ballot.get(project, 0) * project.cost  # type: ignore[attr-defined]

        class ByMes(Additive_Cardinal_Sat):  # type: ignore[misc]  # pabutools is untyped
            pass

        class ByGreedy(AdditiveSatisfaction):  # type: ignore[misc]  # pabutools is untyped
            def __init__(self, instance: object, profile: object, ballot: object) -> None:
                super().__init__(instance, profile, ballot, points_cost)

    else:
        order = [
            [
                pid
                for _, pid in sorted(
                    (-s, pid) for pid, s in zip(profile.project_ids, row, strict=True) if s
                )
            ]
            for row in profile.scores
        ]
        ballots = OrdinalProfile([OrdinalBallot([projects[p] for p in r]) for r in order])

        def borda(ballot: object, project: object) -> int:
            return m - ballot.position(project) if project in ballot else 0  # type: ignore[attr-defined,operator]

        class ByMes(PositionalSatisfaction):  # type: ignore[no-redef,misc]  # pabutools untyped
            def __init__(self, instance: object, profile: object, ballot: object) -> None:
                super().__init__(instance, profile, ballot, borda, sum)

        class ByGreedy(PositionalSatisfaction):  # type: ignore[no-redef,misc]  # pabutools untyped
            def __init__(self, instance: object, profile: object, ballot: object) -> None:
                super().__init__(instance, profile, ballot, lambda b, p: borda(b, p) * p.cost, sum)

    if method == "greedy":
        result = greedy_utilitarian_welfare(instance, ballots, sat_class=ByGreedy)
    elif method == "mes":
        result = method_of_equal_shares(instance, ballots, sat_class=ByMes)
    else:
        result = completion_by_rule_combination(
            instance,
            ballots,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": ByMes, "voter_budget_increment": 1}, {"sat_class": ByGreedy}],
        )
    return {p.name for p in result}


@pytest.mark.parametrize("method", sorted(RULES))
@SETTINGS
@given(profile=point_elections())
def test_points_ballots_agree_with_pabutools(method: str, profile: Profile) -> None:
    result = allocate(method, profile)
    assert set(result.winners) == _pabutools_scored(profile, method)
    assert result.cost <= profile.budget


@pytest.mark.parametrize("method", sorted(RULES))
@SETTINGS
@given(profile=ranked_elections())
def test_ranking_ballots_agree_with_pabutools(method: str, profile: Profile) -> None:
    result = allocate(method, profile)
    assert set(result.winners) == _pabutools_scored(profile, method)
    assert result.cost <= profile.budget
