from django.contrib import admin

from cbcoord.accounts.admin_site import SecretariatAdmin
from cbcoord.meetings.models import (
    ActionItem,
    Consultation,
    DataCall,
    Meeting,
    MeetingSeries,
    SentNotice,
)


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(SecretariatAdmin):
    list_display = ("name", "kind", "region", "is_demo")


@admin.register(Meeting)
class MeetingAdmin(SecretariatAdmin):
    list_display = ("title", "series", "start_date", "status", "visibility", "is_demo")
    list_filter = ("status", "visibility", "series")


@admin.register(ActionItem)
class ActionItemAdmin(SecretariatAdmin):
    list_display = ("text", "meeting", "owner_organisation", "due_date", "status")
    list_filter = ("status",)


@admin.register(DataCall)
class DataCallAdmin(SecretariatAdmin):
    list_display = ("meeting", "deadline", "opened_at", "closed_at")


@admin.register(Consultation)
class ConsultationAdmin(SecretariatAdmin):
    list_display = ("title", "status", "visibility", "is_demo")


@admin.register(SentNotice)
class SentNoticeAdmin(SecretariatAdmin):
    list_display = ("kind", "recipient", "sent_on", "action_item", "data_call_request")
    list_filter = ("kind", "sent_on")
