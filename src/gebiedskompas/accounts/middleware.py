"""Enforce the second factor for users who enabled one.

django-otp's middleware marks a request verified once the user entered a code this session; a
signed-in user with a confirmed TOTP device who has not is sent to the code page, whatever page
(the admin included) they ask for.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

EXEMPT_NAMES = ("accounts:login", "accounts:verify", "accounts:logout")


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[union-attr]  # added by OTPMiddleware
            and request.path not in {reverse(name) for name in EXEMPT_NAMES}
            and not request.path.startswith("/static/")
            and user_has_device(user, confirmed=True)
        ):
            return redirect(f"{reverse('accounts:verify')}?next={request.get_full_path()}")
        return self.get_response(request)
