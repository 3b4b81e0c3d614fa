"""Every write to roles, assignments and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from gebiedskompas.accounts import permissions
from gebiedskompas.accounts.models import (
    ApiToken,
    AssignmentSource,
    Organisation,
    Role,
    RoleAssignment,
)
from gebiedskompas.accounts.roles import DEFAULT_ROLES, MANAGE_ROLES
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError, NotFound, PermissionDenied, gettext_noop

TOKEN_PREFIX_LENGTH = 8


def ensure_default_roles() -> int:
    """Create the default roles that are missing; existing roles keep their (edited) actions."""
    created = 0
    for spec in DEFAULT_ROLES.values():
        _, new = Role.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "permissions": sorted(spec.actions),
            },
        )
        created += new
    return created


def _role(code: str) -> Role:
    try:
        return Role.objects.get(code=code)
    except Role.DoesNotExist as exc:
        raise NotFound(
            gettext_noop("unknown role {code}; expected one of {join_default_roles}"),
            code=code,
            join_default_roles=", ".join(DEFAULT_ROLES),
        ) from exc


def _area(code: str | None) -> Area | None:
    if not code:
        return None
    try:
        return Area.objects.get(code=code)
    except Area.DoesNotExist as exc:
        raise NotFound(gettext_noop("unknown area {code}"), code=code) from exc


def assign_role(
    user: Any,
    role_code: str,
    area_code: str | None = None,
    *,
    organisation: Organisation | None = None,
    by: Any = None,
    source: str = AssignmentSource.LOCAL,
) -> RoleAssignment:
    """Give `user` the role for the area (None: installation-wide). Idempotent. When `by` is
    given, `by` must hold manage_roles for that area."""
    role = _role(role_code)
    area = _area(area_code)
    if by is not None:
        permissions.require(by, MANAGE_ROLES, area)
    with transaction.atomic():
        assignment, _ = RoleAssignment.objects.get_or_create(
            user=user, role=role, area=area, organisation=organisation, defaults={"source": source}
        )
    permissions.forget(user)
    return assignment


def revoke_role(assignment_id: int, *, by: Any = None) -> None:
    try:
        assignment = RoleAssignment.objects.select_related("area").get(pk=assignment_id)
    except RoleAssignment.DoesNotExist as exc:
        raise NotFound(
            gettext_noop("unknown role assignment {assignment_id}"), assignment_id=assignment_id
        ) from exc
    if by is not None:
        permissions.require(by, MANAGE_ROLES, assignment.area)
    assignment.delete()
    permissions.forget(assignment.user)


@dataclass(frozen=True)
class MappedRole:
    role: str
    area: str | None


def sync_external_roles(user: Any, mapped: Iterable[MappedRole]) -> int:
    """Replace the user's roles from the identity provider by `mapped`; local ones stay.
    Roles or areas the installation does not know are skipped. Returns the number kept."""
    wanted = list(mapped)
    with transaction.atomic():
        RoleAssignment.objects.filter(user=user, source=AssignmentSource.OIDC).delete()
        kept = 0
        for item in wanted:
            try:
                assign_role(user, item.role, item.area, source=AssignmentSource.OIDC)
            except NotFound:
                continue
            kept += 1
    permissions.forget(user)
    return kept


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_token(user: Any, name: str, *, organisation: Organisation | None = None) -> str:
    """Issue an API key acting as `user`; returns the key, which is not stored."""
    if not name.strip():
        raise KompasError(gettext_noop("an API key needs a name"))
    prefix = secrets.token_hex(TOKEN_PREFIX_LENGTH // 2)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    ApiToken.objects.create(
        user=user, organisation=organisation, name=name.strip(), prefix=prefix, key_hash=_hash(key)
    )
    return key


def user_for_token(key: str) -> tuple[Any, ApiToken] | None:
    """The user and token for a presented key, or None when unknown or revoked."""
    prefix = key.split(".", 1)[0]
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if token is None or not secrets.compare_digest(token.key_hash, _hash(key)):
        return None
    if not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user, token


def revoke_token(prefix: str) -> None:
    updated = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise NotFound(gettext_noop("no active API key {prefix}"), prefix=prefix)


# --- acting for a user at the command line ------------------------------------------------------


def acting_user(name: str) -> Any:
    """The active user a command acts for (``kompas … --as NAME`` or KOMPAS_USER)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise NotFound(gettext_noop("--as: unknown user {name!r}"), value=name, name=name)
    if not user.is_active:
        raise KompasError(gettext_noop("--as: user {name!r} is not active"), value=name, name=name)
    return user


def require_acting(
    user: Any, action: str | tuple[str, ...], area_code: str | None, *, doing: str
) -> None:
    """Refuse, with one clear line, a command acting for `user` without `action` (or any one of
    several) for the area `area_code` (None: the whole installation). ``user`` None is the
    installation operator."""
    if user is None:
        return
    actions = (action,) if isinstance(action, str) else action
    # A municipality not yet registered is created by the command: installation-wide rights.
    area = Area.objects.filter(code=area_code).first() if area_code else None
    if not any(permissions.can(user, a, area) for a in actions):
        if area is not None:
            where = f"{area.name} ({area.code})"
        elif area_code:
            where = f"{area_code} (not registered yet; needs rights for the whole installation)"
        else:
            where = "the whole installation"
        raise PermissionDenied(
            gettext_noop("user {username!r} may not {doing} for {where}"),
            username=user.get_username(),
            doing=doing,
            where=where,
        )
