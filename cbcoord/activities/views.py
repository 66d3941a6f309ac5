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
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cbcoord.accounts.history import history_for
from cbcoord.activities import services
from cbcoord.activities.export import export_queryset, export_response
from cbcoord.activities.forms import ActivityForms
from cbcoord.activities.models import Activity
from cbcoord.activities.params import filters_from
from cbcoord.activities.permissions import may_create_activities, may_edit_activity
from cbcoord.activities.presentation import (
    codelist_labels,
    filter_choices,
    history_fields,
    totals,
    transactions_in_order,
)
from cbcoord.activities.selectors import (
    activity_get,
    activity_get_for_edit,
    activity_list,
    activity_rows,
)
from cbcoord.core.errors import ServiceError
from cbcoord.core.htmx import render_page

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
            "totals": totals(activity.data),
            "transactions": transactions_in_order(activity.data),
            "history": history_for(user=request.user, instance=activity, describe=history_fields),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    if not may_create_activities(request.user):
        raise PermissionDenied(_("Only the secretariat and partner editors may enter activities."))
    entry = ActivityForms(request.POST or None, user=request.user)
    if request.method == "POST" and not entry.adding_row:
        new = entry.new()
        if new is not None:
            try:
                activity = services.activity_create(user=request.user, new=new)
            except ServiceError as error:
                entry.show(error.problems)
            else:
                messages.success(request, _("Activity saved."))
                return redirect("activity-detail", iati_identifier=activity.iati_identifier)
    return _form_page(request, entry)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, iati_identifier: str) -> HttpResponse:
    activity = activity_get_for_edit(user=request.user, iati_identifier=iati_identifier)
    entry = ActivityForms(request.POST or None, user=request.user, activity=activity)
    if request.method == "POST" and not entry.adding_row:
        edit = entry.edit()
        if edit is not None and not edit.given():
            messages.info(request, _("Nothing was changed."))
            return redirect("activity-detail", iati_identifier=activity.iati_identifier)
        if edit is not None:
            try:
                services.activity_update(user=request.user, activity=activity, edit=edit)
            except ServiceError as error:
                entry.show(error.problems)
            else:
                messages.success(request, _("Activity saved."))
                return redirect("activity-detail", iati_identifier=activity.iati_identifier)
    return _form_page(request, entry, activity)


def _form_page(
    request: HttpRequest, entry: ActivityForms, activity: Activity | None = None
) -> HttpResponse:
    """The form again: as it was first, with every problem beside its field, or with a row
    more ("Add a row"; htmx takes just that list out of the page)."""
    refused = request.method == "POST" and not entry.adding_row
    return render(
        request,
        "activities/activity_form.html",
        {
            "form": entry.form,
            "lists": entry.lists(),
            "activity": activity,
            "problem_count": entry.problems_shown() if refused else 0,
        },
    )


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
