"""The meetings' pages, under /meetings/ (namespace ``meetings``)."""

from django.urls import path

from cbcoord.meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.index, name="index"),
    path("series/new/", views.series_create, name="series-create"),
    path("series/<slug:key>/", views.series_detail, name="series"),
    path("series/<slug:key>/new/", views.meeting_create, name="meeting-create"),
    path("series/<slug:key>/calendar.ics", views.series_calendar, name="series-calendar"),
    path("<int:pk>/", views.meeting_detail, name="meeting"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("<int:pk>/participants/", views.participant_add, name="participant-add"),
    path("<int:pk>/agenda/", views.agenda_add, name="agenda-add"),
    path("<int:pk>/bilaterals/", views.bilateral_add, name="bilateral-add"),
    path("<int:pk>/decisions/", views.decision_add, name="decision-add"),
    path("<int:pk>/action-items/", views.action_item_add, name="action-item-add"),
    path("<int:pk>/brief.<slug:fmt>", views.brief_download, name="brief"),
    path("<int:pk>/data-call/", views.data_call, name="data-call"),
    path("<int:pk>/data-call/close/", views.data_call_close, name="data-call-close"),
    path("records/<slug:kind>/<int:pk>/delete/", views.record_delete, name="record-delete"),
    path("action-items/<int:pk>/", views.action_item_detail, name="action-item"),
    path("data-calls/<int:pk>/", views.data_call_answer, name="data-call-answer"),
    path("consultations/", views.consultation_list, name="consultations"),
    path("consultations/<slug:key>/", views.consultation_detail, name="consultation"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/<str:token>.ics", views.user_calendar, name="user-calendar"),
]
