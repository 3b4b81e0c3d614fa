"""Crash tests: kill -9 an import, the server and the worker at random moments (bounded loops, on
loopback, own SQLite file each), restart, and check that nothing is half done, lost or doubled.

The seed of each loop's random moments is printed, so a failure can be replayed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.indicators.cbs_files import write_cbs
from tests.ops.helpers import cbs_rows, kompas

pytestmark = [pytest.mark.integration, pytest.mark.django_db(databases=[])]

REPO = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("KOMPAS_CRASH_SEED", time.time_ns() % 10_000))


def _spawn(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gebiedskompas.cli", *args],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=30) as conn:
        return int(conn.execute(sql).fetchone()[0])


def _kill(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)


def test_killed_imports_leave_nothing_or_everything(
    tmp_path: Path, sqlite_install: Callable[..., dict[str, str]]
) -> None:
    rng = random.Random(SEED)
    print(f"KOMPAS_CRASH_SEED={SEED}")
    env = sqlite_install(tmp_path / "data")
    db = tmp_path / "data" / "kompas.sqlite3"
    table = write_cbs(tmp_path / "kwb.csv", cbs_rows(10, 20))
    seen: list[tuple[int, int]] = []
    deadline = time.monotonic() + 12
    for _attempt in range(4):
        if time.monotonic() > deadline:
            break
        child = _spawn(env, "import", "cbs", str(table), "--year", "2024")
        time.sleep(rng.uniform(0.5, 5.0))
        finished = child.poll() is not None
        _kill(child)
        seen.append(
            (
                _count(db, "select count(*) from indicators_observation"),
                _count(db, "select count(*) from areas_area"),
            )
        )
        if finished:
            break
    print("observations and areas after each kill:", seen)
    kompas(env, "import", "cbs", str(table), "--year", "2024")
    complete = (
        _count(db, "select count(*) from indicators_observation"),
        _count(db, "select count(*) from areas_area"),
    )
    assert complete[1] == 1 + 10 + 200
    assert all(counts in {(0, 0), complete} for counts in seen), (seen, complete)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SETUP = """
import django, os, sys
os.environ['DJANGO_SETTINGS_MODULE'] = 'gebiedskompas.settings'
django.setup()
from django.contrib.auth import get_user_model
from gebiedskompas.accounts.services import issue_token
from tests.signals.conftest import build_place
place = build_place()
user = get_user_model().objects.create_user('koppeling', password='een-lang-wachtwoord-42')
lat, lon = place.inside(0)
print(issue_token(user, 'crash test'), lat, lon)
"""


def _post(port: int, fields: dict[str, str], key: str) -> int | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/open311/v2/requests.json",
        data=urllib.parse.urlencode(fields).encode(),
        method="POST",
        headers={"Idempotency-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None  # connection refused or cut: the client retries


def _wait_for_server(port: int, child: subprocess.Popen[bytes], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/gezondheid/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def test_killed_server_loses_and_doubles_no_signal_after_retries(
    tmp_path: Path, sqlite_install: Callable[..., dict[str, str]]
) -> None:
    rng = random.Random(SEED)
    print(f"KOMPAS_CRASH_SEED={SEED}")
    env = sqlite_install(
        tmp_path / "data", KOMPAS_FORM_RATE="10000/minute", KOMPAS_API_ANON_RATE="10000/minute"
    )
    db = tmp_path / "data" / "kompas.sqlite3"
    out = subprocess.run(
        [sys.executable, "-c", SETUP],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    token, lat, lon = out.stdout.split()[-3:]
    fields = {
        "api_key": token,
        "service_code": "zwerfafval",
        "jurisdiction_id": "GM9999",
        "lat": lat,
        "long": lon,
        "description": "Zwerfafval bij de speeltuin",
    }
    port = _free_port()
    keys = [f"crash-{SEED}-{n}" for n in range(40)]
    answered: dict[str, int | None] = {}

    def submit_all() -> None:
        for key in keys:
            answered[key] = _post(port, fields, key)

    server = _spawn(env, "serve", "--port", str(port), "--threads", "4")
    _wait_for_server(port, server)
    sender = threading.Thread(target=submit_all)
    sender.start()
    time.sleep(rng.uniform(0.2, 2.0))
    _kill(server)  # mid-stream: some answered, maybe one cut halfway
    sender.join(timeout=120)
    print("answers before the restart:", sorted(answered.values(), key=str))
    server = _spawn(env, "serve", "--port", str(port), "--threads", "4")
    try:
        _wait_for_server(port, server)
        # The client retries every submission it has no 201/200 for, with the same key.
        for key in keys:
            if answered.get(key) not in (200, 201):
                answered[key] = _post(port, fields, key)
        # And a retry of one that did arrive answers 200 without a second signal.
        assert _post(port, fields, keys[0]) == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0  # SIGTERM stops the server cleanly
    assert all(status in (200, 201) for status in answered.values()), answered
    assert _count(db, "select count(*) from signals_signal") == len(keys)
    assert _count(db, "select count(distinct idempotency_key) from signals_signal") == len(keys)


def _task(db: Path) -> tuple[str, int]:
    with sqlite3.connect(db, timeout=30) as conn:
        row = conn.execute("select status, worker_ids from django_tasks_database_dbtaskresult")
        status, workers = row.fetchone()
    return status, len(json.loads(workers))


def test_killed_worker_task_runs_again_or_fails_visibly(
    tmp_path: Path, sqlite_install: Callable[..., dict[str, str]]
) -> None:
    rng = random.Random(SEED)
    print(f"KOMPAS_CRASH_SEED={SEED}")
    env = sqlite_install(tmp_path / "data", KOMPAS_SCHEDULE="")
    db = tmp_path / "data" / "kompas.sqlite3"
    table = write_cbs(tmp_path / "kwb.csv", cbs_rows(10, 20))
    kompas(env, "import", "cbs", str(table), "--year", "2024", "--background")
    worker = _spawn(env, "worker", "--interval", "0.1")
    deadline = time.monotonic() + 60
    while _task(db)[0] == "READY" and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 1.0))
    _kill(worker)
    killed_status = _task(db)[0]
    print("task status when the worker was killed:", killed_status)
    kompas(env, "worker", "--batch")  # finds the lost task, queues it again, runs it
    status, attempts = _task(db)
    assert status in ("SUCCESSFUL", "FAILED")
    if killed_status == "RUNNING":
        assert attempts == 2 and status == "SUCCESSFUL"  # re-run once, after the worker died
    observations = _count(db, "select count(*) from indicators_observation")
    batches = _count(db, "select count(*) from indicators_importbatch")
    if status == "SUCCESSFUL":
        assert batches == 1 and observations > 0
    else:
        assert observations == 0


def test_sigterm_lets_the_running_task_finish_and_stops_the_worker(
    tmp_path: Path, sqlite_install: Callable[..., dict[str, str]]
) -> None:
    env = sqlite_install(tmp_path / "data", KOMPAS_SCHEDULE="")
    db = tmp_path / "data" / "kompas.sqlite3"
    table = write_cbs(tmp_path / "kwb.csv", cbs_rows(10, 20))
    kompas(env, "import", "cbs", str(table), "--year", "2024", "--background")
    worker = _spawn(env, "worker", "--interval", "0.1")
    deadline = time.monotonic() + 60
    while _task(db)[0] == "READY" and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=120) == 0
    assert _task(db) == ("SUCCESSFUL", 1)  # finished by the worker that was asked to stop
    assert _count(db, "select count(*) from ops_heartbeat where stopped_at is not null") == 1
