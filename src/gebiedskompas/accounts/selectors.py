"""Reads of roles and assignments for pages, the admin and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gebiedskompas.accounts.models import Role, RoleAssignment


def roles() -> QuerySet[Role]:
    return Role.objects.order_by("code")


def assignments_of(user: Any) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("role", "area", "organisation")
