"""`kompas doctor`: every failure and warning it names, in process and through the command."""

from __future__ import annotations

import json
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gebiedskompas.ops import checks
from gebiedskompas.ops.models import Heartbeat
from tests.ops.helpers import env_for, kompas

pytestmark = [pytest.mark.integration]

GOOD_KEY = "k8f3Hq2Lw9Zr4Tn7Vb1Xc6Mp0Sd5Gj" * 2


@pytest.mark.parametrize(
    ("key", "status"),
    [("short", "failed"), ("a" * 60, "failed"), ("django-insecure-" + GOOD_KEY, "failed")],
)
def test_guessable_secret_key_fails(key: str, status: str) -> None:
    with override_settings(SECRET_KEY=key):
        assert checks.check_secret_key().status == status


def test_generated_secret_key_warns_in_production_and_a_configured_one_passes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with override_settings(SECRET_KEY=GOOD_KEY, DEBUG=False):
        monkeypatch.delenv("KOMPAS_SECRET_KEY", raising=False)
        assert checks.check_secret_key().status == "warning"
        monkeypatch.setenv("KOMPAS_SECRET_KEY", GOOD_KEY)
        assert checks.check_secret_key().status == "ok"


@pytest.mark.parametrize(
    ("hosts", "status", "words"),
    [
        ([], "failed", "empty"),
        (["*"], "failed", "'*'"),
        (["localhost", "127.0.0.1"], "warning", "local names"),
        (["gebiedskompas.voorbeeld.nl"], "ok", "gebiedskompas.voorbeeld.nl"),
    ],
)
def test_allowed_hosts(hosts: list[str], status: str, words: str) -> None:
    with override_settings(ALLOWED_HOSTS=hosts, DEBUG=False):
        found = checks.check_allowed_hosts()
    assert found.status == status and words in found.message


def test_debug_and_plain_http_warn_in_production() -> None:
    with override_settings(DEBUG=True):
        assert checks.check_debug().status == "warning"
    with override_settings(DEBUG=False, SECURE=False):
        assert checks.check_https().status == "warning"
    with override_settings(DEBUG=False, SECURE=True):
        assert checks.check_https().status == "ok"


def test_mail_without_host_warns_and_a_user_without_password_fails() -> None:
    with override_settings(DEBUG=False, EMAIL_HOST=""):
        assert checks.check_mail().status == "warning"
    with override_settings(
        EMAIL_HOST="smtp.voorbeeld.nl", EMAIL_HOST_USER="gk", EMAIL_HOST_PASSWORD=""
    ):
        found = checks.check_mail()
    assert found.status == "failed" and "KOMPAS_EMAIL_PASSWORD" in found.message


def test_too_little_disk_space_fails() -> None:
    with override_settings(KOMPAS_MIN_FREE_DISK_MB=10**12):
        found = checks.check_disk()
    assert found.status == "failed" and "MB free" in found.message
    assert checks.check_disk().status == "ok"


def test_unwritable_data_folder_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOMPAS_DATA_DIR", str(tmp_path / "absent"))
    found = checks.check_disk()
    assert found.status == "failed" and "does not exist" in found.message


@pytest.mark.django_db
def test_worker_heartbeat_absent_stale_and_fresh() -> None:
    now = timezone.now()
    assert "no worker is running" in checks.check_worker(now).message
    Heartbeat.objects.create(
        worker_id="w1", host="h", pid=1, started_at=now, beat_at=now - timedelta(minutes=10)
    )
    stale = checks.check_worker(now)
    assert stale.status == "failed" and "600 s old" in stale.message
    Heartbeat.objects.filter(pk="w1").update(beat_at=now - timedelta(seconds=3))
    assert checks.check_worker(now).status == "ok"
    Heartbeat.objects.filter(pk="w1").update(stopped_at=now)
    assert checks.check_worker(now).status == "failed"


@pytest.mark.django_db
def test_failed_tasks_of_the_last_day_warn() -> None:
    assert checks.check_failed_tasks().status == "ok"
    DBTaskResult.objects.create(
        task_path="gebiedskompas.ops.tasks.escalate_signals",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
        status="FAILED",
        finished_at=timezone.now(),
    )
    found = checks.check_failed_tasks()
    assert found.status == "warning" and "escalate_signals" in found.message


def test_doctor_command_names_pending_migrations_and_a_missing_worker(
    tmp_path: Path, sqlite_template: Path
) -> None:
    env = env_for(tmp_path, KOMPAS_SECRET_KEY=GOOD_KEY, KOMPAS_ALLOWED_HOSTS="kompas.nl")
    result = kompas(env, "doctor", "--json", check=False)
    assert result.returncode == 1
    found = {c["name"]: c for c in json.loads(result.stdout)}
    assert found["migrations"]["status"] == "failed"
    assert "run `kompas migrate`" in found["migrations"]["message"]
    assert found["database:default"]["status"] == "ok"
    # `kompas migrate`, done once for the session: the template is its result on an empty folder
    shutil.copy(sqlite_template, tmp_path / "kompas.sqlite3")
    result = kompas(env, "doctor", check=False)
    assert result.returncode == 1
    assert "FAIL worker" in result.stdout and "FAIL migrations" not in result.stdout


def test_doctor_command_says_the_database_cannot_be_reached(tmp_path: Path) -> None:
    env = env_for(tmp_path, "postgresql://postgres@127.0.0.1:9/kompas", KOMPAS_SECRET_KEY=GOOD_KEY)
    result = kompas(env, "doctor", check=False, timeout=60)
    assert result.returncode == 1
    assert "FAIL database:default" in result.stdout
    assert "cannot reach the database" in result.stdout
    assert os.path.isdir(tmp_path)
