from django.contrib import admin

from gebiedskompas.participation.models import BudgetRound, Idea, Initiative, PhasePlan


class PhasePlanInline(admin.TabularInline):  # type: ignore[type-arg]  # django-stubs generic
    model = PhasePlan
    extra = 0


@admin.register(BudgetRound)
class BudgetRoundAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # django-stubs generic
    """Set up a round and its phase dates here; phases move only through the service (the
    round's staff page), which checks the table and records the winners."""

    list_display = ("name", "area", "budget", "ballot_type", "phase")
    list_filter = ("phase", "ballot_type")
    readonly_fields = ("phase", "source")
    inlines = (PhasePlanInline,)


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # django-stubs generic
    list_display = ("title", "round", "status", "cost", "selected")
    list_filter = ("status",)
    # The check and the result are set by services.py only.
    readonly_fields = ("status", "cost", "public_reason", "checked_by", "selected", "project_id")


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # django-stubs generic
    list_display = ("title", "area", "budget_asked", "status")
    list_filter = ("status",)
    exclude = ("token_hash", "idempotency_key")
    readonly_fields = ("status", "amount_granted", "amount_paid", "decided_by", "action")
