"""Upgrades: every release's schema fixture (tests/fixtures/schema/<release>.sqlite.gz, written by
tests/ops/make_schema_fixture.py) migrates forward to the current head with its data intact; and
on the test database (SQLite or PostgreSQL) the migrations run forward from the state a release
recorded."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.ops.helpers import env_for, kompas

pytestmark = [pytest.mark.integration]

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "schema").glob("*.sqlite.gz"))


def _unpack(fixture: Path, target: Path) -> Path:
    """The release database, stored gzipped (a frozen past schema, not regenerable)."""
    with gzip.open(fixture, "rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out)
    return target


def _recorded(path: Path) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        with sqlite3.connect(_unpack(path, Path(tmp) / "release.sqlite3")) as db:
            rows = [(a, n) for a, n in db.execute("select app, name from django_migrations")]
        db.close()
        return rows


def test_there_is_a_fixture_per_release() -> None:
    assert FIXTURES, "tests/fixtures/schema holds no release fixture"


@pytest.mark.django_db(databases=[])
@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name.split(".sqlite")[0] for f in FIXTURES])
def test_a_release_database_migrates_forward_with_its_data(fixture: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _unpack(fixture, data / "kompas.sqlite3")
    env = env_for(data)
    kompas(env, "migrate")
    with sqlite3.connect(data / "kompas.sqlite3") as db:
        assert db.execute("select count(*) from indicators_observation").fetchone()[0] > 0
        assert db.execute("select count(*) from signals_signal").fetchone()[0] == 1
        assert db.execute("select count(*) from signals_reporter").fetchone()[0] == 1
    doctor = kompas(env, "doctor", check=False)
    assert "ok   migrations" in doctor.stdout, doctor.stdout


@pytest.mark.django_db(transaction=True)
def test_migrations_run_forward_from_the_latest_release_state() -> None:
    """Go back to the migration state the newest fixture recorded (on this test database, so on
    PostgreSQL too), then forward to the head; the ops app is taken back to before its first
    migration as well, so at least one forward step always runs."""
    recorded = _recorded(FIXTURES[-1])
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    latest: dict[str, str] = {}
    for app, name in recorded:
        if (app, name) in graph.nodes:
            latest[app] = max(latest.get(app, ""), name)
    targets: list[tuple[str, str | None]] = [
        (app, name) for app, name in latest.items() if app != "ops"
    ]
    targets.append(("ops", None))
    executor.migrate(targets)
    executor = MigrationExecutor(connection)
    forward = executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert ("ops", "0001_initial") in [(m.app_label, m.name) for m, _ in forward]
    executor.migrate(executor.loader.graph.leaf_nodes())
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
