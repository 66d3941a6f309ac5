"""Activity pages (list, detail, create, edit, export).

Views parse, call a selector or service, render. Imported IATI text is hostile: templates
auto-escape everything and only http(s) document URLs become links.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cbcoord.accounts.history import history_for
from cbcoord.activities import services
from cbcoord.activities.export import export_queryset, export_response
from cbcoord.activities.forms import ActivityForm, build_formsets, edit_changes
from cbcoord.activities.params import filters_from
from cbcoord.activities.permissions import may_create_activities, may_edit_activity
from cbcoord.activities.presentation import codelist_labels, filter_choices
from cbcoord.activities.selectors import (
    activity_get,
    activity_get_for_edit,
    activity_list,
    activity_rows,
)
from cbcoord.core.errors import ServiceError
from cbcoord.core.htmx import render_page
from cbcoord.registry.models import Organisation

PAGE_SIZE = 50


# --------------------------------------------------------------------------- activities


@require_safe
def activity_list_view(request: HttpRequest) -> HttpResponse:
    filters, raw = filters_from(request.GET)
    activities = activity_rows(activity_list(user=request.user, filters=filters))
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({name: value for name, value in raw.items() if value})
    context = {
        "page": page,
        "filters": raw,
        "export_query": query,
        "may_create": may_create_activities(request.user),
        **filter_choices(request.user),
        "labels": codelist_labels(("ActivityStatus",)),
    }
    return render_page(
        request,
        "activities/activity_list.html",
        {"activity-results": "activities/_activity_rows.html"},
        context,
    )


@require_safe
def activity_detail(request: HttpRequest, iati_identifier: str) -> HttpResponse:
    activity = activity_get(user=request.user, iati_identifier=iati_identifier)
    may_edit = may_edit_activity(request.user, activity)
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "data": activity.data,
            "labels": codelist_labels(),
            "may_edit": may_edit,
            "visible_to": list(activity.visible_to.order_by("name")),
            "wco_regions": list(activity.regions.order_by("sort_order")),
            "provisions": list(activity.provision_links.select_related("provision")),
            "history": history_for(user=request.user, instance=activity),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    if not may_create_activities(request.user):
        raise PermissionDenied(_("Only the secretariat and partner editors may enter activities."))
    form = ActivityForm(request.POST or None, user=request.user)
    formsets = build_formsets(request.POST or None, None)
    if (
        request.method == "POST"
        and form.is_valid()
        and all(f.is_valid() for f in formsets.values())
    ):
        changes = edit_changes(form, formsets, editing=False)
        visibility = changes.pop("visibility")
        visible_to = changes.pop("visible_to", [])
        changes["iati_identifier"] = form.cleaned_data["iati_identifier"]
        reporting_org: Organisation = form.cleaned_data["reporting_org"]
        try:
            with transaction.atomic():
                activity = services.activity_create(
                    user=request.user,
                    reporting_org=reporting_org,
                    data=changes,
                    visibility=visibility,
                    visible_to=visible_to,
                )
        except ServiceError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Activity saved."))
            return redirect("activity-detail", iati_identifier=activity.iati_identifier)
    return render(request, "activities/activity_form.html", {"form": form, "formsets": formsets})


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, iati_identifier: str) -> HttpResponse:
    activity = activity_get_for_edit(user=request.user, iati_identifier=iati_identifier)
    form = ActivityForm(request.POST or None, user=request.user, activity=activity)
    formsets = build_formsets(request.POST or None, activity)
    if (
        request.method == "POST"
        and form.is_valid()
        and all(f.is_valid() for f in formsets.values())
    ):
        changes = edit_changes(form, formsets, editing=True)
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("activity-detail", iati_identifier=activity.iati_identifier)
        try:
            services.activity_update(user=request.user, activity=activity, changes=changes)
        except ServiceError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Activity saved."))
            return redirect("activity-detail", iati_identifier=activity.iati_identifier)
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "formsets": formsets, "activity": activity},
    )


def _form_error(form: ActivityForm, error: ServiceError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@login_required
@require_POST
def activity_take_publisher_version(request: HttpRequest, iati_identifier: str) -> HttpResponse:
    activity = activity_get_for_edit(user=request.user, iati_identifier=iati_identifier)
    try:
        services.activity_take_publisher_version(user=request.user, activity=activity)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The publisher's version now replaces the hand edits."))
    return redirect("activity-detail", iati_identifier=activity.iati_identifier)


@require_safe
def activity_export(request: HttpRequest) -> HttpResponseBase:
    filters, _raw = filters_from(request.GET)
    queryset = export_queryset(
        user=request.user,
        filters=filters,
        all_visibilities=request.GET.get("visibility") == "all",
    )
    return export_response(queryset)
