from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gebiedskompas.cli import build_parser
from tests.indicators.cbs_files import write_cbs

pytestmark = pytest.mark.integration

COMMANDS = [
    "demo",
    "serve",
    "migrate",
    "import",
    "fetch",
    "indicators",
    "areas",
    "export",
    "check",
    "analyse",
    "pb",
    "docs",
]


def kompas(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KOMPAS_DATA_DIR": str(data_dir), "KOMPAS_DATABASE_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "gebiedskompas.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_help_lists_every_subcommand_with_a_line_each() -> None:
    text = build_parser().format_help()
    for command in COMMANDS:
        assert f"    {command}" in text, command


def test_wrong_usage_exits_2(tmp_path: Path) -> None:
    result = kompas("import", "cbs", data_dir=tmp_path)
    assert result.returncode == 2
    assert "the following arguments are required: file" in result.stderr


def test_import_list_and_export_round_trip(tmp_path: Path) -> None:
    """Starts on an empty data folder: the first command creates and migrates the database."""
    data = write_cbs(tmp_path / "kwb.csv")
    first = kompas("import", "cbs", str(data), "--year", "2024", "--json", data_dir=tmp_path / "d")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["new"] == 24
    second = kompas("import", "cbs", str(data), "--year", "2024", data_dir=tmp_path / "d")
    assert "0 new, 0 updated, 24 unchanged" in second.stdout
    listed = kompas("areas", "list", "--level", "buurt", "--json", data_dir=tmp_path / "d")
    assert [a["code"] for a in json.loads(listed.stdout)] == [
        "BU99980101",
        "BU99980102",
        "BU99980201",
    ]
    out = tmp_path / "o.csv"
    exported = kompas(
        "export",
        "observations",
        "--area",
        "GM9998",
        "--indicator",
        "inwoners",
        "--format",
        "csv",
        "-o",
        str(out),
        data_dir=tmp_path / "d",
    )
    assert exported.returncode == 0
    assert (
        "GM9998,Testgemeente,gemeente,inwoners,AantalInwoners_5,2024,1000.0,ok" in out.read_text()
    )


def test_a_user_error_prints_one_line_and_exits_1(
    tmp_path: Path, sqlite_install: Callable[..., dict[str, str]]
) -> None:
    sqlite_install(tmp_path / "d")  # a migrated installation: the round trip migrates a fresh one
    bad = tmp_path / "kwb.csv"
    bad.write_text("")
    result = kompas("import", "cbs", str(bad), "--year", "2024", data_dir=tmp_path / "d")
    assert result.returncode == 1
    assert result.stderr.strip() == "kompas: kwb.csv: the file is empty (0 bytes)"
    missing = kompas(
        "export", "observations", "--area", "GM0000", "--format", "csv", data_dir=tmp_path / "d"
    )
    assert missing.returncode == 1 and "unknown area GM0000" in missing.stderr
