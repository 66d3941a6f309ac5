"""Reads on meetings, and the doors every page, API route and command goes through.

Who reads a meeting (``meeting_visible``): a **published** meeting, everyone; an **internal**
one, the WCO (secretariat and regional offices), the organisations taking part in it (its
participants, the parties to its bilateral meetings, the owners of its action items) and the
members and partners of its series' region: the coordination group of the shared rule
(``cbcoord.registry.visibility``) with two levels, read by the same ``Reader``. What hangs
off a meeting (agenda, decisions, action items, data call) is read with its meeting.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.models import User, hash_token
from cbcoord.accounts.permissions import is_signed_in, organisation_id_of, require_signed_in
from cbcoord.activities.models import Activity
from cbcoord.activities.selectors import activity_visible
from cbcoord.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    BilateralMeeting,
    CalendarFeedToken,
    Carryover,
    Consultation,
    ConsultationOption,
    ConsultationRank,
    ConsultationResponse,
    DataCall,
    DataCallRequest,
    Decision,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    MeetingVisibility,
    Participant,
    ParticipantRole,
    ProgressNote,
)
from cbcoord.meetings.permissions import (
    may_confirm_data,
    may_manage_meetings,
    may_rank_for,
    may_update_progress,
)
from cbcoord.registry.models import Member, Organisation, OrganisationKind, Region
from cbcoord.registry.visibility import Reader

# --------------------------------------------------------------------------- visibility


def meeting_visible(user: Actor | None) -> QuerySet[Meeting]:
    """Meetings ``user`` may read (see the module docstring)."""
    meetings = Meeting.objects.all()
    reader = Reader.of(user)
    if reader.sees_everything:
        return meetings
    published = Q(visibility=MeetingVisibility.PUBLISHED)
    organisation_id = reader.organisation_id
    if organisation_id is None:
        return meetings.filter(published)
    concerned = (
        Q(
            Exists(
                Participant.objects.filter(meeting=OuterRef("pk"), organisation_id=organisation_id)
            )
        )
        | Q(
            Exists(
                ActionItem.objects.filter(
                    meeting=OuterRef("pk"), owner_organisation_id=organisation_id
                )
            )
        )
        | Q(
            Exists(
                BilateralMeeting.parties.through.objects.filter(
                    bilateralmeeting__meeting=OuterRef("pk"), organisation_id=organisation_id
                )
            )
        )
    )
    in_region = Q(series__region_id__in=reader.region_ids)
    return meetings.filter(
        published | (Q(visibility=MeetingVisibility.INTERNAL) & (concerned | in_region))
    )


def _deny(message: str) -> None:
    raise PermissionDenied(message)


# --------------------------------------------------------------------------- series


def series_list(*, user: Actor | None) -> list[tuple[MeetingSeries, list[Meeting]]]:
    """Every series with the meetings of it ``user`` may read, latest first."""
    visible = meeting_visible(user).order_by("-start_date")
    series = MeetingSeries.objects.select_related("region").prefetch_related(
        Prefetch("meetings", queryset=visible, to_attr="visible_meetings")
    )
    return [(item, item.visible_meetings) for item in series]


def series_get(*, key: str) -> MeetingSeries:
    try:
        return MeetingSeries.objects.select_related("region").get(key=key)
    except MeetingSeries.DoesNotExist as error:
        raise Http404(f"No meeting series {key!r}.") from error


def series_create_allowed(*, user: Actor | None) -> None:
    """The door for creating a series: the secretariat."""
    if not may_manage_meetings(user):
        _deny(_("Only the WCO secretariat may create meeting series."))


def series_get_for_edit(*, user: Actor | None, key: str) -> MeetingSeries:
    series = series_get(key=key)
    if not may_manage_meetings(user):
        _deny(_("Only the WCO secretariat may change meeting series."))
    return series


def meeting_create_allowed(*, user: Actor | None, series: MeetingSeries) -> MeetingSeries:
    """The door for creating a meeting in ``series``: the secretariat."""
    if not may_manage_meetings(user):
        _deny(_("Only the WCO secretariat may create meetings."))
    return series


# --------------------------------------------------------------------------- meetings


def meeting_list(
    *, user: Actor | None, series: MeetingSeries | None = None, upcoming: bool | None = None
) -> QuerySet[Meeting]:
    meetings = meeting_visible(user).select_related("series", "series__region")
    if series is not None:
        meetings = meetings.filter(series=series)
    if upcoming is True:
        meetings = meetings.filter(end_date__gte=timezone.localdate())
    elif upcoming is False:
        meetings = meetings.filter(end_date__lt=timezone.localdate())
    return meetings.order_by("-start_date", "pk")


def meeting_get(*, user: Actor | None, pk: int) -> Meeting:
    """The meeting, if ``user`` may read it (else 404)."""
    try:
        return (
            meeting_visible(user)
            .select_related("series", "series__region", "created_by")
            .get(pk=pk)
        )
    except Meeting.DoesNotExist as error:
        raise Http404(f"No meeting {pk} that you may see.") from error


def meeting_get_for_edit(*, user: Actor | None, pk: int) -> Meeting:
    """The door for changing a meeting and what it records (participants, agenda, bilateral
    meetings, decisions, action items): 404 if ``user`` may not read it, 403 unless the
    secretariat."""
    meeting = meeting_get(user=user, pk=pk)
    if not may_manage_meetings(user):
        _deny(_("Only the WCO secretariat may change meetings."))
    return meeting


_Child = TypeVar("_Child", Participant, AgendaItem, BilateralMeeting, Decision, ActionItem)


def _child_for_edit(user: Actor | None, model: type[_Child], pk: int) -> _Child:
    try:
        record = model.objects.select_related("meeting").get(pk=pk)
    except model.DoesNotExist as error:
        raise Http404(f"No {model._meta.model_name} {pk}.") from error
    meeting_get_for_edit(user=user, pk=record.meeting_id)
    return record


def participant_get_for_edit(*, user: Actor | None, pk: int) -> Participant:
    return _child_for_edit(user, Participant, pk)


def agenda_item_get_for_edit(*, user: Actor | None, pk: int) -> AgendaItem:
    return _child_for_edit(user, AgendaItem, pk)


def bilateral_get_for_edit(*, user: Actor | None, pk: int) -> BilateralMeeting:
    return _child_for_edit(user, BilateralMeeting, pk)


def decision_get_for_edit(*, user: Actor | None, pk: int) -> Decision:
    return _child_for_edit(user, Decision, pk)


def action_item_get_for_edit(*, user: Actor | None, pk: int) -> ActionItem:
    """The door for changing an action item itself (text, owner, due date, links): the
    secretariat. Progress has its own door, ``action_item_get_for_progress``."""
    return _child_for_edit(user, ActionItem, pk)


def action_item_visible(user: Actor | None) -> QuerySet[ActionItem]:
    """Action items of the meetings ``user`` may read, and those their organisation owns."""
    reader = Reader.of(user)
    items = ActionItem.objects.all()
    if reader.sees_everything:
        return items
    condition = Q(meeting__in=meeting_visible(user).values("pk"))
    if reader.organisation_id is not None:
        condition |= Q(owner_organisation_id=reader.organisation_id)
    return items.filter(condition)


def action_item_get(*, user: Actor | None, pk: int) -> ActionItem:
    try:
        return (
            action_item_visible(user)
            .select_related("meeting", "meeting__series", "owner_organisation", "owner_person")
            .get(pk=pk)
        )
    except ActionItem.DoesNotExist as error:
        raise Http404(f"No action item {pk} that you may see.") from error


def action_item_get_for_progress(*, user: Actor | None, pk: int) -> ActionItem:
    """The door for recording an action item's progress: the secretariat and the editors of
    its owner organisation (404 if ``user`` may not read it, 403 otherwise)."""
    item = action_item_get(user=user, pk=pk)
    if not may_update_progress(user, item):
        _deny(_("Only the owner organisation's editors and the secretariat may record progress."))
    return item


@dataclass(frozen=True)
class ActionItemRow:
    item: ActionItem
    notes: list[ProgressNote]
    origin: Meeting
    overdue: bool


def _item_rows(items: QuerySet[ActionItem], today: datetime.date) -> list[ActionItemRow]:
    items = items.select_related(
        "meeting", "owner_organisation", "owner_person", "decision"
    ).prefetch_related(
        Prefetch("notes", queryset=ProgressNote.objects.select_related("author_organisation")),
        "provisions",
    )
    return [
        ActionItemRow(
            item=item,
            notes=list(item.notes.all()),
            origin=item.meeting,
            overdue=item.is_overdue(today),
        )
        for item in items
    ]


def action_item_row(*, item: ActionItem) -> ActionItemRow:
    return _item_rows(ActionItem.objects.filter(pk=item.pk), timezone.localdate())[0]


def action_item_rows(
    *, meeting: Meeting, today: datetime.date | None = None
) -> list[ActionItemRow]:
    """The meeting's own action items, with their progress notes."""
    return _item_rows(
        meeting.action_items.order_by("due_date", "pk"), today or timezone.localdate()
    )


def carried_item_rows(
    *, meeting: Meeting, today: datetime.date | None = None
) -> list[ActionItemRow]:
    """Action items carried to ``meeting`` from earlier meetings of its series, with their
    progress: open when carried; their status now may be done or dropped."""
    items = ActionItem.objects.filter(
        pk__in=Carryover.objects.filter(meeting=meeting).values("action_item_id")
    ).order_by("meeting__start_date", "due_date", "pk")
    return _item_rows(items, today or timezone.localdate())


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(series_id=meeting.series_id, start_date__lt=meeting.start_date)
        .order_by("-start_date", "-pk")
        .first()
    )


def next_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(series_id=meeting.series_id, start_date__gt=meeting.start_date)
        .order_by("start_date", "pk")
        .first()
    )


@dataclass(frozen=True)
class MeetingRecord:
    """Everything a meeting records, read once, for its page, its API answer and its brief."""

    meeting: Meeting
    participants: list[Participant]
    agenda: list[AgendaItem]
    bilaterals: list[BilateralMeeting]
    decisions: list[Decision]
    action_items: list[ActionItemRow]
    carried: list[ActionItemRow]
    previous: Meeting | None
    next: Meeting | None

    def with_role(self, role: str) -> list[Participant]:
        return [participant for participant in self.participants if role in participant.roles]

    @property
    def host(self) -> list[Participant]:
        return self.with_role(ParticipantRole.HOST)

    @property
    def co_organisers(self) -> list[Participant]:
        return self.with_role(ParticipantRole.CO_ORGANISER)


def meeting_record(*, meeting: Meeting, today: datetime.date | None = None) -> MeetingRecord:
    participants = list(
        meeting.participants.select_related("organisation", "person").order_by("position", "pk")
    )
    agenda = list(
        meeting.agenda_items.prefetch_related(
            Prefetch(
                "presenters",
                queryset=Participant.objects.select_related("organisation", "person"),
            ),
            "provisions",
            "instruments",
        ).order_by("position", "pk")
    )
    bilaterals = list(
        meeting.bilaterals.prefetch_related("parties", "people", "provisions", "instruments")
    )
    decisions = list(meeting.decisions.order_by("position", "pk"))
    return MeetingRecord(
        meeting=meeting,
        participants=participants,
        agenda=agenda,
        bilaterals=bilaterals,
        decisions=decisions,
        action_items=action_item_rows(meeting=meeting, today=today),
        carried=carried_item_rows(meeting=meeting, today=today),
        previous=previous_meeting(meeting),
        next=next_meeting(meeting),
    )


def pending_items_to_carry(meeting: Meeting) -> QuerySet[ActionItem]:
    """What a closed ``meeting`` hands to the next of its series: its own open items and the
    open items carried to it."""
    return ActionItem.objects.filter(
        Q(meeting=meeting) | Q(carryovers__meeting=meeting),
        status__in=ActionStatus.pending(),
    ).distinct()


def action_items_due(*, today: datetime.date, days: int) -> QuerySet[ActionItem]:
    """Open and in-progress action items due within ``days`` days of ``today``, or overdue."""
    return (
        ActionItem.objects.filter(
            status__in=ActionStatus.pending(),
            due_date__isnull=False,
            due_date__lte=today + datetime.timedelta(days=days),
        )
        .select_related("meeting", "owner_organisation", "owner_person")
        .order_by("due_date", "pk")
    )


def action_items_of_organisation(
    *, user: Actor | None, organisation_id: int | None
) -> QuerySet[ActionItem]:
    if organisation_id is None:
        return ActionItem.objects.none()
    return action_item_visible(user).filter(owner_organisation_id=organisation_id)


# --------------------------------------------------------------------------- data calls


def data_call_open_allowed(*, user: Actor | None, pk: int) -> Meeting:
    """The door for opening (or closing) a meeting's data call: the secretariat; the meeting's
    series must have a region."""
    meeting = meeting_get_for_edit(user=user, pk=pk)
    return meeting


def data_call_get(*, user: Actor | None, pk: int) -> DataCall:
    """A meeting's data call (``pk`` is the meeting's), if ``user`` may read the meeting."""
    meeting = meeting_get(user=user, pk=pk)
    try:
        return DataCall.objects.select_related("meeting", "meeting__series__region").get(
            meeting=meeting
        )
    except DataCall.DoesNotExist as error:
        raise Http404(f"Meeting {pk} has no data call.") from error


def data_call_request_get(*, user: Actor | None, pk: int) -> DataCallRequest:
    """A partner's data-call request: the secretariat, and the partner's own users."""
    try:
        request = DataCallRequest.objects.select_related(
            "data_call", "data_call__meeting", "data_call__meeting__series__region", "organisation"
        ).get(pk=pk)
    except DataCallRequest.DoesNotExist as error:
        raise Http404(f"No data call request {pk}.") from error
    reader = Reader.of(user)
    if not (reader.sees_everything or reader.organisation_id == request.organisation_id):
        raise Http404(f"No data call request {pk} that you may see.")
    return request


def data_call_request_get_for_confirm(*, user: Actor | None, pk: int) -> DataCallRequest:
    """The door for a partner's answer to a data call: its partner editors and the
    secretariat, while the call is open."""
    request = data_call_request_get(user=user, pk=pk)
    if not may_confirm_data(user, request.organisation):
        _deny(_("Only the partner's editors and the secretariat may answer its data call."))
    if not request.data_call.is_open:
        _deny(_("This data call is closed."))
    return request


def data_call_partners(region: Region) -> QuerySet[Organisation]:
    """The partners a data call for ``region`` asks: verified development partners and
    implementers active in the region or reporting activities there."""
    return (
        Organisation.objects.filter(kind__in=OrganisationKind.partner_kinds(), is_verified=True)
        .filter(
            Q(active_regions=region)
            | Q(
                Exists(
                    Activity.regions.through.objects.filter(
                        activity__reporting_org=OuterRef("pk"), region=region
                    )
                )
            )
        )
        .distinct()
        .order_by("name")
    )


@dataclass(frozen=True)
class FreshnessRow:
    """A partner's data in a region: when it last confirmed them and what changed."""

    organisation: Organisation
    request: DataCallRequest | None
    confirmed_at: datetime.datetime | None
    last_confirmed: datetime.datetime | None
    activities: int
    changed: int
    last_update: datetime.datetime | None
    changed_titles: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.confirmed_at is not None


def data_freshness(
    *, user: Actor | None, region: Region, data_call: DataCall | None, limit_titles: int = 5
) -> list[FreshnessRow]:
    """Per partner of ``region`` (those asked by ``data_call``, or every partner of the region):
    activities there, those changed since the call opened, the last change, when the partner
    last confirmed its data (this call, and any call for the region)."""
    requests: dict[int, DataCallRequest] = {}
    if data_call is not None:
        requests = {
            request.organisation_id: request
            for request in data_call.requests.select_related("organisation", "confirmed_by")
        }
        partners = [request.organisation for request in requests.values()]
    else:
        partners = list(data_call_partners(region))
    partners.sort(key=lambda organisation: organisation.name.lower())
    since = data_call.opened_at if data_call is not None else None
    activities = activity_visible(user, include_withdrawn=False).filter(
        Exists(Activity.regions.through.objects.filter(activity_id=OuterRef("pk"), region=region)),
        reporting_org_id__in=[partner.pk for partner in partners],
    )
    counts = {
        row["reporting_org_id"]: row
        for row in activities.order_by()
        .values("reporting_org_id")
        .annotate(
            total=Count("pk"),
            changed=Count("pk", filter=Q(updated_at__gte=since))
            if since
            else Count("pk", filter=Q(pk=None)),
            last=Max("updated_at"),
        )
    }
    titles: dict[int, list[str]] = defaultdict(list)
    if since is not None:
        for org_id, title in (
            activities.filter(updated_at__gte=since)
            .order_by("reporting_org_id", "-updated_at")
            .values_list("reporting_org_id", "title_text")
        ):
            if len(titles[org_id]) < limit_titles:
                titles[org_id].append(title)
    last_confirmed = dict(
        DataCallRequest.objects.filter(
            data_call__meeting__series__region=region, confirmed_at__isnull=False
        )
        .values("organisation_id")
        .annotate(last=Max("confirmed_at"))
        .values_list("organisation_id", "last")
    )
    rows = []
    for partner in partners:
        request = requests.get(partner.pk)
        count = counts.get(partner.pk, {})
        rows.append(
            FreshnessRow(
                organisation=partner,
                request=request,
                confirmed_at=request.confirmed_at if request else None,
                last_confirmed=last_confirmed.get(partner.pk),
                activities=count.get("total", 0),
                changed=count.get("changed", 0),
                last_update=count.get("last"),
                changed_titles=titles.get(partner.pk, []),
            )
        )
    return rows


def data_call_requests_pending_for(*, user: Actor | None) -> list[DataCallRequest]:
    """Open data calls that ask ``user``'s organisation and that it has not answered (for the
    home page)."""
    organisation_id = organisation_id_of(user)
    if organisation_id is None:
        return []
    return list(
        DataCallRequest.objects.filter(
            organisation_id=organisation_id,
            confirmed_at__isnull=True,
            data_call__closed_at__isnull=True,
        )
        .select_related("data_call", "data_call__meeting", "data_call__meeting__series__region")
        .order_by("data_call__deadline")
    )


# --------------------------------------------------------------------------- consultations


def consultation_visible(user: Actor | None) -> QuerySet[Consultation]:
    """Published consultations for everyone; internal ones for signed-in users."""
    consultations = Consultation.objects.all()
    if is_signed_in(user):
        return consultations
    return consultations.filter(visibility=MeetingVisibility.PUBLISHED)


def consultation_get(*, user: Actor | None, key: str) -> Consultation:
    try:
        return consultation_visible(user).get(key=key)
    except Consultation.DoesNotExist as error:
        raise Http404(f"No consultation {key!r} that you may see.") from error


def consultation_create_allowed(*, user: Actor | None) -> None:
    if not may_manage_meetings(user):
        _deny(_("Only the WCO secretariat may create consultations."))


def consultation_get_for_edit(*, user: Actor | None, key: str) -> Consultation:
    consultation = consultation_get(user=user, key=key)
    if not may_manage_meetings(user):
        _deny(_("Only the WCO secretariat may change consultations."))
    return consultation


def consultation_members(consultation: Consultation) -> QuerySet[Member]:
    """The members asked: those of the consultation's regions (of every region if none)."""
    members = Member.objects.select_related("region", "organisation")
    region_ids = list(consultation.regions.values_list("pk", flat=True))
    if region_ids:
        members = members.filter(region_id__in=region_ids)
    return members.order_by("name")


def member_of(*, user: Actor | None) -> Member | None:
    """The member whose administration ``user`` belongs to, if any."""
    organisation_id = organisation_id_of(user)
    if organisation_id is None:
        return None
    return Member.objects.filter(organisation_id=organisation_id).select_related("region").first()


def consultation_rank_allowed(
    *, user: Actor | None, key: str, member_pk: int | None = None
) -> tuple[Consultation, Member]:
    """The door for a member's ranking: the consultation (open) and the member whose ranking
    ``user`` may give: their own administration's (member editors), any asked member's (the
    secretariat, with ``member_pk``)."""
    require_signed_in(user, _("rank priorities"))
    consultation = consultation_get(user=user, key=key)
    if member_pk is None:
        member = member_of(user=user)
        if member is None:
            _deny(_("Only a member administration ranks priorities."))
    else:
        member = consultation_members(consultation).filter(pk=member_pk).first()
        if member is None:
            raise Http404(f"Member {member_pk} is not asked in this consultation.")
    assert member is not None
    if not may_rank_for(user, member):
        _deny(_("Only the administration's member editors may rank its priorities."))
    if not consultation_members(consultation).filter(pk=member.pk).exists():
        _deny(_("Your administration is not asked in this consultation."))
    if not consultation.is_open:
        _deny(_("This consultation is not open."))
    return consultation, member


def consultation_response_of(
    *, consultation: Consultation, member: Member
) -> ConsultationResponse | None:
    return (
        ConsultationResponse.objects.filter(consultation=consultation, member=member)
        .prefetch_related("ranks")
        .first()
    )


@dataclass(frozen=True)
class OptionScore:
    option: ConsultationOption
    points: int
    first_choices: int
    ranked_by: int
    mean_rank: float | None
    standing: int


@dataclass(frozen=True)
class GroupResult:
    """Results among one group of members: a region, or every member asked."""

    region: Region | None
    eligible: int
    responded: int
    scores: list[OptionScore]

    @property
    def participation(self) -> float:
        return self.responded / self.eligible if self.eligible else 0.0


@dataclass(frozen=True)
class ConsultationResults:
    consultation: Consultation
    options: list[ConsultationOption]
    overall: GroupResult
    regions: list[GroupResult]
    comments: list[tuple[Member, str]]


def borda_points(rank: int, candidates: int) -> int:
    """The points a ranking gives a candidate at ``rank`` (1 = first) out of ``candidates``:
    ``candidates - rank + 1``, so the first choice scores as many points as there are
    candidates and the last ranked one point; a candidate left unranked scores nothing."""
    return max(candidates - rank + 1, 0)


def _group(
    region: Region | None,
    options: list[ConsultationOption],
    eligible: int,
    ranks: list[tuple[int, int]],
    responded: int,
) -> GroupResult:
    """``ranks``: (option pk, rank) of every ranking in the group."""
    candidates = len(options)
    points: dict[int, int] = defaultdict(int)
    firsts: dict[int, int] = defaultdict(int)
    counted: dict[int, list[int]] = defaultdict(list)
    for option_id, rank in ranks:
        points[option_id] += borda_points(rank, candidates)
        counted[option_id].append(rank)
        if rank == 1:
            firsts[option_id] += 1
    ordered = sorted(
        options,
        key=lambda option: (-points[option.pk], -firsts[option.pk], option.position, option.pk),
    )
    scores = []
    standing = 0
    previous: int | None = None
    for index, option in enumerate(ordered, start=1):
        if points[option.pk] != previous:
            standing = index
            previous = points[option.pk]
        option_ranks = counted[option.pk]
        scores.append(
            OptionScore(
                option=option,
                points=points[option.pk],
                first_choices=firsts[option.pk],
                ranked_by=len(option_ranks),
                mean_rank=sum(option_ranks) / len(option_ranks) if option_ranks else None,
                standing=standing,
            )
        )
    return GroupResult(region=region, eligible=eligible, responded=responded, scores=scores)


def consultation_results(*, consultation: Consultation) -> ConsultationResults:
    """Aggregate the rankings by the Borda count (``borda_points``), among every member asked
    and per region: points, first choices, how many ranked each candidate, mean rank and
    standing (candidates with equal points share a standing), and participation (members who
    answered of those asked)."""
    options = list(consultation.options.order_by("position", "pk"))
    members = list(consultation_members(consultation))
    member_region = {member.pk: member.region for member in members}
    responses = list(
        ConsultationResponse.objects.filter(
            consultation=consultation, member_id__in=list(member_region)
        ).select_related("member")
    )
    ranks = list(
        ConsultationRank.objects.filter(response__in=responses).values_list(
            "response__member_id", "option_id", "rank"
        )
    )
    overall = _group(
        None,
        options,
        len(members),
        [(option_id, rank) for _member, option_id, rank in ranks],
        len(responses),
    )
    regions: dict[int, Region] = {}
    eligible: dict[int, int] = defaultdict(int)
    for member in members:
        regions[member.region_id] = member.region
        eligible[member.region_id] += 1
    responded: dict[int, int] = defaultdict(int)
    for response in responses:
        responded[member_region[response.member_id].pk] += 1
    per_region = [
        _group(
            region,
            options,
            eligible[region.pk],
            [
                (option_id, rank)
                for member_id, option_id, rank in ranks
                if member_region[member_id].pk == region.pk
            ],
            responded[region.pk],
        )
        for region in sorted(regions.values(), key=lambda region: (region.sort_order, region.code))
    ]
    comments = [
        (response.member, response.comment)
        for response in sorted(responses, key=lambda response: response.member.name)
        if response.comment
    ]
    return ConsultationResults(
        consultation=consultation,
        options=options,
        overall=overall,
        regions=per_region,
        comments=comments,
    )


# --------------------------------------------------------------------------- calendar feeds


def feed_user(*, token: str) -> User:
    """The user whose calendar feed ``token`` opens (404 for any other token)."""
    feed = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar feed.")
    CalendarFeedToken.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user


def feed_token_of(*, user: Actor | None) -> CalendarFeedToken | None:
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    return CalendarFeedToken.objects.filter(user=user).first()


def calendar_meetings(
    *, user: Actor | None, series: MeetingSeries | None = None
) -> QuerySet[Meeting]:
    meetings = meeting_visible(user).select_related("series")
    if series is not None:
        meetings = meetings.filter(series=series)
    return meetings.order_by("start_date", "pk")


def calendar_action_items(
    *, user: Actor | None, series: MeetingSeries | None = None
) -> QuerySet[ActionItem]:
    """Due dates for a calendar: a series feed shows those of its meetings' items; a user's
    feed those their organisation owns (the WCO's users: every visible item)."""
    items = action_item_visible(user).filter(due_date__isnull=False)
    if series is not None:
        items = items.filter(meeting__series=series)
    elif not Reader.of(user).sees_everything:
        items = items.filter(owner_organisation_id=organisation_id_of(user) or -1)
    return items.select_related("meeting", "owner_organisation").order_by("due_date", "pk")


def meeting_status_label(status: str) -> str:
    return str(dict(MeetingStatus.choices).get(status, status))
