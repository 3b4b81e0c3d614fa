"""Pages built from figures, cached under the data version.

The wijkfoto and the ranking only change when areas, figures or stories change, and every such
change raises the data version (``areas.versioning``). So their rendered content is cached
under a key holding the version, the language and whether the reader sees true or
disclosure-controlled figures: a change shows on the next request, nothing has to be purged,
and a reader never gets a page meant for a reader with other rights. The part of the page that
depends on the reader (the header with their name, the form tokens) is rendered per request
around it. ``KOMPAS_PAGE_CACHE_SECONDS`` bounds how long an entry lives (0 turns caching off).

Most readers of these pages are the public, without a session: for them the whole page is the
same but for the form token, so :func:`public_page` keeps the whole rendered page and puts a
fresh token in per request; the server then does little more for such a page than for a
static file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

from gebiedskompas.areas import versioning

T = TypeVar("T")

PAGES = "pages"


# The data version a public page is being built under, so its cached parts use the same one
# (and it is read once).
_building_under: ContextVar[str | None] = ContextVar("building_under", default=None)


def _key(kind: str, parts: tuple[object, ...], version: str | None = None) -> str:
    raw = "|".join(str(p) for p in (*parts, translation.get_language() or ""))
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    if version is None:
        version = _building_under.get()
    if version is None:
        version = versioning.stamp()
    return f"kompas:{kind}:{version}:{digest}"


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
    if _building_under.get() is None:
        # Not while a public page is built: the whole page is cached, and its part beside it
        # would double the cache for the few readers with a session who could use it.
        store.set(key, value, seconds)
    return value


# The hidden field Django's {% csrf_token %} writes; its value is the only part of a public page
# that differs between readers.
_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_TOKEN_SLOT = "\x00csrf\x00"
# What a public page may be: the page itself, or the GeoJSON its map draws.
CACHED_TYPES = ("text/html", "application/json", "application/geo+json")


def _without_session(request: HttpRequest) -> bool:
    """A reader the page is the same for as for everyone: no session (so not signed in, no
    vote or form in progress) and no message waiting to be shown."""
    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
    )


def public_page_cached(kind: str, path: str) -> bool:
    """Whether the cache holds the public page at ``path`` in the active language for the
    current data version."""
    return _seconds() > 0 and page_cache().has_key(_key(f"page-{kind}", (path,)))


def visit_as_public(view: Callable[..., HttpResponse], path: str, **kwargs: Any) -> int:
    """Call ``view`` for ``path`` as a reader without a session would (no cookies, not signed
    in, the active language), so a :func:`public_page` view caches what that reader gets.
    Returns the answer's status code."""
    from django.contrib.auth.models import AnonymousUser

    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.META = {"SERVER_NAME": "localhost", "SERVER_PORT": "80", "REQUEST_METHOD": "GET"}
    request.user = AnonymousUser()
    request.LANGUAGE_CODE = translation.get_language() or settings.LANGUAGE_CODE  # type: ignore[attr-defined]
    return view(request, **kwargs).status_code


def public_page(
    kind: str, params: tuple[str, ...] = ()
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Cache the whole page a view renders for readers without a session, under ``kind``, the
    full path (with its query), the language and the data version. Other readers, and answers
    other than a 200 HTML or JSON page, pass through untouched; so does a request with a query
    parameter the page does not read (not in ``params``), so made-up queries cannot fill the
    cache and push out the pages readers open."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            seconds = _seconds()
            if (
                seconds <= 0
                or not _without_session(request)
                or any(name not in params for name in request.GET)
            ):
                return view(request, *args, **kwargs)
            version = versioning.stamp()
            key = _key(f"page-{kind}", (request.get_full_path(),), version)
            store = page_cache()
            found = store.get(key)
            if found is None:
                building = _building_under.set(version)
                try:
                    response = view(request, *args, **kwargs)
                finally:
                    _building_under.reset(building)
                if (
                    response.status_code != 200
                    or response.streaming
                    or response.cookies
                    or not response.get("Content-Type", "").startswith(CACHED_TYPES)
                ):
                    return response
                found = (
                    response["Content-Type"],
                    _TOKEN.sub(
                        lambda m: m.group(1) + _TOKEN_SLOT + m.group(2), response.content.decode()
                    ),
                )
                store.set(key, found, seconds)
            content_type, html = found
            if _TOKEN_SLOT in html:
                # Sets the token cookie too, as rendering the form would have.
                html = html.replace(_TOKEN_SLOT, get_token(request))
            return HttpResponse(html, content_type=content_type)

        return wrapped

    return decorator
