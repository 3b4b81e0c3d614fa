"""Shared fixtures: where ../shared/data is, a data folder per test session, and a migrated,
empty SQLite database to copy for each child `kompas` process (migrating a fresh file takes far
longer than copying one)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ops.helpers import env_for, kompas

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    configured = os.environ.get("KOMPAS_SHARED_DATA")
    candidate = Path(configured) if configured else REPO.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if path is None:
        pytest.skip(
            "real-data test: ../shared/data (or KOMPAS_SHARED_DATA) is not present on this machine"
        )
    return path


# Keep test runs away from a user's ./kompas-data (secret key, SQLite file).
if "KOMPAS_DATA_DIR" not in os.environ:
    import tempfile

    os.environ["KOMPAS_DATA_DIR"] = tempfile.mkdtemp(prefix="kompas-test-")
# Each pytest-xdist worker inherits the folder from the controller: give it one of its own, or
# the workers would share (and clear each other's) page cache and uploads.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER and Path(os.environ["KOMPAS_DATA_DIR"]).name != _WORKER:
    _own = Path(os.environ["KOMPAS_DATA_DIR"]) / _WORKER
    _own.mkdir(parents=True, exist_ok=True)
    os.environ["KOMPAS_DATA_DIR"] = str(_own)


def _use_the_test_data_dir() -> None:
    """pytest-django loads the settings before this file runs, so the folders derived from the
    data folder still point at the default: point them at the test's (subprocesses get it by
    the environment)."""
    from django.conf import settings

    data = Path(os.environ["KOMPAS_DATA_DIR"])
    settings.DATA_DIR = data
    settings.MEDIA_ROOT = data / "uploads"
    settings.CACHES["pages"]["LOCATION"] = str(data / "cache" / "pages")


_use_the_test_data_dir()


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Test users get a password; hashing it the production way costs up to a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: cached peer groups or rate-limit counters from one
    test's data must not leak into another's."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=False):
        cache.clear()


@pytest.fixture(autouse=True)
def _migration_data(request: pytest.FixtureRequest) -> None:
    """The default roles are stored by a data migration; a transactional test empties every
    table when it ends. With tests spread over workers (pytest-xdist) or in random order, a
    later test could then find no roles: store them again where they are missing."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if marker is None and not {"db", "transactional_db", "live_server"} & set(names):
        return
    databases = marker.kwargs.get("databases") if marker is not None else None
    if databases is not None and databases != "__all__" and "default" not in databases:
        return
    transactional = (
        (marker is not None and bool(marker.kwargs.get("transaction")))
        or "transactional_db" in names
        or "live_server" in names
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from gebiedskompas.accounts.models import Role
    from gebiedskompas.accounts.services import ensure_default_roles

    if not Role.objects.exists():
        ensure_default_roles()


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """A test that switched the language (a CLI command with --lang, a page in English) must
    not leave it on for the next test in the same process."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    kompas(env_for(folder), "migrate")
    return folder / "kompas.sqlite3"


@pytest.fixture
def sqlite_install(sqlite_template: Path) -> Callable[..., dict[str, str]]:
    """An installation on SQLite in `folder`, migrated; returns its environment."""

    def make(folder: Path, **extra: str) -> dict[str, str]:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(sqlite_template, folder / "kompas.sqlite3")
        return env_for(folder, **extra)

    return make


def pytest_configure(config: pytest.Config) -> None:
    _flush_postgresql_by_delete()


def _flush_postgresql_by_delete() -> None:
    """After each `transaction=True` test Django empties every table with one TRUNCATE; on
    PostgreSQL that costs seconds (a new file per table and index), DELETE of the few rows a test
    leaves costs milliseconds. Same result: all rows gone, sequences left as they were (Django
    does not reset them either unless asked, and then the TRUNCATE still runs). Every foreign key
    Django creates on PostgreSQL is DEFERRABLE INITIALLY DEFERRED and the flush runs in one
    transaction, so the order of the DELETEs does not matter; an immediate key added one day
    would fail the teardown loudly, not leave rows behind."""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no psycopg: the suite runs on SQLite only
        return
    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: Any,
        style: Any,
        tables: Any,
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or allow_cascade or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
