"""Needs pages: list, detail, record and edit, the member's position, link decisions, the
spreadsheet intake and the TFA matrix. Views parse, call a door and a selector or service,
render."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cbcoord.accounts.history import history_for
from cbcoord.core.errors import ServiceError
from cbcoord.core.htmx import render_page
from cbcoord.frameworks.models import Instrument
from cbcoord.needs import intake, matching, selectors, services
from cbcoord.needs.filters import NeedFilters
from cbcoord.needs.forms import (
    DeliveryForm,
    IntakeForm,
    LinkDecisionForm,
    MemberPositionForm,
    NeedForm,
)
from cbcoord.needs.models import (
    LinkState,
    MemberPosition,
    NeedPriority,
    NeedSource,
    NeedStatus,
)
from cbcoord.needs.permissions import (
    may_create_needs,
    may_decide_link,
    may_edit_need,
    may_give_member_position,
)
from cbcoord.registry.models import Member, Region
from cbcoord.registry.selectors import by_country_name

PAGE_SIZE = 50


@require_safe
def need_list(request: HttpRequest) -> HttpResponse:
    filters, raw, problems = NeedFilters.from_query(request.GET)
    problems += filters.problems()
    needs = selectors.need_rows(selectors.need_list(user=request.user, filters=filters))
    page = Paginator(needs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": raw,
        "problems": problems,
        "export_query": urlencode(filters.applied()),
        "may_create": may_create_needs(request.user),
        "regions": Region.objects.order_by("sort_order", "code"),
        "members": by_country_name(Member.objects.exclude(iso_code="")),
        "instruments": Instrument.objects.order_by("sort_order", "code"),
        "priorities": NeedPriority.choices,
        "statuses": NeedStatus.choices,
        "sources": NeedSource.choices,
        "positions": MemberPosition.choices,
    }
    return render_page(
        request, "needs/need_list.html", {"need-results": "needs/_need_rows.html"}, context
    )


@require_safe
def need_detail(request: HttpRequest, key: str) -> HttpResponse:
    need = selectors.need_get(user=request.user, key=key)
    user = request.user
    show_rejected = request.GET.get("rejected") == "1"
    suggestions = matching.suggestions_for_need(need, user=user, include_decided=show_rejected)
    if show_rejected:
        suggestions = [s for s in suggestions if s.state != LinkState.CONFIRMED]
    supporting = selectors.confirmed_links(user=user, need=need)
    for link in supporting:
        link.reason_texts = [  # type: ignore[attr-defined]
            reason.text
            for reason in (matching.Reason.from_json(item) for item in link.reasons)
            if reason is not None
        ]
    return render(
        request,
        "needs/need_detail.html",
        {
            "need": need,
            "provisions": list(need.provisions.select_related("instrument").order_by("code")),
            "visible_to": list(need.visible_to.order_by("name")),
            "suggestions": suggestions,
            "show_rejected": show_rejected,
            "supporting": supporting,
            "statuses": selectors.need_status_history(need),
            "may_edit": may_edit_need(user, need),
            "may_position": may_give_member_position(user, need),
            "may_decide": {
                s.activity_id: may_decide_link(user, s.activity)
                for s in suggestions
                if s.activity is not None
            },
            "may_decide_supporting": {
                link.activity_id: may_decide_link(user, link.activity) for link in supporting
            },
            "position_form": MemberPositionForm(
                initial={"position": need.member_position, "comment": need.member_comment}
            ),
            "history": history_for(user=user, instance=need),
        },
    )


def _add_errors(form: NeedForm, error: ServiceError) -> None:
    for name, message in error.problems:
        form.add_error(name if name in form.fields else None, message)


@login_required
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    if not may_create_needs(request.user):
        raise PermissionDenied(_("Only the secretariat and member editors may record needs."))
    form = NeedForm(
        request.POST or None,
        user=request.user,
        initial={"identified_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        member = selectors.need_create_allowed(
            user=request.user, member=form.cleaned_data["member"]
        )
        try:
            with transaction.atomic():
                need = services.need_create(user=request.user, member=member, data=form.changes())
        except ServiceError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Need %(key)s recorded.") % {"key": need.key})
            return redirect("need-detail", key=need.key)
    return render(request, "needs/need_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def need_edit(request: HttpRequest, key: str) -> HttpResponse:
    need = selectors.need_get_for_edit(user=request.user, key=key)
    form = NeedForm(request.POST or None, user=request.user, need=need)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("need-detail", key=need.key)
        try:
            services.need_update(user=request.user, need=need, data=changes)
        except ServiceError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Need saved."))
            return redirect("need-detail", key=need.key)
    return render(request, "needs/need_form.html", {"form": form, "need": need})


@login_required
@require_POST
def need_position(request: HttpRequest, key: str) -> HttpResponse:
    need = selectors.need_position_allowed(user=request.user, key=key)
    form = MemberPositionForm(request.POST)
    if form.is_valid():
        try:
            services.need_set_member_position(
                user=request.user,
                need=need,
                position=form.cleaned_data["position"],
                comment=form.cleaned_data["comment"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your administration's position is recorded."))
    else:
        messages.error(request, _("Confirm or dispute the need."))
    return redirect("need-detail", key=need.key)


@login_required
@require_POST
def link_decide(request: HttpRequest, key: str) -> HttpResponse:
    form = LinkDecisionForm(request.POST)
    if not form.is_valid():
        raise Http404(_("Say which activity, and whether to confirm or reject it."))
    need, activity = selectors.link_decision_allowed(
        user=request.user, key=key, iati_identifier=form.cleaned_data["activity"]
    )
    try:
        services.link_decide(
            user=request.user,
            need=need,
            activity=activity,
            state=form.cleaned_data["state"],
            comment=form.cleaned_data["comment"],
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if form.cleaned_data["state"] == LinkState.CONFIRMED:
            messages.success(
                request,
                _("%(activity)s now supports this need.") % {"activity": activity.iati_identifier},
            )
        else:
            messages.success(
                request,
                _("%(activity)s is no longer suggested for this need.")
                % {"activity": activity.iati_identifier},
            )
    return redirect("need-detail", key=need.key)


@login_required
@require_POST
def link_delivery(request: HttpRequest, key: str) -> HttpResponse:
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        raise Http404(_("Say which activity, and whether it was delivered."))
    link = selectors.delivery_allowed(
        user=request.user, key=key, iati_identifier=form.cleaned_data["activity"]
    )
    try:
        services.link_set_delivery(
            user=request.user,
            link=link,
            delivery=form.cleaned_data["delivery"],
            comment=form.cleaned_data["comment"],
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your administration's word on the delivery is recorded."))
    return redirect("need-detail", key=key)


# --------------------------------------------------------------------------- intake


def _may_intake(request: HttpRequest) -> None:
    if not may_create_needs(request.user):
        raise PermissionDenied(_("Only the secretariat and member editors may record needs."))


@login_required
@require_safe
def intake_template(request: HttpRequest) -> HttpResponse:
    _may_intake(request)
    buffer = io.BytesIO()
    intake.write_template(request.user, buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="cbcoord-needs-template.xlsx"'
    return response


@csrf_exempt  # the CSRF check runs in _intake_form, after the declared size is checked
@login_required
@require_http_methods(["GET", "POST"])
def intake_page(request: HttpRequest) -> HttpResponse:
    _may_intake(request)
    if request.method == "POST":
        declared = request.META.get("CONTENT_LENGTH") or ""
        try:
            intake.check_size(max(int(declared) - 64 * 1024, 0) if declared.isdigit() else None)
        except ServiceError as error:
            # Not a byte of the body was read: answer at once.
            return render(
                request,
                "needs/intake.html",
                {"form": IntakeForm(), "refusal": error.message},
                status=413,
            )
    return csrf_protect(_intake_form)(request)


def _intake_form(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            intake.check_size(upload.size)
        except ServiceError as error:
            context["refusal"] = error.message
            return render(request, "needs/intake.html", context, status=413)
        result = intake.intake_upload(user=request.user, content=upload.read())
        if result.refused:
            context["result"] = result
            status = 400
        else:
            messages.success(
                request,
                _(
                    "Workbook stored: %(created)d needs recorded, %(updated)d updated, "
                    "%(unchanged)d unchanged."
                )
                % {
                    "created": len(result.created),
                    "updated": len(result.updated),
                    "unchanged": len(result.unchanged),
                },
            )
            context["result"] = result
            context["form"] = IntakeForm()
    elif request.method == "POST":
        status = 400
    return render(request, "needs/intake.html", context, status=status)


# --------------------------------------------------------------------------- TFA


@require_safe
def tfa_matrix(request: HttpRequest) -> HttpResponse:
    regions = list(Region.objects.order_by("sort_order", "code"))
    code = request.GET.get("region") or ""
    region = next((r for r in regions if r.code.lower() == code.lower()), None)
    if region is None:
        region = next((r for r in regions if r.code == "AMC"), regions[0] if regions else None)
    if region is None:
        raise Http404(_("No WCO region is loaded."))
    matrix = selectors.tfa_matrix(region=region)
    only_notified = request.GET.get("all") != "1"
    rows = [row for row in matrix.rows if row.has_commitments or not only_notified]
    return render(
        request,
        "needs/tfa_matrix.html",
        {
            "matrix": matrix,
            "rows": rows,
            "regions": regions,
            "only_notified": only_notified,
        },
    )
