"""Rate limits for the public API, read at request time from the KOMPAS_API_ANON_RATE and
KOMPAS_API_USER_RATE settings."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str:
        return str(settings.API_RATES["anon"])


class UserThrottle(UserRateThrottle):
    def get_rate(self) -> str:
        return str(settings.API_RATES["user"])
