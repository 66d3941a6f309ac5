from django.contrib import admin

from cbcoord.core.admin_site import SecretariatAdmin
from cbcoord.iati.models import Codelist, CodelistItem, ImportRefusal, ImportRun


class CodelistItemInline(admin.TabularInline):
    model = CodelistItem
    extra = 0


@admin.register(Codelist)
class CodelistAdmin(SecretariatAdmin):
    list_display = ("name", "embedded", "source")
    search_fields = ("name",)


@admin.register(CodelistItem)
class CodelistItemAdmin(SecretariatAdmin):
    list_display = ("codelist", "code", "name", "is_withdrawn")
    list_filter = ("codelist",)
    search_fields = ("code", "name")


class ImportRefusalInline(admin.TabularInline):
    model = ImportRefusal
    extra = 0
    can_delete = False
    readonly_fields = ("identifier", "line", "element", "reason")

    def has_add_permission(self, request, obj=None):
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
