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
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cbcoord.accounts.history import history_for
from cbcoord.activities import evidence, services
from cbcoord.activities.filters import ActivityFilters, Relevance, TagReviewFilters
from cbcoord.activities.forms import ActivityForms
from cbcoord.activities.models import Activity, ActivityProvision
from cbcoord.activities.permissions import (
    may_create_activities,
    may_edit_activity,
    may_review_activity,
    may_review_tags,
)
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
    activity_count_source,
    activity_get,
    activity_get_for_edit,
    activity_get_for_review,
    activity_list,
    activity_rows,
    activity_tag_get_for_review,
    activity_tags,
    review_tags,
    tag_review_allowed,
    tag_review_list,
)
from cbcoord.core import exporters
from cbcoord.core.errors import ServiceError
from cbcoord.core.htmx import render_page
from cbcoord.core.pagination import bounded_page, page_number
from cbcoord.frameworks.models import Provision

PAGE_SIZE = 50
#: Activities a page of the review queue shows, each with its tags.
REVIEW_PAGE_SIZE = 20


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
        counted=activity_count_source(user=request.user, filters=filters),
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
        "relevance_choices": Relevance.choices,
        "sort_value": query.get("sort", ""),
        "downloads": None if unknown else download_links(filters),
        "may_create": may_create_activities(request.user),
        "may_review_tags": may_review_tags(request.user),
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
    # The IATI file's relevance default is "all": its link names the list's relevance.
    applied = urlencode({**filters.applied(), "relevance": filters.relevance})
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
            **_tags_context(request, activity),
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


# --------------------------------------------------------------------------- tags and relevance


def _provision_choices() -> list[tuple[str, str]]:
    """(code, title) of every provision, for the tag picker (a searchable ``<datalist>``)."""
    return [
        (provision.code, provision.title)
        for provision in Provision.objects.order_by("instrument__sort_order", "sort_order")
    ]


def _tags_context(request: HttpRequest, activity: Activity) -> dict[str, object]:
    """What the activity page's tags and relevance section shows."""
    may_review = may_review_activity(request.user, activity)
    tags = activity_tags(activity)
    return {
        "tags": tags,
        # the tags' provisions are read already: only other codes' titles need a query
        "relevance_sentences": evidence.relevance_sentences(activity, tags),
        "may_review": may_review,
        "provision_choices": _provision_choices() if may_review else [],
    }


@login_required
@require_safe
def tag_review_queue(request: HttpRequest) -> HttpResponse:
    """The provision tags waiting for review (or confirmed, or rejected), by activity: the
    secretariat's, and each partner editor's for their own organisation's activities."""
    tag_review_allowed(user=request.user)
    filters, raw, problems = TagReviewFilters.from_query(request.GET)
    unknown = filters.problems(request.user)
    page = bounded_page(
        activity_rows(tag_review_list(user=request.user, filters=filters)).only(
            "iati_identifier", "title_text", "reporting_org__name", "is_relevant"
        ),
        page_number(request.GET.get("page")),
        REVIEW_PAGE_SIZE,
    )
    found = review_tags((activity.pk for activity in page.items), filters)
    query = filters.query()
    listed = ActivityFilters(region=filters.region)
    return render_page(
        request,
        "activities/tag_review.html",
        {"tag-review-results": "activities/_tag_review_rows.html"},
        {
            "page": page,
            "rows": [(activity, found.get(activity.pk, [])) for activity in page.items],
            "page_links": page.links(query),
            "count_text": count_text(page.count, page.count_exact),
            "filters": filters,
            "raw": raw,
            "problems": problems + unknown,
            "choices": filter_choices(request.user, listed),
            "statuses": [
                ("suggested", _("Suggested")),
                ("confirmed", _("Confirmed")),
                ("rejected", _("Rejected")),
            ],
            "all_label": _("All"),
            "may_review": True,
            "provision_choices": _provision_choices(),
            "next": request.get_full_path(),
        },
    )


def _back(request: HttpRequest, activity: Activity) -> HttpResponse:
    """Where a review form without JavaScript returns: the page it came from (``next``), else
    the activity's page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("activity-detail", iati_identifier=activity.iati_identifier)


def _tag_answer(request: HttpRequest, tag: ActivityProvision) -> HttpResponse:
    if getattr(request, "htmx", None):
        return render(
            request,
            "activities/_tag_row.html",
            {"tag": tag, "may_review": True, "next": request.POST.get("next", "")},
        )
    return _back(request, tag.activity)


@login_required
@require_POST
def tag_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    tag = activity_tag_get_for_review(user=request.user, pk=pk)
    services.activity_tag_confirm(user=request.user, tag=tag)
    if not getattr(request, "htmx", None):
        messages.success(request, _("Tag %(code)s confirmed.") % {"code": tag.provision.code})
    return _tag_answer(request, tag)


@login_required
@require_POST
def tag_reject(request: HttpRequest, pk: int) -> HttpResponse:
    tag = activity_tag_get_for_review(user=request.user, pk=pk)
    services.activity_tag_reject(user=request.user, tag=tag)
    if not getattr(request, "htmx", None):
        messages.success(request, _("Tag %(code)s rejected.") % {"code": tag.provision.code})
    return _tag_answer(request, tag)


@login_required
@require_POST
def activity_tag_add(request: HttpRequest, iati_identifier: str) -> HttpResponse:
    """Add a tag by hand (the provision's code; the picker offers code and title)."""
    activity = activity_get_for_review(user=request.user, iati_identifier=iati_identifier)
    code = request.POST.get("provision", "").split(" ", 1)[0]
    try:
        tag = services.activity_tag_add(user=request.user, activity=activity, provision_code=code)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Tag %(code)s added.") % {"code": tag.provision.code})
    return _back(request, activity)


@login_required
@require_POST
def activity_relevance(request: HttpRequest, iati_identifier: str) -> HttpResponse:
    """Decide whether the activity is relevant (``relevant``: yes, no, or rules to hand the
    decision back), with the reason."""
    activity = activity_get_for_review(user=request.user, iati_identifier=iati_identifier)
    choice = request.POST.get("relevant", "")
    decisions = {"yes": True, "no": False, "rules": None}
    if choice not in decisions:
        messages.error(request, _("Choose relevant, not relevant, or the rules' decision."))
        return _back(request, activity)
    try:
        services.activity_relevance_decide(
            user=request.user,
            activity=activity,
            relevant=decisions[choice],
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Relevance saved."))
    return _back(request, activity)
