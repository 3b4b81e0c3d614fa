"""Reading and writing Pabulib ``.pb`` files: every vote type, round trips, malformed files."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import pytest

from gebiedskompas.core.errors import InputError, KompasError
from gebiedskompas.participation.domain.pabulib import (
    PbVote,
    VoteType,
    format_pb,
    parse_pb,
    read_pb,
    write_pb,
)

pytestmark = pytest.mark.unit

APPROVAL = """META
key;value
description;"Buurtbudget; proef"
budget;1000
vote_type;approval
PROJECTS
project_id;cost;votes;name
1;600;2;"Bank ""Rust""; hout"
2;400;2;Moestuin
10;300;1;Speeltuin
VOTES
voter_id;vote;age
a7;1,2;34
b9;2,10;
c3;1;71
"""


def _with(vote_type: str, votes: str, header: str = "voter_id;vote;points") -> str:
    head, _ = APPROVAL.split("VOTES\n")
    return head.replace("approval", vote_type) + f"VOTES\n{header}\n{votes}"


def test_approval_file_reads_meta_projects_and_votes_with_quoted_fields() -> None:
    election = parse_pb(APPROVAL)

    assert election.meta["description"] == "Buurtbudget; proef"
    assert election.budget == Decimal(1000)
    assert election.vote_type is VoteType.APPROVAL
    assert [p.project_id for p in election.projects] == ["1", "2", "10"]
    assert election.projects[0].cost == Decimal(600)
    assert election.projects[0].fields["name"] == 'Bank "Rust"; hout'
    assert election.votes[1] == PbVote("b9", ("2", "10"), None, {"age": ""})


@pytest.mark.parametrize(
    ("vote_type", "votes", "expected_projects", "expected_points"),
    [
        ("cumulative", "v1;1,2;3,2\nv2;10;5\n", ("1", "2"), (Decimal(3), Decimal(2))),
        ("scoring", "v1;2,1;1.5,-1\nv2;10;0\n", ("2", "1"), (Decimal("1.5"), Decimal(-1))),
    ],
    ids=["cumulative-points-per-project", "scoring-allows-decimals-and-negatives"],
)
def test_point_ballots_keep_points_in_the_order_of_projects(
    vote_type: str,
    votes: str,
    expected_projects: tuple[str, ...],
    expected_points: tuple[Decimal, ...],
) -> None:
    election = parse_pb(_with(vote_type, votes))

    assert election.votes[0].projects == expected_projects
    assert election.votes[0].points == expected_points


def test_ordinal_ballot_keeps_the_ranking_best_first() -> None:
    election = parse_pb(_with("ordinal", "v1;10,1,2\n", header="voter_id;vote"))

    assert election.votes[0].projects == ("10", "1", "2")
    assert election.vote_type is VoteType.ORDINAL


def test_approval_ballot_naming_a_project_twice_counts_it_once() -> None:
    election = parse_pb(_with("approval", "v1;2,1,2\n", header="voter_id;vote"))

    assert election.votes[0].projects == ("2", "1")


def test_decimal_comma_costs_are_read_as_pabutools_reads_them() -> None:
    election = parse_pb(APPROVAL.replace("1;600;", "1;599,50;"))

    assert election.projects[0].cost == Decimal("599.50")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            APPROVAL.replace(
                "VOTES\nvoter_id;vote;age\na7;1,2;34", "VOTES\nvoter_id;vote;age\na7;1,7;34"
            ),
            '<pb>, row 13: VOTES: project "7" is not in PROJECTS',
        ),
        (
            APPROVAL.replace("2;400;2;Moestuin", "2;vierhonderd;2;Moestuin"),
            '<pb>, row 9: PROJECTS: cost "vierhonderd" is not a number',
        ),
        (
            APPROVAL.replace("10;300;1;Speeltuin", "10;300;1;Speeltuin\n2;50;0;Extra"),
            '<pb>, row 11: PROJECTS: project "2" already on line 9',
        ),
        (
            APPROVAL.replace("10;300;1;Speeltuin", "10;300;1"),
            "<pb>, row 10: PROJECTS: 3 fields where the header has 4",
        ),
        (APPROVAL.replace("budget;1000\n", ""), '<pb>, row 1: META: key "budget" is missing'),
        (
            APPROVAL.replace("vote_type;approval", "vote_type;borda"),
            '<pb>, row 1: META: vote_type "borda" is not one of approval, choose-1, cumulative, '
            "scoring, ordinal",
        ),
        (APPROVAL.split("VOTES")[0], "<pb>, row 11: VOTES: section is missing"),
        (
            APPROVAL.replace("META\n", "", 1),
            '<pb>, row 1: META: expected the line "META" first, found "key;value"',
        ),
        (
            APPROVAL.replace("c3;1;71", "a7;1;71"),
            '<pb>, row 15: VOTES: voter "a7" already on line 13',
        ),
        (
            APPROVAL.replace("project_id;cost;votes;name", "id;cost;votes;name"),
            "<pb>, row 7: PROJECTS: header lacks column(s) project_id",
        ),
        (APPROVAL.replace("1;600;", "1;-600;"), "<pb>, row 8: PROJECTS: cost -600 is negative"),
    ],
    ids=[
        "vote-for-unknown-project",
        "cost-not-a-number",
        "duplicate-project",
        "short-project-row",
        "budget-missing",
        "unknown-vote-type",
        "votes-section-missing",
        "meta-line-missing",
        "duplicate-voter",
        "projects-header-without-id",
        "negative-cost",
    ],
)
def test_malformed_file_names_line_and_section(text: str, message: str) -> None:
    with pytest.raises(KompasError) as caught:
        parse_pb(text)

    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("vote_type", "votes", "message"),
    [
        ("cumulative", "v1;1,2;3\n", "<pb>, row 13: VOTES: 1 points for 2 projects"),
        ("scoring", "v1;1;veel\n", '<pb>, row 13: VOTES: points "veel" are not numbers'),
        ("choose-1", "v1;1,2;\n", "<pb>, row 13: VOTES: a choose-1 ballot names 2 projects"),
        ("ordinal", "v1;1,2,1;\n", "<pb>, row 13: VOTES: a project is named twice in one ballot"),
    ],
    ids=["points-count-differs", "points-not-numbers", "choose-1-with-two", "ordinal-repeats"],
)
def test_malformed_ballot_names_its_line(vote_type: str, votes: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_pb(_with(vote_type, votes))

    assert str(caught.value) == message


def test_every_bad_line_is_reported_in_one_error() -> None:
    text = APPROVAL.replace("a7;1,2;34", "a7;1,8;34").replace("c3;1;71", "c3;9;71")

    with pytest.raises(InputError) as caught:
        parse_pb(text, file="ronde.pb")

    assert [p.row for p in caught.value.problems] == [13, 15]
    assert str(caught.value).startswith('ronde.pb, row 13: VOTES: project "8"')


def test_file_that_is_not_utf8_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "oud.pb"
    path.write_bytes(APPROVAL.replace("Moestuin", "Moest\xfcin").encode("latin-1"))

    with pytest.raises(InputError, match=r"^oud\.pb: not UTF-8 text"):
        read_pb(path)


@pytest.mark.parametrize("name", ["ronde.pb", "ronde.pb.gz"])
def test_write_then_read_gives_the_same_election(tmp_path: Path, name: str) -> None:
    election = parse_pb(APPROVAL)

    path = write_pb(election, tmp_path / name, anonymise=False)

    again = read_pb(path)
    assert again.projects == election.projects
    assert again.votes == election.votes
    assert again.meta == {**election.meta, "num_projects": "3", "num_votes": "3"}
    if name.endswith(".gz"):
        assert gzip.decompress(path.read_bytes()).startswith(b"META\n")


@pytest.mark.parametrize("vote_type", ["cumulative", "scoring"])
def test_point_ballots_round_trip(vote_type: str) -> None:
    election = parse_pb(_with(vote_type, "v1;1,2;3,2.5\nv2;10;5\n"))

    assert parse_pb(format_pb(election, anonymise=False)).votes == election.votes


def test_anonymised_export_renumbers_voters_and_drops_submission_order() -> None:
    election = parse_pb(APPROVAL)

    exported = parse_pb(format_pb(election))

    assert [v.voter_id for v in exported.votes] == ["1", "2", "3"]
    assert {"a7", "b9", "c3"}.isdisjoint(format_pb(election).split(";"))
    assert [v.projects for v in exported.votes] == [("1",), ("1", "2"), ("2", "10")]
    assert sorted(v.projects for v in exported.votes) == sorted(v.projects for v in election.votes)
