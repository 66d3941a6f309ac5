from django.contrib import admin

from cbcoord.accounts.admin_site import SecretariatAdmin, SecretariatInline
from cbcoord.registry.models import Member, Organisation, Person, Region, RegionalRole


@admin.register(Region)
class RegionAdmin(SecretariatAdmin):
    list_display = ("code", "name_en", "sort_order")
    search_fields = ("code", "name_en", "name_fr", "name_es", "name_pt")


class PersonInline(SecretariatInline, admin.TabularInline):
    model = Person
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(SecretariatAdmin):
    list_display = (
        "name",
        "acronym",
        "kind",
        "iati_org_id",
        "is_verified",
        "is_published",
        "is_demo",
    )
    list_filter = ("kind", "is_verified", "is_published", "is_demo")
    search_fields = ("name", "acronym", "iati_org_id", "key")
    filter_horizontal = ("active_regions",)
    inlines = [PersonInline]
    actions = ["mark_verified"]

    @admin.action(description="Mark selected organisations as verified")
    def mark_verified(self, request, queryset):
        for organisation in queryset:
            organisation.is_verified = True
            organisation._history_user = request.user
            organisation.save()


@admin.register(Member)
class MemberAdmin(SecretariatAdmin):
    list_display = ("name", "iso_code", "region", "membership_date", "verification")
    list_filter = ("region",)
    search_fields = ("name", "iso_code", "organisation__name")
    autocomplete_fields = ("organisation",)


@admin.register(Person)
class PersonAdmin(SecretariatAdmin):
    list_display = ("name", "title", "organisation", "is_published", "is_demo")
    search_fields = ("name", "email", "organisation__name")
    list_filter = ("is_demo", "is_published")


@admin.register(RegionalRole)
class RegionalRoleAdmin(SecretariatAdmin):
    list_display = ("region", "role", "organisation", "start_date", "end_date", "is_demo")
    list_filter = ("region", "role")
    autocomplete_fields = ("organisation",)
