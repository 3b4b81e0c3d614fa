from django.contrib import admin

from gebiedskompas.areas.models import Area, AreaYear, Cluster, CodeMapping


class AreaYearInline(admin.TabularInline):
    model = AreaYear
    extra = 0


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "municipality")
    list_filter = ("level",)
    search_fields = ("code", "name")
    # Stadsdelen are the municipality's own grouping: editing a wijk's parent moves it.
    autocomplete_fields = ("parent",)
    readonly_fields = ("municipality", "area_m2", "created_at", "updated_at")
    inlines = [AreaYearInline]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "municipality")
    search_fields = ("code", "name")
    filter_horizontal = ("members",)


@admin.register(CodeMapping)
class CodeMappingAdmin(admin.ModelAdmin):
    list_display = ("old_code", "new_code", "year", "share")
    search_fields = ("old_code", "new_code")
    list_filter = ("year",)
