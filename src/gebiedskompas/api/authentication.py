"""API keys for integrations: ``Authorization: Token <key>``; the key acts as its user."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from gebiedskompas.accounts.services import user_for_token

KEYWORD = "Token"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization: Token <sleutel> verwacht.")
        found = user_for_token(header[1])
        if found is None:
            raise exceptions.AuthenticationFailed("Onbekende of ingetrokken API-sleutel.")
        user, token = found
        # A key issued to one organisation acts for that organisation only (api.services), even
        # when its user acts for several.
        user._kompas_token_organisation = token.organisation_id
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]  # untyped library
    target_class = "gebiedskompas.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <sleutel>, uitgegeven per partnerorganisatie.",
        }
