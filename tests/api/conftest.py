from __future__ import annotations

import pytest

from tests.accounts.conftest import World, build_world


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    return build_world()
