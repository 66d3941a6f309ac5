"""Meeting pages. Views parse, call a door and a service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm, Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cbcoord.accounts.history import history_for
from cbcoord.core.errors import ServiceError
from cbcoord.meetings import charts, forms, ics, selectors, services
from cbcoord.meetings.brief import render as brief_render
from cbcoord.meetings.brief.sections import (
    borda_explanation,
    consultation_figure,
    consultation_tables,
)
from cbcoord.meetings.models import (
    ActionItem,
    AgendaItem,
    BilateralMeeting,
    Consultation,
    ConsultationResponse,
    DataCall,
    Decision,
    Participant,
    ParticipantRole,
)
from cbcoord.meetings.permissions import may_manage_meetings, may_update_progress
from cbcoord.registry.models import Member


def _form_error(form: BaseForm, error: ServiceError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


# --------------------------------------------------------------------------- series


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "meetings/index.html",
        {
            "series_list": selectors.series_list(user=request.user),
            "may_manage": may_manage_meetings(request.user),
            "consultations": selectors.consultation_visible(request.user).order_by("-created_at")[
                :10
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def series_create(request: HttpRequest) -> HttpResponse:
    selectors.series_create_allowed(user=request.user)
    form = forms.SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            series = services.series_create(user=request.user, data=form.cleaned_data)
        except ServiceError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Meeting series created."))
            return redirect("meetings:series", key=series.key)
    return render(request, "meetings/form.html", {"form": form, "heading": _("New meeting series")})


@require_safe
def series_detail(request: HttpRequest, key: str) -> HttpResponse:
    series = selectors.series_get(key=key)
    return render(
        request,
        "meetings/series_detail.html",
        {
            "series": series,
            "meetings": selectors.meeting_list(user=request.user, series=series),
            "may_manage": may_manage_meetings(request.user),
            "feed_url": request.build_absolute_uri(
                reverse("meetings:series-calendar", args=[series.key])
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, key: str) -> HttpResponse:
    series = selectors.meeting_create_allowed(
        user=request.user, series=selectors.series_get(key=key)
    )
    form = forms.MeetingForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        host = data.pop("host", None)
        co_organisers = data.pop("co_organisers", [])
        try:
            meeting = services.meeting_create(
                user=request.user, series=series, data=data, host=host, co_organisers=co_organisers
            )
        except ServiceError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Meeting created."))
            return redirect("meetings:meeting", pk=meeting.pk)
    return render(
        request,
        "meetings/form.html",
        {"form": form, "heading": _("New meeting of %(series)s") % {"series": series.name}},
    )


@require_safe
def series_calendar(request: HttpRequest, key: str) -> HttpResponse:
    """The series' public feed: its published meetings and their action items' due dates."""
    series = selectors.series_get(key=key)
    body = ics.calendar(
        series.name,
        selectors.calendar_meetings(user=None, series=series),
        selectors.calendar_action_items(user=None, series=series),
    )
    return _ics_response(body, f"{series.key}.ics")


def _ics_response(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --------------------------------------------------------------------------- meetings


@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    record = selectors.meeting_record(meeting=meeting)
    may_manage = may_manage_meetings(request.user)
    progress_allowed = {
        row.item.pk
        for row in [*record.action_items, *record.carried]
        if may_update_progress(request.user, row.item)
    }
    context: dict[str, Any] = {
        "meeting": meeting,
        "record": record,
        "may_manage": may_manage,
        "progress_allowed": progress_allowed,
        "progress_form": forms.ProgressForm(),
        "data_call": DataCall.objects.filter(meeting=meeting).first(),
        "consultations": selectors.consultation_visible(request.user).filter(meetings=meeting),
        "history": history_for(user=request.user, instance=meeting),
        "roles": ParticipantRole,
    }
    if may_manage:
        context.update(
            participant_form=forms.ParticipantForm(),
            agenda_form=forms.AgendaItemForm(meeting=meeting),
            bilateral_form=forms.BilateralForm(),
            decision_form=forms.DecisionForm(),
            action_form=forms.ActionItemForm(),
        )
    return render(request, "meetings/meeting_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_edit(user=request.user, pk=pk)
    form = forms.MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in forms.MeetingForm.Meta.fields}
        try:
            services.meeting_update(
                user=request.user,
                meeting=selectors.meeting_get_for_edit(user=request.user, pk=pk),
                data=data,
            )
        except ServiceError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Meeting saved."))
            return redirect("meetings:meeting", pk=pk)
    return render(
        request, "meetings/form.html", {"form": form, "heading": meeting.title, "meeting": meeting}
    )


def _meeting_form_post(request: HttpRequest, pk: int, form: Form, write: Any) -> HttpResponse:
    """Add something to a meeting from its page: on a form error, show the form alone."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ServiceError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("meetings:meeting", args=[pk]) + request.POST.get("anchor", ""))
    return render(
        request, "meetings/form.html", {"form": form, "heading": _("Correct the form")}, status=400
    )


@login_required
@require_POST
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_edit(user=request.user, pk=pk)
    return _meeting_form_post(
        request,
        pk,
        forms.ParticipantForm(request.POST),
        lambda data: services.participant_add(user=request.user, meeting=meeting, **data),
    )


@login_required
@require_POST
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_edit(user=request.user, pk=pk)

    def write(data: dict[str, Any]) -> object:
        instruments, provisions = data.pop("links")
        presenters = data.pop("presenters")
        return services.agenda_item_create(
            user=request.user,
            meeting=meeting,
            data=data,
            presenters=presenters,
            provisions=provisions,
            instruments=instruments,
        )

    return _meeting_form_post(
        request, pk, forms.AgendaItemForm(request.POST, meeting=meeting), write
    )


@login_required
@require_POST
def bilateral_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_edit(user=request.user, pk=pk)

    def write(data: dict[str, Any]) -> object:
        instruments, provisions = data.pop("links")
        parties = data.pop("parties")
        return services.bilateral_create(
            user=request.user,
            meeting=meeting,
            data=data,
            parties=parties,
            provisions=provisions,
            instruments=instruments,
        )

    return _meeting_form_post(request, pk, forms.BilateralForm(request.POST), write)


@login_required
@require_POST
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_edit(user=request.user, pk=pk)
    return _meeting_form_post(
        request,
        pk,
        forms.DecisionForm(request.POST),
        lambda data: services.decision_create(
            user=request.user, meeting=meeting, text=data["text"]
        ),
    )


@login_required
@require_POST
def action_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_edit(user=request.user, pk=pk)

    def write(data: dict[str, Any]) -> object:
        _instruments, provisions = data.pop("links")
        activities = data.pop("activities")
        needs = data.pop("needs")
        return services.action_item_create(
            user=request.user,
            meeting=meeting,
            data=data,
            activities=activities,
            provisions=provisions,
            needs=needs,
        )

    return _meeting_form_post(request, pk, forms.ActionItemForm(request.POST), write)


_RECORD_DOORS: dict[
    str, Callable[..., Participant | AgendaItem | BilateralMeeting | Decision | ActionItem]
] = {
    "participant": selectors.participant_get_for_edit,
    "agenda-item": selectors.agenda_item_get_for_edit,
    "bilateral": selectors.bilateral_get_for_edit,
    "decision": selectors.decision_get_for_edit,
    "action-item": selectors.action_item_get_for_edit,
}


@login_required
@require_POST
def record_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    door = _RECORD_DOORS.get(kind)
    if door is None:
        raise Http404(f"No {kind}.")
    record = door(user=request.user, pk=pk)
    meeting_pk = record.meeting_id
    services.record_delete(user=request.user, record=record)
    messages.success(request, _("Removed."))
    return redirect("meetings:meeting", pk=meeting_pk)


@require_safe
def brief_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    if fmt not in brief_render.FORMATS:
        raise Http404(f"No brief as {fmt}.")
    language = brief_render.language_of(request.GET.get("language") or get_language())
    body = brief_render.render(meeting=meeting, user=request.user, fmt=fmt, language=language)
    response = HttpResponse(body, content_type=brief_render.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{brief_render.filename(meeting, fmt, language)}"'
    )
    return response


# --------------------------------------------------------------------------- action items


@require_http_methods(["GET", "POST"])
def action_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={request.path}")
        item = selectors.action_item_get_for_progress(user=request.user, pk=pk)
        form = forms.ProgressForm(request.POST)
        if form.is_valid():
            try:
                services.action_item_progress(
                    user=request.user,
                    item=item,
                    text=form.cleaned_data["text"] or "",
                    status=form.cleaned_data["status"] or "",
                    noted_on=form.cleaned_data["noted_on"],
                )
            except ServiceError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Progress recorded."))
                return _back(request, reverse("meetings:action-item", args=[pk]))
        status = 400
    else:
        item = selectors.action_item_get(user=request.user, pk=pk)
        form = forms.ProgressForm()
        status = 200
    return render(
        request,
        "meetings/action_item.html",
        {
            "item": item,
            "row": selectors.action_item_row(item=item),
            "form": form,
            "may_progress": may_update_progress(request.user, item),
            "carried_to": list(item.carried_to.order_by("start_date")),
            "history": history_for(user=request.user, instance=item),
        },
        status=status,
    )


# --------------------------------------------------------------------------- data calls


@login_required
@require_http_methods(["GET", "POST"])
def data_call(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat's view of a meeting's data call: open it; per partner, when it last
    confirmed its data, what changed, who has not answered."""
    meeting = selectors.data_call_open_allowed(user=request.user, pk=pk)
    call = DataCall.objects.filter(meeting=meeting).first()
    form = forms.DataCallForm(request.POST or None)
    if request.method == "POST" and call is None and form.is_valid():
        try:
            services.data_call_open(
                user=request.user,
                meeting=meeting,
                deadline=form.cleaned_data["deadline"],
                message=form.cleaned_data["message"] or "",
            )
        except ServiceError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Data call opened; the partners are asked by e-mail."))
            return redirect("meetings:data-call", pk=pk)
    region = meeting.series.region
    rows = (
        selectors.data_freshness(user=request.user, region=region, data_call=call) if region else []
    )
    return render(
        request,
        "meetings/data_call.html",
        {"meeting": meeting, "call": call, "form": form, "rows": rows, "region": region},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def data_call_close(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.data_call_open_allowed(user=request.user, pk=pk)
    call = DataCall.objects.filter(meeting=meeting).first()
    if call is None:
        raise Http404("No data call.")
    services.data_call_close(user=request.user, data_call=call)
    messages.success(request, _("Data call closed."))
    return redirect("meetings:data-call", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def data_call_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """A partner's answer to a data call: confirm its activities in the region."""
    if request.method == "POST":
        call_request = selectors.data_call_request_get_for_confirm(user=request.user, pk=pk)
        form = forms.ConfirmForm(request.POST)
        if form.is_valid():
            services.data_call_confirm(
                user=request.user, request=call_request, note=form.cleaned_data["note"] or ""
            )
            messages.success(request, _("Thank you: your data are confirmed."))
            return redirect("meetings:data-call-answer", pk=pk)
    else:
        call_request = selectors.data_call_request_get(user=request.user, pk=pk)
        form = forms.ConfirmForm(initial={"note": call_request.note})
    data_call_obj = call_request.data_call
    region = data_call_obj.meeting.series.region
    rows = (
        [
            row
            for row in selectors.data_freshness(
                user=request.user, region=region, data_call=data_call_obj
            )
            if row.organisation.pk == call_request.organisation_id
        ]
        if region
        else []
    )
    return render(
        request,
        "meetings/data_call_answer.html",
        {
            "call_request": call_request,
            "call": data_call_obj,
            "row": rows[0] if rows else None,
            "form": form,
            "region": region,
            "activities_url": reverse("activity-list")
            + f"?region={region.code if region else ''}&partner={call_request.organisation.key}",
        },
    )


# --------------------------------------------------------------------------- consultations


@require_safe
def consultation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "meetings/consultation_list.html",
        {"consultations": selectors.consultation_visible(request.user).order_by("-created_at")},
    )


@require_http_methods(["GET", "POST"])
def consultation_detail(request: HttpRequest, key: str) -> HttpResponse:
    consultation = selectors.consultation_get(user=request.user, key=key)
    errors: list[str] = []
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={request.path}")
        consultation, errors = _record_ranking(request, key)
        if not errors:
            messages.success(request, _("Your ranking is recorded."))
            return redirect("meetings:consultation", key=key)
    results = selectors.consultation_results(consultation=consultation)
    own_member = selectors.member_of(user=request.user)
    may_rank, own_response = _own_ranking(request, key, consultation, own_member)
    current = {rank.option_id: rank for rank in own_response.ranks.all()} if own_response else {}
    return render(
        request,
        "meetings/consultation_detail.html",
        {
            "consultation": consultation,
            "results": results,
            "figure": consultation_figure(results),
            "tables": consultation_tables(results),
            "explanation": borda_explanation(),
            "may_rank": may_rank,
            "own_member": own_member,
            "own_response": own_response,
            "options": [(option, current.get(option.pk)) for option in results.options],
            "errors": errors,
            "may_manage": may_manage_meetings(request.user),
            "members": selectors.consultation_members(consultation)
            if may_manage_meetings(request.user)
            else [],
        },
        status=400 if errors else 200,
    )


def _record_ranking(request: HttpRequest, key: str) -> tuple[Consultation, list[str]]:
    """Record the ranking posted (for the ``member`` posted, when the secretariat ranks for a
    member): the consultation, and what was wrong (nothing when it is recorded)."""
    member_pk = request.POST.get("member") or None
    consultation, member = selectors.consultation_rank_allowed(
        user=request.user,
        key=key,
        member_pk=int(member_pk) if member_pk and member_pk.isdigit() else None,
    )
    posted = _posted_ranks(request, consultation)
    if posted is None:
        return consultation, [_("Ranks are whole numbers.")]
    ranking, comments = posted
    try:
        services.consultation_rank(
            user=request.user,
            consultation=consultation,
            member=member,
            ranking=ranking,
            comments=comments,
            comment=request.POST.get("comment", ""),
        )
    except ServiceError as error:
        return consultation, [error.message]
    return consultation, []


def _posted_ranks(
    request: HttpRequest, consultation: Consultation
) -> tuple[dict[int, int], dict[int, str]] | None:
    """The rank and the comment posted for each option (options left unranked have none), or
    None when a rank is not a whole number."""
    ranking: dict[int, int] = {}
    comments: dict[int, str] = {}
    for option in consultation.options.all():
        value = (request.POST.get(f"rank-{option.pk}") or "").strip()
        if value:
            if not value.isdigit():
                return None
            ranking[option.pk] = int(value)
        comments[option.pk] = request.POST.get(f"comment-{option.pk}", "")
    return ranking, comments


def _own_ranking(
    request: HttpRequest, key: str, consultation: Consultation, own_member: Member | None
) -> tuple[bool, ConsultationResponse | None]:
    """Whether the user may rank for their own administration, and its ranking so far."""
    if own_member is None:
        return False, None
    try:
        selectors.consultation_rank_allowed(user=request.user, key=key)
    except PermissionDenied:
        return False, None
    return True, selectors.consultation_response_of(consultation=consultation, member=own_member)


# --------------------------------------------------------------------------- calendar


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The user's calendar feed: its address is shown once, after a reset."""
    feed_url = None
    if request.method == "POST":
        token = services.feed_token_reset(user=request.user)
        feed_url = request.build_absolute_uri(reverse("meetings:user-calendar", args=[token]))
        messages.success(request, _("A new feed address was made; the old one no longer works."))
    return render(
        request,
        "meetings/calendar.html",
        {"feed": selectors.feed_token_of(user=request.user), "feed_url": feed_url},
    )


@require_safe
def user_calendar(request: HttpRequest, token: str) -> HttpResponse:
    user = selectors.feed_user(token=token)
    body = ics.calendar(
        _("cbcoord meetings"),
        selectors.calendar_meetings(user=user),
        selectors.calendar_action_items(user=user),
    )
    return _ics_response(body, "cbcoord.ics")


def chart_context(figure: charts.Figure) -> dict[str, Any]:
    return {"figure": figure}
