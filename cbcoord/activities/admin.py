from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from cbcoord.accounts.admin_site import SecretariatAdmin, SecretariatInline
from cbcoord.activities import derive, evidence
from cbcoord.activities.models import Activity, ActivityProvision


class ActivityProvisionInline(SecretariatInline, admin.TabularInline):
    model = ActivityProvision
    extra = 0
    autocomplete_fields = ("provision",)
    # The evidence is the rules' (compact items): shown as sentences, not typed in.
    exclude = ("evidence",)
    readonly_fields = ("evidence_sentences",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActivityProvision]:
        return super().get_queryset(request).select_related("provision")

    @admin.display(description=_("evidence"))
    def evidence_sentences(self, tag: ActivityProvision) -> SafeString | str:
        if tag.pk is None:
            return "—"
        found = evidence.tag_sentences(tag)
        return format_html_join("", "<p>{}</p>", ((sentence,) for sentence in found)) or "—"


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
