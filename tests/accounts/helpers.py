"""Give test users roles: `grant(user, "analist", area)`; the default roles are made if absent."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from gebiedskompas.accounts.models import RoleAssignment
from gebiedskompas.accounts.services import assign_role, ensure_default_roles


def grant(user: Any, role: str, area: Any = None, **options: Any) -> RoleAssignment:
    ensure_default_roles()
    code = area if isinstance(area, str) or area is None else area.code
    return assign_role(user, role, code, **options)


def user_with(role: str | None, area: Any = None, *, username: str | None = None) -> Any:
    """A new user holding `role` on `area` (none when `role` is None)."""
    name = username or f"{role or 'burger'}-{getattr(area, 'code', area) or 'overal'}"
    user = get_user_model().objects.create_user(name, password="een-lang-wachtwoord-42")
    if role:
        grant(user, role, area)
    return user
