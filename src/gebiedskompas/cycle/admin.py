from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gebiedskompas.cycle import services
from gebiedskompas.cycle.models import Story
from gebiedskompas.i18n import error_message


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at run time
    list_display = ("__str__", "author_role", "theme", "date", "status", "created_at")
    list_filter = ("status", "author_role", "theme")
    search_fields = ("title", "text", "areas__name", "areas__code")
    filter_horizontal = ("areas", "indicators")
    readonly_fields = ("created_at", "moderated_at", "moderated_by", "submitter_hash")
    actions = ["approve", "reject"]

    @admin.action(description=_("Geselecteerde verhalen goedkeuren"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        self._moderate(request, queryset, approve=True)

    @admin.action(description=_("Geselecteerde verhalen afwijzen"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        self._moderate(request, queryset, approve=False)

    def _moderate(self, request: HttpRequest, queryset: QuerySet[Story], *, approve: bool) -> None:
        ids: list[Any] = list(queryset.values_list("pk", flat=True))
        done = 0
        for pk in ids:
            try:
                services.moderate_story(pk, approve=approve, by=request.user)
            except services.NotAllowed as exc:
                self.message_user(request, error_message(exc), messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(n)d verhalen beoordeeld.") % {"n": done}, messages.SUCCESS)
