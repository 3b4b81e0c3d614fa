"""A migrated, empty SQLite database to copy for each child `kompas` process (migrating a fresh
file takes far longer than copying one)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.ops.helpers import env_for, kompas


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
