from django.contrib import admin

from cbcoord.accounts.admin_site import SecretariatAdmin
from cbcoord.frameworks.models import Instrument, Provision, ProvisionLink


@admin.register(Instrument)
class InstrumentAdmin(SecretariatAdmin):
    list_display = ("code", "title_en", "kind", "version", "verification")
    search_fields = ("code", "title_en")


@admin.register(Provision)
class ProvisionAdmin(SecretariatAdmin):
    list_display = ("code", "title_en", "instrument", "kind", "verification")
    list_filter = ("instrument", "kind")
    search_fields = ("code", "title_en", "title_fr", "title_es", "title_pt")
    autocomplete_fields = ("parent",)


@admin.register(ProvisionLink)
class ProvisionLinkAdmin(SecretariatAdmin):
    list_display = ("from_provision", "to_provision", "note")
    search_fields = ("from_provision__code", "to_provision__code", "note")
    autocomplete_fields = ("from_provision", "to_provision")
