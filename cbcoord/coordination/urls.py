from django.urls import path

from cbcoord.coordination import views

urlpatterns = [
    path("", views.index, name="coordination-index"),
    path("regions/<str:code>/", views.region_page, name="coordination-region"),
    path("regions/<str:code>/cell/", views.region_cell, name="coordination-cell"),
    path(
        "regions/<str:code>/matrix-table/",
        views.region_matrix_table,
        name="coordination-matrix-table",
    ),
    path("members/<str:iso>/", views.member_page, name="coordination-member"),
    path("partners/<slug:key>/", views.partner_page, name="coordination-partner"),
    path("overlaps/mark/", views.overlap_mark_view, name="coordination-overlap-mark"),
    path("missions/new/", views.mission_create_view, name="coordination-mission-create"),
    path("missions/<int:pk>/edit/", views.mission_edit_view, name="coordination-mission-edit"),
    path(
        "missions/<int:pk>/delete/", views.mission_delete_view, name="coordination-mission-delete"
    ),
    path("projects/decide/", views.project_link_view, name="coordination-project-link"),
]
