from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cbcoord.accounts import views as accounts_views
from cbcoord.activities import views as activity_views
from cbcoord.api import api
from cbcoord.core import converters
from cbcoord.core import views as core_views
from cbcoord.dashboard import views as dashboard_views
from cbcoord.exports import views as export_views
from cbcoord.frameworks import views as frameworks_views
from cbcoord.imports import views as import_views
from cbcoord.needs import views as need_views
from cbcoord.registry import views as registry_views

converters.register()  # before the API's routes are made into patterns, below

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("exports/<slug:identifier>.<slug:fmt>", export_views.export_download, name="export"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/tokens/", accounts_views.api_tokens, name="api-tokens"),
    path("accounts/lockouts/", accounts_views.login_lockouts, name="login-lockouts"),
    path(
        "accounts/tokens/<int:pk>/revoke/",
        accounts_views.api_token_revoke_view,
        name="api-token-revoke",
    ),
    path("regions/", registry_views.region_list, name="region-list"),
    path("regions/<str:code>/", registry_views.region_detail, name="region-detail"),
    path("members/<int:pk>/", registry_views.member_detail, name="member-detail"),
    path("partners/", registry_views.partner_list, name="partner-list"),
    path("partners/review/", registry_views.review_queue, name="partner-review"),
    path("partners/review/<slug:key>/accept/", registry_views.review_accept, name="partner-accept"),
    path("partners/review/<slug:key>/merge/", registry_views.review_merge, name="partner-merge"),
    path(
        "organisations/<slug:key>/", registry_views.organisation_detail, name="organisation-detail"
    ),
    path(
        "organisations/<slug:key>/edit/", registry_views.organisation_edit, name="organisation-edit"
    ),
    path(
        "organisations/<slug:key>/people/new/", registry_views.person_create, name="person-create"
    ),
    path("people/<int:pk>/edit/", registry_views.person_edit, name="person-edit"),
    path("people/<int:pk>/delete/", registry_views.person_delete, name="person-delete"),
    path("catalogue/", frameworks_views.catalogue, name="catalogue"),
    path("catalogue/<str:code>/", frameworks_views.instrument_detail, name="instrument-detail"),
    path("provisions/<str:code>/", frameworks_views.provision_detail, name="provision-detail"),
    path("activities/", activity_views.activity_list_view, name="activity-list"),
    path("activities/new/", activity_views.activity_create, name="activity-create"),
    path("activities/export.xml", activity_views.activity_export, name="activity-export"),
    path("activities/tags/review/", activity_views.tag_review_queue, name="tag-review"),
    path("activities/tags/<int:pk>/confirm/", activity_views.tag_confirm, name="tag-confirm"),
    path("activities/tags/<int:pk>/reject/", activity_views.tag_reject, name="tag-reject"),
    path(
        "activities/<identifier:iati_identifier>/tags/",
        activity_views.activity_tag_add,
        name="activity-tag-add",
    ),
    path(
        "activities/<identifier:iati_identifier>/relevance/",
        activity_views.activity_relevance,
        name="activity-relevance",
    ),
    path(
        "activities/<identifier:iati_identifier>/edit/",
        activity_views.activity_edit,
        name="activity-edit",
    ),
    path(
        "activities/<identifier:iati_identifier>/take-publisher-version/",
        activity_views.activity_take_publisher_version,
        name="activity-take-publisher-version",
    ),
    path(
        "activities/<identifier:iati_identifier>/",
        activity_views.activity_detail,
        name="activity-detail",
    ),
    path("coordination/", include("cbcoord.coordination.urls")),
    path("meetings/", include("cbcoord.meetings.urls")),
    path("imports/", import_views.import_list, name="import-list"),
    path("imports/new/", import_views.import_new, name="import-new"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("needs/", need_views.need_list, name="need-list"),
    path("needs/new/", need_views.need_create, name="need-create"),
    path("needs/intake/", need_views.intake_page, name="need-intake"),
    path("needs/intake/template.xlsx", need_views.intake_template, name="need-intake-template"),
    path("needs/tfa/", need_views.tfa_matrix, name="tfa-matrix"),
    path("needs/<slug:key>/", need_views.need_detail, name="need-detail"),
    path("needs/<slug:key>/edit/", need_views.need_edit, name="need-edit"),
    path("needs/<slug:key>/position/", need_views.need_position, name="need-position"),
    path("needs/<slug:key>/links/", need_views.link_decide, name="need-link"),
    path("needs/<slug:key>/delivery/", need_views.link_delivery, name="need-delivery"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
