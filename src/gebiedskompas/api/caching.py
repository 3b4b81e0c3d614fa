"""Open-data answers cached under the data version.

The public reads of areas, indicators and observations change only when the data version
does (``areas.versioning``): an answer to a reader without a session or key is cached under
the version, the absolute URL (the paging links hold it), the Accept and Accept-Language
headers and the language, in the page cache (``caches["pages"]``, shared by every server
process). Disclosure control
makes the observations endpoint the costly one; a repeated question is then answered without
it. Signed-in readers and key holders, who may see unsuppressed values, are never served from
here nor stored into it. Throttling still applies: the cache sits inside the view.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.utils import translation
from rest_framework.request import Request
from rest_framework.response import Response

from gebiedskompas.areas import versioning

# Headers a view sets on its answer that belong to the content (the rest is added on the way
# out: API-Version, security headers).
_KEPT_HEADERS = ("Link", "X-Kompas-Openbaar", "Content-Disposition")


def _key(request: Request) -> str:
    raw = "|".join(
        (
            request.build_absolute_uri(),
            request.headers.get("Accept", ""),
            request.headers.get("Accept-Language", ""),
            translation.get_language() or "",
        )
    )
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    return f"kompas:api:{versioning.stamp()}:{digest}"


def public_answer(view: Callable[..., Response]) -> Callable[..., Response]:
    """Cache a GET handler's 200 answers for anonymous readers (see the module's docstring)."""

    @wraps(view)
    def wrapped(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        seconds = int(getattr(settings, "KOMPAS_PAGE_CACHE_SECONDS", 0))
        if seconds <= 0 or request.user.is_authenticated or request.auth is not None:
            return view(self, request, *args, **kwargs)
        key = _key(request)
        store = caches["pages"]
        found = store.get(key)
        if found is not None:
            data, headers = found
            return Response(data, headers=headers)
        response = view(self, request, *args, **kwargs)
        if response.status_code == 200 and isinstance(response, Response):
            headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
            store.set(key, (response.data, headers), seconds)
        return response

    return wrapped
