"""The data version: a counter raised by every transaction that changes areas, indicators,
observations or stories, so pages built from them can be cached under it.

Model saves and deletes of the watched models raise it through Django's signals (connected in
``AreasConfig.ready``); the bulk paths that bypass signals (raw inserts, ``bulk_create``,
queryset ``update``) call :func:`changed` themselves. The counter is raised inside the
transaction: readers see the new version exactly when they see the new
data, and a rolled-back import leaves the version (and so every cached page) as it was. The
price: on PostgreSQL a second writer of watched data waits for the first's commit at the
counter's row.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, router
from django.db.models import F

from gebiedskompas.areas.models import DataVersion

# Models whose changes alter a public page, as (app label, model name) so this lower app does not
# import the higher ones; None: every model of the app.
WATCHED: dict[str, frozenset[str] | None] = {
    "areas": frozenset({"area", "areayear", "cluster", "codemapping", "cluster_members"}),
    "indicators": None,
    "cycle": frozenset({"story", "story_areas", "story_indicators"}),
}


def current() -> int:
    """The data version now (0 before anything was stored). One primary-key read, in plain
    SQL: every cached page asks for it, and the ORM's query building costs more than the read."""
    with connections[router.db_for_read(DataVersion)].cursor() as cursor:
        cursor.execute(f"SELECT version FROM {DataVersion._meta.db_table} WHERE id = 1")
        found = cursor.fetchone()
    return int(found[0]) if found else 0


def _raise() -> None:
    updated = DataVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        DataVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def stamp() -> str:
    """The data version with the moment its counter row was made, as one key part: for caches
    that outlive a database (the page cache on disk, a shared cache), so a database made again
    from scratch, whose counter starts over, never meets the pages of the one before. One
    primary-key read. (The counter is raised by queryset updates, which leave ``changed_at`` as
    it was when the row was made.)"""
    with connections[router.db_for_read(DataVersion)].cursor() as cursor:
        cursor.execute(f"SELECT version, changed_at FROM {DataVersion._meta.db_table} WHERE id = 1")
        found = cursor.fetchone()
    if not found:
        return "0"
    version, made = found
    return f"{int(version)}.{''.join(ch for ch in str(made) if ch.isdigit())}"


def raise_above(floor: int) -> int:
    """Set the version above both ``floor`` and what it is (after a restore put back an older
    counter: pages and trees cached under the numbers the installation used before must not
    be taken for the restored data). Returns the new version."""
    now = current()
    target = max(now, floor) + 1
    updated = DataVersion.objects.filter(pk=1).update(version=target)
    if not updated:
        DataVersion.objects.create(pk=1, version=target)
    return target


def changed() -> None:
    """Raise the version within the current transaction (a rolled-back one forgets it)."""
    _raise()


def on_model_change(sender: Any, **kwargs: Any) -> None:
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.app_label not in WATCHED:
        return
    models = WATCHED[meta.app_label]
    if models is not None and meta.model_name not in models:
        return
    if kwargs.get("raw"):  # loading fixtures
        return
    changed()
