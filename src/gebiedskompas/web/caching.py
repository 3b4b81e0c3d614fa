"""Pages built from figures, cached under the data version.

The wijkfoto and the ranking only change when areas, figures or stories change, and every such
change raises the data version (``areas.versioning``). So their rendered content is cached
under a key holding the version, the language and whether the reader sees true or
disclosure-controlled figures: a change shows on the next request, nothing has to be purged,
and a reader never gets a page meant for a reader with other rights. The part of the page that
depends on the reader (the header with their name, the form tokens) is rendered per request
around it. ``KOMPAS_PAGE_CACHE_SECONDS`` bounds how long an entry lives (0 turns caching off).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.utils import translation

from gebiedskompas.areas import versioning

T = TypeVar("T")

PAGES = "pages"


def _key(kind: str, parts: tuple[object, ...]) -> str:
    raw = "|".join(str(p) for p in (*parts, translation.get_language() or ""))
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    return f"kompas:{kind}:{versioning.current()}:{digest}"


def _seconds() -> int:
    return int(getattr(settings, "KOMPAS_PAGE_CACHE_SECONDS", 0))


def page_cache() -> BaseCache:
    """The cache for rendered pages: shared by the server's processes and the worker (which
    warms it, see web.warming), in the data folder unless configured otherwise."""
    return caches[PAGES]


def cached(kind: str, parts: tuple[object, ...], build: Callable[[], T]) -> T:
    """``build()``'s result, cached under ``kind``, ``parts``, the language and the data
    version."""
    seconds = _seconds()
    if seconds <= 0:
        return build()
    key = _key(kind, parts)
    store = page_cache()
    found = store.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = build()
    store.set(key, value, seconds)
    return value


def ensure(kind: str, parts: tuple[object, ...], build: Callable[[], object]) -> bool:
    """Put ``build()``'s result in the cache unless it is there; True when it was built."""
    seconds = _seconds()
    if seconds <= 0:
        return False
    key = _key(kind, parts)
    store = page_cache()
    if store.has_key(key):
        return False
    store.set(key, build(), seconds)
    return True
