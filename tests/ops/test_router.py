"""The read-replica router with two real databases: two SQLite files, the second configured as
the replica (KOMPAS_DATABASE_REPLICA_URLS). A row written only into the replica's file shows up
in plain reads, so reads go there; writes land in the primary's file only."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gebiedskompas.ops.routers import ReplicaRouter

pytestmark = [pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import django, os
os.environ['DJANGO_SETTINGS_MODULE'] = 'gebiedskompas.settings'
django.setup()
from django.contrib.sessions.models import Session
from django.db import transaction
from gebiedskompas.areas.models import Area
from gebiedskompas.ops.routers import primary
Area.objects.create(code='GM0001', name='Op de primaire', level='gemeente')
print('read', sorted(Area.objects.values_list('code', flat=True)))
with transaction.atomic():
    print('in-transaction', sorted(Area.objects.values_list('code', flat=True)))
with primary():
    print('primary', sorted(Area.objects.values_list('code', flat=True)))
print('session-db', Session.objects.all().db)
"""


def test_reads_go_to_the_replica_and_writes_to_the_primary(
    tmp_path: Path, sqlite_install: Callable[..., dict[str, str]]
) -> None:
    replica = tmp_path / "replica.sqlite3"
    env = sqlite_install(tmp_path / "data")
    shutil.copy(tmp_path / "data" / "kompas.sqlite3", replica)
    with sqlite3.connect(replica) as db:
        db.execute(
            "insert into areas_area (code, name, level, geojson_wgs84, created_at, updated_at) "
            "values ('GM0002', 'Alleen op de replica', 'gemeente', '', '2026-01-01', '2026-01-01')"
        )
    env["KOMPAS_DATABASE_REPLICA_URLS"] = f"sqlite:///{replica}"
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" ", 1) for line in out.stdout.strip().splitlines())
    assert lines["read"] == "['GM0002']"  # the replica's row: the read went to the replica
    assert lines["in-transaction"] == "['GM0001']"  # inside a transaction: the primary
    assert lines["primary"] == "['GM0001']"
    assert lines["session-db"] == "default"  # sign-in data never from a lagging replica
    with sqlite3.connect(replica) as db:
        assert db.execute("select code from areas_area").fetchall() == [("GM0002",)]


def test_without_replicas_everything_uses_the_primary() -> None:
    from gebiedskompas.areas.models import Area

    router = ReplicaRouter()
    assert router.db_for_read(Area) == "default"
    assert router.db_for_write(Area) == "default"
    assert router.allow_migrate("replica1", "areas") is False


POOL_SCRIPT = """
import django, os
os.environ['DJANGO_SETTINGS_MODULE'] = 'gebiedskompas.settings'
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute('select 1')
print(type(connection.pool).__name__, connection.settings_dict['CONN_MAX_AGE'])
"""


def test_the_postgresql_connection_pool_is_used_when_asked(tmp_path: Path) -> None:
    from tests.ops.helpers import PG, env_for, postgres_available

    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    env = env_for(tmp_path, f"{PG}/postgres", KOMPAS_DATABASE_POOL="true")
    out = subprocess.run([sys.executable, "-c", POOL_SCRIPT], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ConnectionPool", "0"]
