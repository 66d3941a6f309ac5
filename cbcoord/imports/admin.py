from django.contrib import admin

from cbcoord.accounts.admin_site import SecretariatAdmin, SecretariatInline
from cbcoord.imports.models import ImportRefusal, ImportRun


class ImportRefusalInline(SecretariatInline, admin.TabularInline):
    """What a run refused: a record, read-only."""

    model = ImportRefusal
    extra = 0
    can_delete = False
    readonly_fields = ("identifier", "line", "element", "reason")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(SecretariatAdmin):
    """Import runs are a record of what happened: read-only."""

    list_display = (
        "started_at",
        "file_name",
        "source_kind",
        "user",
        "status",
        "added",
        "updated",
        "refused",
        "withdrawn",
        "held_back",
    )
    list_filter = ("status", "source_kind", "strict")
    search_fields = ("source", "file_name", "sha256", "user__username")
    date_hierarchy = "started_at"
    inlines = [ImportRefusalInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ImportRun._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRefusal)
class ImportRefusalAdmin(SecretariatAdmin):
    list_display = ("run", "identifier", "line", "element", "reason")
    search_fields = ("identifier", "reason")
    list_select_related = ("run",)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
