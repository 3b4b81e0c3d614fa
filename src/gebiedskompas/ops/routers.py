"""Read replicas: reads go to a replica, writes to the primary (``default``).

Configured by KOMPAS_DATABASE_REPLICA_URLS (settings adds ``replica1``, ``replica2``, … aliases).
Reads go to the primary instead when:
- a transaction is open on the primary (a service reading what it is about to change must see
  its own writes and lock the primary's rows);
- the model belongs to an app whose reads must never lag behind writes: sign-in and sessions,
  lock-outs, second factors, roles, the task queue and the worker's heartbeats;
- code runs inside ``primary()`` (e.g. a view showing what was saved a moment ago).
Migrations run on the primary only; replicas get the schema through replication.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connections

PRIMARY = "default"
PRIMARY_ONLY_APPS = frozenset(
    {
        "auth",
        "sessions",
        "axes",
        "otp_totp",
        "django_otp",
        "accounts",
        "admin",
        "django_tasks_db",
        "ops",
        "contenttypes",
    }
)

_state = threading.local()


@contextlib.contextmanager
def primary() -> Iterator[None]:
    """Within this block every read goes to the primary."""
    depth = getattr(_state, "depth", 0)
    _state.depth = depth + 1
    try:
        yield
    finally:
        _state.depth = depth


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        pool = replicas()
        if (
            not pool
            or getattr(_state, "depth", 0)
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return random.choice(pool)  # noqa: S311  # spreading load, not security

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Replicas hold the same data as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY
