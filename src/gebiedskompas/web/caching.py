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
from django.core.cache import cache
from django.utils import translation

from gebiedskompas.areas import versioning

T = TypeVar("T")


def cached(kind: str, parts: tuple[object, ...], build: Callable[[], T]) -> T:
    """``build()``'s result, cached under ``kind``, ``parts``, the language and the data
    version."""
    seconds = int(getattr(settings, "KOMPAS_PAGE_CACHE_SECONDS", 0))
    if seconds <= 0:
        return build()
    raw = "|".join(str(p) for p in (*parts, translation.get_language() or ""))
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    key = f"kompas:{kind}:{versioning.current()}:{digest}"
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = build()
    cache.set(key, value, seconds)
    return value
