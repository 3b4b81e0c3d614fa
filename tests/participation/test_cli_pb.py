"""``kompas pb tally``: winners of a Pabulib file as text or as the documented JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gebiedskompas.cli import main
from gebiedskompas.participation.domain.pabulib import parse_pb, write_pb

pytestmark = pytest.mark.integration

AARAU = (
    """META
key;value
budget;300
vote_type;approval
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


@pytest.fixture
def aarau(tmp_path: Path) -> Path:
    return write_pb(parse_pb(AARAU), tmp_path / "aarau.pb.gz")


@pytest.mark.parametrize(
    ("method", "winners", "cost"),
    [
        ("greedy", ["A", "B", "C"], 300),
        ("mes", ["A", "D"], 200),
        ("mes-complete", ["A", "B", "D"], 300),
    ],
    ids=["greedy-majority-takes-all", "mes-minority-gets-its-share", "completed-uses-budget"],
)
def test_tally_json_prints_method_budget_winners_and_cost(
    aarau: Path, capsys: pytest.CaptureFixture[str], method: str, winners: list[str], cost: int
) -> None:
    assert main(["pb", "tally", str(aarau), "--method", method, "--json"]) == 0

    assert json.loads(capsys.readouterr().out) == {
        "method": method,
        "budget": 300,
        "winners": winners,
        "cost": cost,
    }


def test_tally_text_lists_winners_with_cost_votes_and_name(
    aarau: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pb", "tally", str(aarau), "--method", "mes"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "mes: 2 winners, cost 200 of budget 300"
    assert out[2].split() == ["D", "100", "4", "votes", "Buurthuis"]


def test_malformed_file_prints_one_line_naming_the_line_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kapot.pb"
    path.write_text(AARAU.replace("n0;D", "n0;Z"), encoding="utf-8")

    assert main(["pb", "tally", str(path), "--method", "greedy"]) == 1

    err = capsys.readouterr().err
    assert err == 'kompas: kapot.pb, row 19: VOTES: project "Z" is not in PROJECTS\n'


def test_unknown_method_is_wrong_usage(aarau: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["pb", "tally", str(aarau), "--method", "phragmen"])

    assert caught.value.code == 2
