from django.contrib import admin

from gebiedskompas.indicators.models import ImportBatch, Indicator


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "domain", "unit", "direction", "kind", "aggregation")
    list_filter = ("domain", "direction", "kind", "aggregation")
    search_fields = ("key", "name", "cbs_key")


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "file_name", "table_id", "created_by")
    list_filter = ("kind",)
    readonly_fields = ("kind", "file_name", "sha256", "table_id", "created_by", "summary")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]  # admin hook
        return False

    # A batch is the provenance of the values it set (part of the audit trail): kept for good.
    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]  # hook
        return False
