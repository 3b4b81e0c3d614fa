"""Security headers every response carries.

The Content Security Policy is django-csp's (``CONTENT_SECURITY_POLICY`` in settings); this adds
the headers it does not cover.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(
            "Permissions-Policy", "geolocation=(), camera=(), microphone=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class DutchFirstLocaleMiddleware:
    """Dutch unless the visitor chose another language with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show most
    visitors with an English-language browser an English site. A Dutch public body's site is
    Dutch first; English is offered, not guessed. The switch (Django's set_language view) stores
    the choice in the language cookie, which is what the pages read.

    The API is different: a client program states the language it wants in Accept-Language on
    purpose, so under /api/ a header naming an offered language is followed (error messages in
    problem+json, ADR 0009); without one the cookie or the default applies as on the pages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        offered = dict(settings.LANGUAGES)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if request.path.startswith("/api/"):
            chosen = _asked_language(request.headers.get("Accept-Language", ""), offered) or chosen
        language = chosen if chosen in offered else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        if request.path.startswith("/api/"):
            patch_vary_headers(response, ["Accept-Language"])
        return response


def _asked_language(header: str, offered: Collection[str]) -> str:
    """The offered language the Accept-Language `header` ranks highest ('' when none)."""
    from django.utils.translation.trans_real import parse_accept_lang_header

    for tag, _quality in parse_accept_lang_header(header):
        base = tag.split("-")[0].lower()
        if base in offered:
            return base
    return ""
