from django.contrib import admin

from gebiedskompas.signals.models import Category, EscalationStep, RoutingRule, Signal


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # django-stubs generic
    list_display = ("code", "name", "parent", "municipality", "handling_days", "handling_day_kind")
    list_filter = ("municipality",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # django-stubs generic
    list_display = ("municipality", "order", "category", "area", "starts", "ends", "department")


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # django-stubs generic
    list_display = ("reference", "category", "area", "status", "deadline")
    list_filter = ("status", "channel")
    # History and reporters are changed only through services.py; read-only here.
    readonly_fields = ("status", "idempotency_key", "reported_at", "closed_at")


@admin.register(EscalationStep)
class EscalationStepAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # django-stubs generic
    """A municipality's own escalation ladder; without rows the default ladder applies."""

    list_display = ("municipality", "order", "code", "label", "after_working_days", "role")
    list_filter = ("municipality",)
