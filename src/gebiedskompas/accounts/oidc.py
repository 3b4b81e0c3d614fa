"""OpenID Connect sign-in (mozilla-django-oidc), active only when configured.

The OpenID Connect settings (KOMPAS_OIDC_CLIENT_ID and the rest) name the client and the
provider's endpoints. Users are matched on the provider's subject (``sub``), kept as the user
name ``oidc:<sub>`` so that no provider account can take over a local one. Roles come from the
claim ``KOMPAS_OIDC_ROLE_CLAIM`` mapped by ``KOMPAS_OIDC_ROLE_MAP`` (``group=role@AREA,...``)
and are replaced at every sign-in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from gebiedskompas.accounts.services import MappedRole, sync_external_roles
from gebiedskompas.core.errors import KompasError, gettext_noop

USERNAME_PREFIX = "oidc:"


def is_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_AUTHORIZATION_ENDPOINT)


def parse_role_map(text: str) -> dict[str, list[MappedRole]]:
    """'grp=analist@GM0153,ops=operator' → {'grp': [analist@GM0153], 'ops': [operator]}.
    Raises KompasError naming the entry that is not GROUP=ROLE or GROUP=ROLE@AREA."""
    out: dict[str, list[MappedRole]] = {}
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        group, sep, target = entry.partition("=")
        role, _, area = target.partition("@")
        if not sep or not group.strip() or not role.strip():
            raise KompasError(
                gettext_noop(
                    "KOMPAS_OIDC_ROLE_MAP: {entry!r} is not GROUP=ROLE or GROUP=ROLE@AREA"
                ),
                entry=entry,
            )
        out.setdefault(group.strip(), []).append(
            MappedRole(role=role.strip(), area=area.strip() or None)
        )
    return out


def roles_from_claims(claims: Mapping[str, Any], claim: str, role_map: str) -> list[MappedRole]:
    value = claims.get(claim, [])
    groups: Iterable[str] = [value] if isinstance(value, str) else (value or [])
    mapping = parse_role_map(role_map)
    return [mapped for group in groups for mapped in mapping.get(str(group), [])]


class KompasOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]  # untyped library
    def filter_users_by_claims(self, claims: Mapping[str, Any]) -> Any:
        sub = claims.get("sub")
        if not sub:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(username=f"{USERNAME_PREFIX}{sub}"[:150])

    def verify_claims(self, claims: Mapping[str, Any]) -> bool:
        return bool(claims.get("sub"))

    def create_user(self, claims: Mapping[str, Any]) -> Any:
        user = self.UserModel.objects.create_user(
            username=f"{USERNAME_PREFIX}{claims['sub']}"[:150],
            email=claims.get("email", ""),
            first_name=claims.get("given_name", "")[:150],
            last_name=claims.get("family_name", "")[:150],
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        return self.update_user(user, claims)

    def update_user(self, user: Any, claims: Mapping[str, Any]) -> Any:
        sync_external_roles(
            user, roles_from_claims(claims, settings.OIDC_ROLE_CLAIM, settings.OIDC_ROLE_MAP)
        )
        return user


class AuthenticateView(OIDCAuthenticationRequestView):  # type: ignore[misc]  # untyped library
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_enabled():
            raise Http404("single sign-on is not configured")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[no-any-return]


class CallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]  # untyped library
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_enabled():
            raise Http404("single sign-on is not configured")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[no-any-return]
