"""``kompas … --as USER`` (or KOMPAS_USER): commands that change data are checked against the
user's roles, with exit 1 and one clear line when refused; without either, the operator acts."""

from __future__ import annotations

from pathlib import Path

import pytest

from gebiedskompas import cli
from gebiedskompas.analysis.models import AnalysisRun
from gebiedskompas.areas.models import Area
from gebiedskompas.indicators.models import Observation
from tests.accounts.conftest import World
from tests.accounts.helpers import user_with
from tests.indicators.cbs_files import write_cbs

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def no_migrate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_migrate", lambda verbosity=0: None)


def _cbs_for_gm9999(path: Path) -> Path:
    """The small CBS table, with its codes moved into the test town GM9999."""
    source = write_cbs(path.with_suffix(".orig.csv"))
    path.write_text(source.read_text().replace("9998", "9999"), encoding="utf-8")
    return path


def test_import_as_a_user_without_import_rights_exits_1_and_changes_nothing(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user_with("gebiedsmanager", world.town.gemeente, username="gm-piet")
    before = Observation.objects.count()
    data = _cbs_for_gm9999(tmp_path / "kwb.csv")
    code = cli.main(["import", "cbs", str(data), "--year", "2024", "--as", "gm-piet"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("kompas: ") and "may not import figures for GM9999" in err
    assert Observation.objects.count() == before


def test_import_as_an_analyst_of_another_municipality_is_refused(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user_with("analist", world.other, username="elders")
    data = _cbs_for_gm9999(tmp_path / "kwb.csv")
    assert cli.main(["import", "cbs", str(data), "--year", "2024", "--as", "elders"]) == 1
    assert "GM9999" in capsys.readouterr().err


def test_import_as_an_analyst_of_the_municipality_goes_through(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_with("analist", world.town.gemeente, username="ana")
    monkeypatch.setenv("KOMPAS_USER", "ana")  # the environment instead of --as
    data = _cbs_for_gm9999(tmp_path / "kwb.csv")
    assert cli.main(["import", "cbs", str(data), "--year", "2024"]) == 0
    assert Observation.objects.filter(area__code="BU99990101", period="2024").exists()


def test_without_as_the_operator_acts(world: World, tmp_path: Path) -> None:
    data = write_cbs(tmp_path / "kwb.csv")
    assert cli.main(["import", "cbs", str(data), "--year", "2024"]) == 0
    assert Area.objects.filter(code="GM9998").exists()


def test_unknown_user_is_named(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_cbs(tmp_path / "kwb.csv")
    assert cli.main(["import", "cbs", str(data), "--as", "niemand"]) == 1
    assert "--as: unknown user 'niemand'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import", "stadsdelen", "x.csv"], "may not import stadsdelen for the whole installation"),
        (
            ["import", "signals", "x.csv", "--format", "fixi", "--municipality", "GM9999"],
            "may not import signals for Gemeente Proefstad (GM9999)",
        ),
        (["import", "activities", "x.csv"], "with --as, name the --municipality"),
        (
            ["koppelkansen", "--municipality", "GM9999"],
            "may not detect koppelkansen for Gemeente Proefstad (GM9999)",
        ),
        (
            ["fetch", "cbs", "85984NED", "--gemeente", "GM9999"],
            "may not import figures for Gemeente Proefstad (GM9999)",
        ),
    ],
    ids=[
        "registry needs installation rights",
        "signals",
        "activities need a municipality",
        "koppelkansen",
        "fetch",
    ],  # fmt: skip
)
def test_other_changing_commands_check_the_acting_user(
    world: World, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    user_with("wethouder", world.town.gemeente, username="weth")
    assert cli.main([*argv, "--as", "weth"]) == 1
    assert message in capsys.readouterr().err


def test_analyse_as_a_user_needs_run_analysis_there(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    user_with("wethouder", world.town.gemeente, username="weth")
    argv = ["analyse", "--method", "zscore", "--level", "buurt", "--municipality", "GM9999",
            "--period", "2024"]  # fmt: skip
    assert cli.main([*argv, "--as", "weth"]) == 1
    assert "'weth' may not run an analysis for" in capsys.readouterr().err
    assert not AnalysisRun.objects.exists()
    # An analyst of the municipality passes the check; the test town lacks the indicator set,
    # so the run then stops on the data, not on the rights.
    user_with("analist", world.town.gemeente, username="ana")
    assert cli.main(["analyse", "areas", *argv[1:], "--as", "ana"]) == 1
    err = capsys.readouterr().err
    assert "may not" not in err and "no data for period 2024 in GM9999" in err
