from django.contrib import admin

from cbcoord.core.admin_site import SecretariatAdmin
from cbcoord.iati.models import Codelist, CodelistItem


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
