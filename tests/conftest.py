"""Shared fixtures: where ../shared/data is, and a data folder per test session."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

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
