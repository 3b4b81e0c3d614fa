"""OpenID Connect sign-in against a local provider started in the test (no external service):
discovery, token and JWKS endpoints on 127.0.0.1, an RS256 ID token signed with a key made here,
roles mapped from the groups claim."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from joserfc import jwt
from joserfc.jwk import RSAKey

from gebiedskompas.accounts.oidc import parse_role_map
from gebiedskompas.accounts.permissions import can
from gebiedskompas.core.errors import KompasError
from tests.accounts.conftest import World

pytestmark = [pytest.mark.web, pytest.mark.django_db]
CLIENT_ID = "gebiedskompas"


class Provider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self.published: RSAKey | None = None  # the key the JWKS shows, when not `key`
        self.codes: dict[str, str] = {}  # code → nonce
        self.claims: dict[str, Any] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802  # http.server's name
                path = urlparse(self.path).path
                if path == "/.well-known/openid-configuration":
                    self._json(provider.discovery())
                elif path == "/jwks":
                    shown = provider.published or provider.key
                    self._json({"keys": [shown.as_dict(private=False)]})
                elif path == "/userinfo":
                    self._json(provider.claims)
                else:
                    self.send_response(404)
                    self.end_headers()

            def do_POST(self) -> None:  # noqa: N802  # http.server's name
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode())
                code = form.get("code", [""])[0]
                if urlparse(self.path).path != "/token" or code not in provider.codes:
                    self.send_response(400)
                    self.end_headers()
                    return
                now = int(time.time())
                claims = {
                    **provider.claims,
                    "iss": provider.url,
                    "aud": CLIENT_ID,
                    "iat": now,
                    "exp": now + 300,
                    "nonce": provider.codes.pop(code),
                }
                token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, provider.key)
                self._json({"access_token": "at-1", "id_token": token, "token_type": "Bearer"})

        return Handler

    def discovery(self) -> dict[str, str]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
        }

    def authorize(self, nonce: str) -> str:
        """What the provider's log-in page does: hand out a code bound to the nonce."""
        code = f"code-{len(self.codes) + 1}"
        self.codes[code] = nonce
        return code


@pytest.fixture
def provider() -> Iterator[Provider]:
    provider = Provider()
    thread = threading.Thread(target=provider.server.serve_forever, daemon=True)
    thread.start()
    yield provider
    provider.server.shutdown()
    provider.server.server_close()


def _configured(provider: Provider, role_map: str) -> Any:
    endpoints = provider.discovery()
    from django.conf import settings

    return override_settings(
        OIDC_RP_CLIENT_ID=CLIENT_ID,
        OIDC_RP_CLIENT_SECRET="geheim",
        OIDC_OP_AUTHORIZATION_ENDPOINT=endpoints["authorization_endpoint"],
        OIDC_OP_TOKEN_ENDPOINT=endpoints["token_endpoint"],
        OIDC_OP_USER_ENDPOINT=endpoints["userinfo_endpoint"],
        OIDC_OP_JWKS_ENDPOINT=endpoints["jwks_uri"],
        OIDC_RP_SIGN_ALGO="RS256",
        OIDC_ROLE_CLAIM="groups",
        OIDC_ROLE_MAP=role_map,
        AUTHENTICATION_BACKENDS=[
            *settings.AUTHENTICATION_BACKENDS,
            "gebiedskompas.accounts.oidc.KompasOIDCBackend",
        ],
    )


def _sign_in(client: Client, provider: Provider) -> Any:
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302
    location = urlparse(start["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.url}/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    code = provider.authorize(query["nonce"][0])
    return client.get("/oidc/callback/", {"code": code, "state": query["state"][0]})


def test_sign_in_with_the_identity_provider_maps_groups_to_roles(
    provider: Provider, world: World
) -> None:
    provider.claims = {
        "sub": "u-123",
        "email": "a.analist@example.org",
        "given_name": "Anna",
        "groups": ["gk-analisten", "iets-anders"],
    }
    with _configured(provider, "gk-analisten=analist@GM9999,gk-ops=operator"):
        client = Client()
        done = _sign_in(client, provider)
        assert done.status_code == 302 and done["Location"] == "/", done
        user = get_user_model().objects.get(username="oidc:u-123")
        assert user.email == "a.analist@example.org" and not user.has_usable_password()
        assert can(user, "view_internal", world.town.small_buurt)
        assert not can(user, "view_internal", world.other)
        assert client.session["_auth_user_id"] == str(user.pk)

        # Next sign-in: the provider moved the user to another group; roles follow.
        provider.claims["groups"] = ["gk-ops"]
        second = Client()
        assert _sign_in(second, provider).status_code == 302
        user = get_user_model().objects.get(username="oidc:u-123")
        assert can(user, "manage_roles", world.other)
        assert user.role_assignments.count() == 1


def test_a_token_signed_by_another_key_is_refused(provider: Provider, world: World) -> None:
    provider.claims = {"sub": "u-999", "groups": []}
    provider.published = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    with _configured(provider, ""):
        response = _sign_in(Client(), provider)
        assert response.status_code == 400  # SuspiciousOperation: JWS verification failed
        assert not get_user_model().objects.filter(username="oidc:u-999").exists()


def test_without_configuration_single_sign_on_is_off(world: World) -> None:
    assert Client().get("/oidc/authenticate/").status_code == 404
    assert Client().get("/oidc/callback/").status_code == 404


def test_a_malformed_role_map_names_the_entry() -> None:
    with pytest.raises(KompasError, match="KOMPAS_OIDC_ROLE_MAP: 'zonderrol' is not GROUP=ROLE"):
        parse_role_map("a=analist@GM0153,zonderrol")
