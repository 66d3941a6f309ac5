from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cbcoord.accounts.admin_site import SecretariatAdmin
from cbcoord.needs import services
from cbcoord.needs.models import Need, NeedActivityLink, TfaCommitment


@admin.register(Need)
class NeedAdmin(SecretariatAdmin):
    list_display = ("key", "member", "priority", "status", "member_position", "source", "is_demo")
    list_filter = ("status", "priority", "source", "member_position", "member__region")
    search_fields = ("key", "description", "member__name")
    autocomplete_fields = ("provisions",)
    readonly_fields = ("key",)
    raw_id_fields = ("member", "visible_to", "tfa_commitment", "recorded_by")


@admin.register(NeedActivityLink)
class NeedActivityLinkAdmin(SecretariatAdmin):
    list_display = ("need", "activity", "state", "score", "delivery", "confirmed_at")
    list_filter = ("state", "delivery")
    raw_id_fields = ("need", "activity", "confirmed_by", "delivery_by")


@admin.register(TfaCommitment)
class TfaCommitmentAdmin(SecretariatAdmin):
    list_display = (
        "member",
        "measure",
        "category",
        "indicative_date",
        "definitive_date",
        "is_demo",
    )
    list_filter = ("category", "member__region", "is_demo")
    search_fields = ("member__name", "measure__code")
    raw_id_fields = ("member", "measure")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The need a category C commitment shows as follows every change (services).
        super().save_model(request, obj, form, change)
        services.tfa_need_sync(user=request.user, commitment=obj)
