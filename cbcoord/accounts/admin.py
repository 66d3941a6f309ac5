from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from cbcoord.accounts.admin_site import SecretariatAdmin
from cbcoord.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SecretariatAdmin):
    list_display = ("username", "email", "organisation", "role", "is_active", "is_demo")
    list_filter = ("role", "is_active", "is_demo")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("cbcoord", {"fields": ("organisation", "role", "is_demo")}),
    )
    autocomplete_fields = ("organisation",)


@admin.register(ApiToken)
class ApiTokenAdmin(SecretariatAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("token_hash", "prefix", "created_at", "last_used_at")
