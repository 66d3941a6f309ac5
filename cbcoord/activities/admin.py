from django.contrib import admin

from cbcoord.accounts.admin_site import SecretariatAdmin
from cbcoord.activities import derive
from cbcoord.activities.models import Activity, ActivityProvision


class ActivityProvisionInline(admin.TabularInline):
    model = ActivityProvision
    extra = 0
    autocomplete_fields = ("provision",)


@admin.register(Activity)
class ActivityAdmin(SecretariatAdmin):
    """Browse and fix the bookkeeping fields. The IATI content is edited through the activity
    pages (services keep the columns and index rows in step with it), so it is read-only here."""

    list_display = (
        "iati_identifier",
        "title_text",
        "reporting_org",
        "status",
        "visibility",
        "origin",
        "hand_edited",
        "withdrawn_at",
        "is_demo",
    )
    list_filter = ("visibility", "origin", "hand_edited", "status", "is_demo")
    search_fields = ("iati_identifier", "title_text", "reporting_org__name")
    list_select_related = ("reporting_org",)
    autocomplete_fields = ("reporting_org", "visible_to")
    readonly_fields = (  # the columns derived from the content follow it, never typed in
        "iati_identifier",
        *derive.COLUMN_NAMES,
        "data",
        "warnings",
        "publisher_data",
        "origin",
        "import_run",
        "source_key",
        "created_by",
        "regions",
    )
    fields = (
        "iati_identifier",
        "reporting_org",
        "title_text",
        "status",
        "visibility",
        "visible_to",
        "is_demo",
        "hand_edited",
        "withdrawn_at",
        "origin",
        "import_run",
        "source_key",
        "created_by",
        "planned_start",
        "actual_start",
        "planned_end",
        "actual_end",
        "default_currency",
        "hierarchy",
        "last_updated_datetime",
        "total_budget",
        "total_commitment",
        "total_spend",
        "regions",
        "warnings",
        "data",
        "publisher_data",
    )
    inlines = [ActivityProvisionInline]
