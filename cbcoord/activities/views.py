"""Activity pages (list, detail, create, edit, export).

Views parse, call a selector or service, render. Imported IATI text is hostile: templates
auto-escape everything and only http(s) document URLs become links.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cbcoord.accounts.history import history_for
from cbcoord.activities import services
from cbcoord.activities.filters import ActivityFilters
from cbcoord.activities.forms import ActivityForms
from cbcoord.activities.models import Activity
from cbcoord.activities.permissions import may_create_activities, may_edit_activity
from cbcoord.activities.presentation import (
    LIST_FIELDS,
    codelist_labels,
    columns,
    filter_choices,
    history_fields,
    list_rows,
    totals,
    transactions_in_order,
)
from cbcoord.activities.selectors import (
    activity_get,
    activity_get_for_edit,
    activity_list,
    activity_rows,
)
from cbcoord.core import exporters
from cbcoord.core.errors import ServiceError
from cbcoord.core.htmx import render_page
from cbcoord.core.pagination import bounded_page, page_number

PAGE_SIZE = 50


# --------------------------------------------------------------------------- activities


@require_safe
def activity_list_view(request: HttpRequest) -> HttpResponse:
    """The list: filters (values that name nothing are said so, and kept in their drop-down
    as unknown), columns sortable, pages numbered, the count bounded (``COUNT_LIMIT``)."""
    filters, raw, problems = ActivityFilters.from_query(request.GET)
    unknown = filters.problems(request.user)
    page = bounded_page(
        activity_rows(activity_list(user=request.user, filters=filters)).only(*LIST_FIELDS),
        page_number(request.GET.get("page")),
        PAGE_SIZE,
    )
    query = filters.query()
    htmx = getattr(request, "htmx", None)
    context = {
        "page": page,
        "rows": list_rows(page.items),
        "page_links": page.links(query),
        "count_text": count_text(page.count, page.count_exact),
        "columns": columns(filters),
        "filters": filters,
        "raw": raw,
        "problems": problems + unknown,
        "choices": filter_choices(request.user, filters),
        "all_label": _("All"),
        "sort_value": query.get("sort", ""),
        "downloads": None if unknown else download_links(filters),
        "may_create": may_create_activities(request.user),
        "oob": bool(htmx and htmx.target == "activity-results"),
    }
    return render_page(
        request,
        "activities/activity_list.html",
        {"activity-results": "activities/_activity_rows.html"},
        context,
    )


def count_text(count: int, exact: bool) -> str:
    """The count as the page says it: "12 activities", or "more than 10,000 activities"
    when the count stopped there."""
    if not exact:
        return _("more than %(count)s activities") % {
            "count": formats.number_format(count, force_grouping=True)
        }
    return ngettext("%(count)s activity", "%(count)s activities", count) % {
        "count": formats.number_format(count, force_grouping=True)
    }


def download_links(filters: ActivityFilters) -> dict[str, str]:
    """The list's downloads, with its filters (and, for CSV and XLSX, its order)."""
    applied = urlencode(filters.applied())
    return exporters.download_links("activities", filters) | {
        "iati": reverse("activity-export") + (f"?{applied}" if applied else "")
    }


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
    """The IATI XML download (``exporters.IatiActivitiesExporter``) at its own address."""
    try:
        exporter, filters = exporters.prepare(
            "iati-activities", "xml", user=request.user, params=request.GET
        )
    except exporters.ExportError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    return exporters.response(exporter, "xml", user=request.user, filters=filters)
