"""A round in and out of Pabulib: ``kompas pb import`` / ``export`` / ``codes``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from gebiedskompas.cli import main
from gebiedskompas.participation import services
from gebiedskompas.participation.domain.allocation import Profile, allocate
from gebiedskompas.participation.domain.pabulib import parse_pb, read_pb
from gebiedskompas.participation.models import Ballot, BudgetRound, Idea, VotingCode
from gebiedskompas.participation.services import SYSTEM
from tests.participation.conftest import Place, ready_round, register_csv

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ELECTION = (
    """META
key;value
description;Wijkbudget proef
budget;300
vote_type;approval
max_length;3
PROJECTS
project_id;cost;name
A;100;Speeltuin
B;100;Bankjes
C;100;Bomen
D;100;Buurthuis
VOTES
voter_id;vote
"""
    + "".join(f"m{i};A,B,C\n" for i in range(6))
    + "".join(f"n{i};D\n" for i in range(4))
)


def test_a_pb_file_imports_as_a_round_and_exports_back_with_the_same_result(
    place: Place, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "proef.pb"
    source.write_text(ELECTION, encoding="utf-8")
    assert main(["pb", "import", str(source), "--area", place.wijk.code, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["ideas"], summary["ballots"]) == (4, 10)
    budget_round = BudgetRound.objects.get(pk=summary["round"])
    assert (budget_round.phase, budget_round.ballot_type, budget_round.max_choices) == (
        "results", "approval", 3
    )  # fmt: skip
    # The round's default method is mes-complete: the four voters get their Buurthuis.
    assert set(Idea.objects.filter(selected=True).values_list("project_id", flat=True)) == {
        "A", "B", "D"
    }  # fmt: skip
    out = tmp_path / "uit.pb.gz"
    assert main(["pb", "export", str(budget_round.pk), "-o", str(out)]) == 0
    exported = read_pb(out)
    assert (exported.meta["budget"], exported.meta["vote_type"]) == ("300", "approval")
    assert [p.project_id for p in exported.projects] == ["A", "B", "C", "D"]
    assert [v.voter_id for v in exported.votes] == [str(i) for i in range(1, 11)]
    original = parse_pb(ELECTION)
    for method in ("greedy", "mes", "mes-complete"):
        assert (
            allocate(method, Profile.from_election(exported)).winners
            == allocate(method, Profile.from_election(original)).winners
        )
    assert {p.project_id: p.fields["votes"] for p in exported.projects}["D"] == "4"


def test_an_exported_round_names_no_voter_and_keeps_ranked_order(
    place: Place, tmp_path: Path
) -> None:
    ready = ready_round(place, ballot_type="ranking")
    ids = ready.ids
    services.cast_ballot(ready.round.pk, ready.codes[0], [(ids["Bomen"], 1), (ids["Bankje"], 2)])
    services.cast_ballot(ready.round.pk, ready.codes[1], [(ids["Speeltuin"], 1)])
    text = tmp_path / "r.pb"
    assert main(["pb", "export", str(ready.round.pk), "-o", str(text)]) == 0
    written = text.read_text(encoding="utf-8")
    election = parse_pb(written)
    assert election.vote_type == "ordinal"
    assert sorted(v.projects for v in election.votes) == sorted(
        [(ids["Bomen"], ids["Bankje"]), (ids["Speeltuin"],)]
    )
    for code in ready.codes:
        assert code not in written and services.code_hash(ready.round.pk, code) not in written


def test_a_malformed_pb_file_names_section_and_line_and_imports_nothing(
    place: Place, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "kapot.pb"
    bad.write_text(ELECTION.replace("C;100;Bomen", "C;honderd;Bomen"), encoding="utf-8")
    assert main(["pb", "import", str(bad), "--area", place.wijk.code]) == 1
    err = capsys.readouterr().err
    assert "kapot.pb, row 11: PROJECTS" in err and "honderd" in err
    assert not BudgetRound.objects.exists() and not Ballot.objects.exists()


def test_import_into_an_unknown_area_fails_cleanly(
    place: Place, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "proef.pb"
    source.write_text(ELECTION, encoding="utf-8")
    assert main(["pb", "import", str(source), "--area", "WK000000"]) == 1
    assert "onbekend gebied WK000000" in capsys.readouterr().err
    assert not Idea.objects.exists()


def test_codes_command_writes_the_letters_and_stores_only_hashes(
    place: Place, tmp_path: Path
) -> None:
    ready = ready_round(place, voters=0)
    register = tmp_path / "adressen.csv"
    register.write_bytes(register_csv(3))
    letters = tmp_path / "brieven.csv"
    assert main(["pb", "codes", str(ready.round.pk), str(register), "-o", str(letters)]) == 0
    with letters.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert [r["adres"] for r in rows] == ["Dorpsstraat 1", "Dorpsstraat 2", "Dorpsstraat 3"]
    assert VotingCode.objects.count() == 3
    ids = ready.ids
    services.cast_ballot(ready.round.pk, rows[0]["stemcode"], [(ids["Bomen"], 1)])
    assert Ballot.objects.count() == 1
    assert services.SYSTEM is SYSTEM
