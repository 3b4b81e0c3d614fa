from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from gebiedskompas.accounts.models import ApiToken, Organisation, Role, RoleAssignment
from gebiedskompas.accounts.services import issue_token


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # django-stubs generic
    list_display = ("code", "name")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # django-stubs generic
    list_display = ("code", "name", "kind", "municipality")
    list_filter = ("kind",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped library
    list_display = ("user", "role", "area", "organisation", "source")
    list_filter = ("role", "source")
    autocomplete_fields = ()
    raw_id_fields = ("user", "area")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # django-stubs generic
    list_display = ("name", "prefix", "user", "organisation", "created_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
    fields = ("user", "organisation", "name", "prefix", "created_at", "last_used_at", "revoked_at")

    def save_model(self, request: Any, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key = issue_token(obj.user, obj.name, organisation=obj.organisation)
        created = ApiToken.objects.get(prefix=key.split(".", 1)[0])
        obj.pk = created.pk
        messages.warning(request, f"API-sleutel (alleen nu zichtbaar): {key}")
