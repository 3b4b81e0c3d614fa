"""A small cache-based rate limit for public forms (sign-in, and any other that asks).

Counts submissions per form and client address in fixed windows in Django's cache; a form over
its limit answers 429. The API has DRF's throttling instead (api/throttling.py).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/hour' → (20, 3600). Raises ValueError naming the rate when it is malformed."""
    try:
        count, period = rate.split("/")
        return int(count), PERIODS[period.strip().rstrip("s")]
    except (ValueError, KeyError) as exc:
        raise ValueError(f"rate {rate!r}: expected N/second, N/minute, N/hour or N/day") from exc


def hit(scope: str, client: str, rate: str) -> bool:
    """Count one submission; False when the client is over the limit for this window."""
    limit, seconds = parse_rate(rate)
    window = int(time.time() // seconds)
    digest = hashlib.sha256(f"{scope}|{client}".encode()).hexdigest()[:32]
    key = f"kompas-rate:{digest}:{window}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds + 1)
        count = 1
    return count <= limit


def limit_posts(scope: str, rate: str | None = None) -> Callable[..., Any]:
    """View decorator: POSTs beyond the rate (default ``settings.FORM_RATE``) per client
    address get a 429 page."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST" and not hit(
                scope, str(request.META.get("REMOTE_ADDR", "")), rate or settings.FORM_RATE
            ):
                return TemplateResponse(request, "accounts/too_many.html", status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
