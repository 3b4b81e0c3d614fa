"""``kompas analyse`` on stored areas: the ranking table, --json, and each error's message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.analysis.conftest import new_runs

from gebiedskompas import cli

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BASE = ["analyse", "--method", "zscore", "--level", "buurt", "--municipality", "GM9999",
        "--period", "2024"]  # fmt: skip


@pytest.fixture(autouse=True)
def no_migrate(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test database is migrated; migrate inside the module's transaction is needless work.
    monkeypatch.setattr(cli, "_migrate", lambda verbosity=0: None)


def test_prints_a_ranking_with_scores_and_top_domain(
    demo: Any, focus_buurten: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([*BASE, "--top", "5", "--weights", "sociaal=2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("run ") and "sociaal=0.333" in out[0]
    assert out[1].split()[:4] == ["rank", "code", "name", "score"]
    rows = out[2:7]
    assert [r.split()[0] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[0].split()[1] in focus_buurten
    assert rows[0].split()[-1] in {"sociaal", "economie", "veiligheid", "wonen", "leefbaarheid"}
    assert any("excluded for missing values" in line for line in out)
    assert new_runs().count() == 1


def test_json_output_and_the_areas_subcommand(
    demo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["analyse", "areas", *BASE[1:], "--top", "3", "--json", "--sensitivity", "50"]
    assert cli.main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "zscore" and data["area_count"] == 57
    assert [r["rank"] for r in data["ranking"]] == [1, 2, 3]
    assert set(data["ranking"][0]["contributions"]) == set(data["weights"])
    assert data["ranking"][0]["sensitivity"]["base_rank"] == 1
    assert len(data["data_fingerprint"]) == 64


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"--method": "topsis"}, "kompas: unknown method 'topsis'; expected one of baseline"),
        ({"--municipality": "GM0001"}, "kompas: unknown municipality 'GM0001'; known: GM9999"),
        ({"--period": "2031"}, "kompas: no data for period 2031 in GM9999 at level buurt"),
        ({"--weights": "sociaal:2"}, "kompas: bad weights 'sociaal:2': 'sociaal:2' is not "
                                     "domain=weight"),
        ({"--weights": "groen=2"}, "kompas: unknown domain 'groen' in the weights"),
        ({"--missing": "drop"}, "kompas: unknown missing-value policy 'drop'"),
    ],
    ids=["method", "municipality", "period", "weights-syntax", "weights-domain", "missing"],
)  # fmt: skip
def test_errors_are_one_line_and_exit_1(
    replace: dict[str, str], message: str, demo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = list(BASE)
    for flag, value in replace.items():
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not new_runs().exists()


def test_missing_options_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["analyse", "--method", "zscore"])
    assert exit_info.value.code == 2
    assert "required: --level, --municipality, --period" in capsys.readouterr().err


def test_analyse_table_still_works(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.csv").write_text("id,x\na,1\nb,2\nc,4\n")
    (tmp_path / "c.toml").write_text(
        'method = "zscore"\nid = "id"\n[[domains]]\nname = "d"\n'
        'indicators = [ { column = "x", direction = "higher_is_worse" } ]\n'
    )
    assert cli.main(["analyse", "table", str(tmp_path / "t.csv"), "--config",
                     str(tmp_path / "c.toml")]) == 0  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "id,d_score,d_rank,score,rank" and [r[0] for r in out[1:]] == ["a", "b", "c"]
