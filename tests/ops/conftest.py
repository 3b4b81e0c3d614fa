"""A migrated, empty SQLite database to copy for each child `kompas` process (migrating a fresh
file takes far longer than copying one)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ops.helpers import env_for, kompas


@pytest.fixture(scope="session")
def sqlite_template(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: Any, django_db_blocker: Any
) -> Path:
    folder = tmp_path_factory.mktemp("template")
    path = folder / "kompas.sqlite3"
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            with contextlib.closing(sqlite3.connect(path)) as dest:
                connection.connection.backup(dest)
            return path
    kompas(env_for(folder), "migrate")
    return path


@pytest.fixture
def sqlite_install(sqlite_template: Path) -> Callable[..., dict[str, str]]:
    """An installation on SQLite in `folder`, migrated; returns its environment."""

    def make(folder: Path, **extra: str) -> dict[str, str]:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(sqlite_template, folder / "kompas.sqlite3")
        return env_for(folder, **extra)

    return make
