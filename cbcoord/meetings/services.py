"""Writes on meetings, data calls and consultations.

Changes to an existing record take what its door returned (``selectors.meeting_get_for_edit``,
``action_item_get_for_progress``, ``data_call_request_get_for_confirm``,
``consultation_rank_allowed``…): the door has checked the user's right, so these functions do
not check it again. Creating a series, a meeting or a consultation checks its door first.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pycountry
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor, user_record
from cbcoord.accounts.models import User, hash_token
from cbcoord.accounts.permissions import organisation_id_of
from cbcoord.activities.models import Activity
from cbcoord.core.errors import ServiceError
from cbcoord.core.services import apply_changes, delete_as, full_clean_or_raise, save_as
from cbcoord.frameworks.models import Instrument, Provision
from cbcoord.meetings import selectors
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
    Participant,
    ParticipantRole,
    ProgressNote,
)
from cbcoord.needs.models import Need
from cbcoord.registry.models import Member, Organisation, Person, Region

SERIES_FIELDS = ("key", "name", "kind", "region", "description")
MEETING_FIELDS = (
    "title",
    "start_date",
    "end_date",
    "city",
    "country",
    "venue",
    "status",
    "visibility",
    "summary",
)
ACTION_ITEM_FIELDS = ("text", "owner_organisation", "owner_person", "due_date", "decision")


# --------------------------------------------------------------------------- series


def series_create(*, user: Actor | None, data: Mapping[str, Any]) -> MeetingSeries:
    """Create a meeting series (secretariat)."""
    selectors.series_create_allowed(user=user)
    series = MeetingSeries()
    apply_changes(series, data, allowed=SERIES_FIELDS)
    full_clean_or_raise(series)
    return save_as(series, user)


def series_update(
    *, user: Actor | None, series: MeetingSeries, data: Mapping[str, Any]
) -> list[str]:
    """Change a series (``series`` from ``series_get_for_edit``)."""
    changed = apply_changes(series, data, allowed=SERIES_FIELDS)
    if changed:
        full_clean_or_raise(series)
        save_as(series, user)
    return changed


# --------------------------------------------------------------------------- meetings


def _check_meeting(meeting: Meeting) -> None:
    if meeting.country:
        meeting.country = meeting.country.upper()
        if pycountry.countries.get(alpha_2=meeting.country) is None:
            raise ServiceError(
                _("country: %(code)s is not an ISO 3166-1 alpha-2 code.")
                % {"code": meeting.country},
                field="country",
            )
    if meeting.start_date and meeting.end_date and meeting.end_date < meeting.start_date:
        raise ServiceError(
            _("end_date: the meeting cannot end before it starts."), field="end_date"
        )
    full_clean_or_raise(meeting, exclude=["series", "created_by"])


@transaction.atomic
def meeting_create(
    *,
    user: Actor | None,
    series: MeetingSeries,
    data: Mapping[str, Any],
    host: Organisation | None = None,
    co_organisers: Iterable[Organisation] = (),
) -> Meeting:
    """Create a meeting in ``series`` (from ``meeting_create_allowed``). ``end_date`` defaults
    to ``start_date``. The host and co-organisers become participants with those roles. The
    open action items of the series' previous meeting, if it is closed, are carried to it."""
    selectors.meeting_create_allowed(user=user, series=series)
    values = dict(data)
    if values.get("start_date") and not values.get("end_date"):
        values["end_date"] = values["start_date"]
    meeting = Meeting(series=series, created_by=user_record(user))
    apply_changes(meeting, values, allowed=MEETING_FIELDS)
    _check_meeting(meeting)
    save_as(meeting, user)
    roles: dict[int, tuple[Organisation, list[str]]] = {}
    for organisation in co_organisers:
        roles.setdefault(organisation.pk, (organisation, []))[1].append(
            ParticipantRole.CO_ORGANISER
        )
    if host is not None:
        roles.setdefault(host.pk, (host, []))[1].append(ParticipantRole.HOST)
    for organisation, organisation_roles in roles.values():
        participant_add(
            user=user, meeting=meeting, organisation=organisation, roles=organisation_roles
        )
    previous = selectors.previous_meeting(meeting)
    if previous is not None and previous.is_closed:
        carry_from(previous)
    return meeting


@transaction.atomic
def meeting_update(*, user: Actor | None, meeting: Meeting, data: Mapping[str, Any]) -> list[str]:
    """Change a meeting (from ``meeting_get_for_edit``). Closing it carries its open action
    items to the next meeting of the series, if there is one."""
    changed = apply_changes(meeting, data, allowed=MEETING_FIELDS)
    if changed:
        _check_meeting(meeting)
        save_as(meeting, user)
        if "status" in changed and meeting.status == MeetingStatus.CLOSED:
            carry_from(meeting)
    return changed


def carry_from(meeting: Meeting) -> int:
    """Carry the open items of closed ``meeting`` (its own and those carried to it) to the
    next meeting of its series. Returns how many were newly carried; safe to run again."""
    following = selectors.next_meeting(meeting)
    if following is None or not meeting.is_closed:
        return 0
    carried = 0
    for item in selectors.pending_items_to_carry(meeting):
        _, created = Carryover.objects.get_or_create(action_item=item, meeting=following)
        carried += created
    return carried


# --------------------------------------------------------------------------- participants


def _check_roles(roles: Sequence[str]) -> list[str]:
    unknown = [role for role in roles if role not in ParticipantRole.values]
    if unknown:
        raise ServiceError(
            _("roles: %(roles)s is not a participant role.") % {"roles": ", ".join(unknown)},
            field="roles",
        )
    return list(dict.fromkeys(roles))


def _check_person(person: Person | None, organisation: Organisation | None, field: str) -> None:
    if (
        person is not None
        and organisation is not None
        and person.organisation_id != organisation.pk
    ):
        raise ServiceError(
            _("%(field)s: %(person)s is not of %(organisation)s.")
            % {"field": field, "person": person.name, "organisation": organisation.display_name},
            field=field,
        )


def participant_add(
    *,
    user: Actor | None,
    meeting: Meeting,
    organisation: Organisation,
    person: Person | None = None,
    roles: Sequence[str] = (),
    note: str = "",
) -> Participant:
    """Add an organisation, or one of its people, to ``meeting`` (from
    ``meeting_get_for_edit``) with ``roles``."""
    _check_person(person, organisation, "person")
    if person is not None and meeting.participants.filter(person=person).exists():
        raise ServiceError(
            _("person: %(name)s already takes part.") % {"name": person.name}, field="person"
        )
    last = meeting.participants.aggregate(last=Max("position"))["last"]
    participant = Participant(
        meeting=meeting,
        organisation=organisation,
        person=person,
        roles=_check_roles(roles),
        note=note,
        position=(last or 0) + 1,
    )
    full_clean_or_raise(participant)
    return save_as(participant, user)


def participant_update(
    *, user: Actor | None, participant: Participant, data: Mapping[str, Any]
) -> list[str]:
    values = dict(data)
    if "roles" in values:
        values["roles"] = _check_roles(values["roles"] or [])
    changed = apply_changes(participant, values, allowed=("roles", "note", "person", "position"))
    if changed:
        _check_person(participant.person, participant.organisation, "person")
        full_clean_or_raise(participant)
        save_as(participant, user)
    return changed


def record_delete(
    *,
    user: Actor | None,
    record: Participant | AgendaItem | BilateralMeeting | Decision | ActionItem,
) -> None:
    """Remove something a meeting records (from its ``*_get_for_edit`` door)."""
    delete_as(record, user)


# --------------------------------------------------------------------------- agenda, bilaterals


def _links(
    instance: AgendaItem | BilateralMeeting | ActionItem,
    *,
    provisions: Iterable[Provision] | None = None,
    instruments: Iterable[Instrument] | None = None,
    activities: Iterable[Activity] | None = None,
    needs: Iterable[Need] | None = None,
) -> None:
    if provisions is not None:
        instance.provisions.set(list(provisions))
    if instruments is not None and not isinstance(instance, ActionItem):
        instance.instruments.set(list(instruments))
    if activities is not None and isinstance(instance, ActionItem):
        instance.activities.set(list(activities))
    if needs is not None and isinstance(instance, ActionItem):
        instance.needs.set(list(needs))


@transaction.atomic
def agenda_item_create(
    *,
    user: Actor | None,
    meeting: Meeting,
    data: Mapping[str, Any],
    presenters: Iterable[Participant] = (),
    provisions: Iterable[Provision] = (),
    instruments: Iterable[Instrument] = (),
) -> AgendaItem:
    """Add an agenda item to ``meeting`` (from ``meeting_get_for_edit``); presenters are
    participants of the meeting."""
    presenters = list(presenters)
    if any(presenter.meeting_id != meeting.pk for presenter in presenters):
        raise ServiceError(
            _("presenters: a presenter must take part in the meeting."), field="presenters"
        )
    values = dict(data)
    if not values.get("position"):
        last = meeting.agenda_items.aggregate(last=Max("position"))["last"]
        values["position"] = (last or 0) + 1
    item = AgendaItem(meeting=meeting)
    apply_changes(item, values, allowed=("title", "description", "starts_at", "position"))
    full_clean_or_raise(item)
    save_as(item, user)
    item.presenters.set(presenters)
    _links(item, provisions=provisions, instruments=instruments)
    return item


@transaction.atomic
def agenda_item_update(
    *,
    user: Actor | None,
    item: AgendaItem,
    data: Mapping[str, Any],
    presenters: Iterable[Participant] | None = None,
    provisions: Iterable[Provision] | None = None,
    instruments: Iterable[Instrument] | None = None,
) -> list[str]:
    changed = apply_changes(item, data, allowed=("title", "description", "starts_at", "position"))
    if changed:
        full_clean_or_raise(item)
        save_as(item, user)
    if presenters is not None:
        presenters = list(presenters)
        if any(presenter.meeting_id != item.meeting_id for presenter in presenters):
            raise ServiceError(
                _("presenters: a presenter must take part in the meeting."), field="presenters"
            )
        item.presenters.set(presenters)
    _links(item, provisions=provisions, instruments=instruments)
    return changed


@transaction.atomic
def bilateral_create(
    *,
    user: Actor | None,
    meeting: Meeting,
    data: Mapping[str, Any],
    parties: Iterable[Organisation],
    people: Iterable[Person] = (),
    provisions: Iterable[Provision] = (),
    instruments: Iterable[Instrument] = (),
) -> BilateralMeeting:
    """Record a bilateral meeting held alongside ``meeting`` (from ``meeting_get_for_edit``)."""
    parties = list(parties)
    if not parties:
        raise ServiceError(_("parties: name at least one party."), field="parties")
    people = list(people)
    party_ids = {party.pk for party in parties}
    if any(person.organisation_id not in party_ids for person in people):
        raise ServiceError(_("people: each person must be of one of the parties."), field="people")
    bilateral = BilateralMeeting(meeting=meeting)
    apply_changes(bilateral, data, allowed=("title", "held_on", "topics", "summary"))
    full_clean_or_raise(bilateral)
    save_as(bilateral, user)
    bilateral.parties.set(parties)
    bilateral.people.set(people)
    _links(bilateral, provisions=provisions, instruments=instruments)
    return bilateral


# --------------------------------------------------------------------------- decisions, actions


def decision_create(
    *,
    user: Actor | None,
    meeting: Meeting,
    text: str,
    agenda_item: AgendaItem | None = None,
) -> Decision:
    """Record a decision of ``meeting`` (from ``meeting_get_for_edit``)."""
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ServiceError(_("agenda_item: not an item of this meeting."), field="agenda_item")
    last = meeting.decisions.aggregate(last=Max("position"))["last"]
    decision = Decision(
        meeting=meeting, text=text, agenda_item=agenda_item, position=(last or 0) + 1
    )
    full_clean_or_raise(decision)
    return save_as(decision, user)


def decision_update(
    *, user: Actor | None, decision: Decision, data: Mapping[str, Any]
) -> list[str]:
    changed = apply_changes(decision, data, allowed=("text", "position", "agenda_item"))
    if changed:
        full_clean_or_raise(decision)
        save_as(decision, user)
    return changed


def _check_action(item: ActionItem) -> None:
    _check_person(item.owner_person, item.owner_organisation, "owner_person")
    if item.decision is not None and item.decision.meeting_id != item.meeting_id:
        raise ServiceError(_("decision: not a decision of this meeting."), field="decision")
    full_clean_or_raise(item, exclude=["meeting"])


@transaction.atomic
def action_item_create(
    *,
    user: Actor | None,
    meeting: Meeting,
    data: Mapping[str, Any],
    activities: Iterable[Activity] = (),
    provisions: Iterable[Provision] = (),
    needs: Iterable[Need] = (),
) -> ActionItem:
    """Record an action item of ``meeting`` (from ``meeting_get_for_edit``): text, owner
    organisation (and person), due date, the decision it follows, and links to activities,
    provisions and members' needs."""
    unknown = [name for name in data if name not in ACTION_ITEM_FIELDS]
    if unknown:
        raise ServiceError(f"{unknown[0]}: this field cannot be set here.", field=unknown[0])
    if data.get("owner_organisation") is None:
        raise ServiceError(
            _("owner_organisation: name the organisation that owns the action."),
            field="owner_organisation",
        )
    item = ActionItem(meeting=meeting, **data)
    _check_action(item)
    save_as(item, user)
    _links(item, provisions=provisions, activities=activities, needs=needs)
    if meeting.is_closed:
        carry_from(meeting)
    return item


@transaction.atomic
def action_item_update(
    *,
    user: Actor | None,
    item: ActionItem,
    data: Mapping[str, Any],
    activities: Iterable[Activity] | None = None,
    provisions: Iterable[Provision] | None = None,
    needs: Iterable[Need] | None = None,
) -> list[str]:
    """Change an action item (from ``action_item_get_for_edit``)."""
    changed = apply_changes(item, data, allowed=ACTION_ITEM_FIELDS)
    if changed:
        _check_action(item)
        save_as(item, user)
    _links(item, provisions=provisions, activities=activities, needs=needs)
    return changed


@transaction.atomic
def action_item_progress(
    *,
    user: Actor | None,
    item: ActionItem,
    text: str = "",
    status: str = "",
    noted_on: datetime.date | None = None,
) -> ProgressNote:
    """Record progress on ``item`` (from ``action_item_get_for_progress``): a dated note, a
    new status, or both. Done and dropped items are no longer carried or reminded of."""
    if not text.strip() and not status:
        raise ServiceError(_("text: say what progress was made, or set a status."), field="text")
    if status and status not in ActionStatus.values:
        raise ServiceError(
            _("status: %(status)s is not a status.") % {"status": status}, field="status"
        )
    today = timezone.localdate()
    note = ProgressNote(
        action_item=item,
        noted_on=noted_on or today,
        text=text.strip(),
        status=status if status and status != item.status else "",
        author=user_record(user),
        author_organisation_id=organisation_id_of(user),
    )
    if note.noted_on > today:
        raise ServiceError(_("noted_on: progress cannot be dated in the future."), field="noted_on")
    full_clean_or_raise(note, exclude=["action_item", "author", "author_organisation"])
    note.save()
    if note.status:
        item.status = note.status
        item.closed_at = None if item.is_pending else timezone.now()
        item._change_reason = "progress"  # type: ignore[attr-defined]
        save_as(item, user)
    return note


# --------------------------------------------------------------------------- data calls


@transaction.atomic
def data_call_open(
    *,
    user: Actor | None,
    meeting: Meeting,
    deadline: datetime.date,
    message: str = "",
    partners: Iterable[Organisation] | None = None,
) -> DataCall:
    """Open a data call before ``meeting`` (from ``data_call_open_allowed``): each partner of
    the series' region (or those given) is asked, by e-mail and on its home page, to confirm
    or update its activities there by ``deadline``."""
    region: Region | None = meeting.series.region
    if region is None:
        raise ServiceError(
            _("A data call asks about activities in a region; this series has none."),
            field="meeting",
        )
    if DataCall.objects.filter(meeting=meeting).exists():
        raise ServiceError(_("This meeting already has a data call."), field="meeting")
    if deadline < timezone.localdate():
        raise ServiceError(_("deadline: the deadline has passed already."), field="deadline")
    asked = list(partners) if partners is not None else list(selectors.data_call_partners(region))
    if not asked:
        raise ServiceError(_("No partner is active in this region."), field="partners")
    data_call = DataCall.objects.create(
        meeting=meeting,
        deadline=deadline,
        message=message,
        opened_at=timezone.now(),
        opened_by=user_record(user),
    )
    DataCallRequest.objects.bulk_create(
        [DataCallRequest(data_call=data_call, organisation=partner) for partner in asked]
    )
    from cbcoord.meetings import notices

    transaction.on_commit(lambda: notices.send_data_call_invitations(data_call_id=data_call.pk))
    return data_call


def data_call_close(*, user: Actor | None, data_call: DataCall) -> DataCall:
    """Close a data call (its meeting from ``data_call_open_allowed``)."""
    if data_call.closed_at is None:
        data_call.closed_at = timezone.now()
        data_call.save(update_fields=["closed_at", "updated_at"])
    return data_call


def data_call_confirm(
    *, user: Actor | None, request: DataCallRequest, note: str = ""
) -> DataCallRequest:
    """A partner confirms its activities in the region are up to date (``request`` from
    ``data_call_request_get_for_confirm``); confirming again moves the date."""
    request.confirmed_at = timezone.now()
    request.confirmed_by = user_record(user)
    request.note = note.strip()
    full_clean_or_raise(request, exclude=["data_call", "organisation", "confirmed_by"])
    request.save()
    return request


# --------------------------------------------------------------------------- consultations


@transaction.atomic
def consultation_create(
    *,
    user: Actor | None,
    data: Mapping[str, Any],
    options: Sequence[Mapping[str, Any]],
    regions: Iterable[Region] = (),
    meetings: Iterable[Meeting] = (),
) -> Consultation:
    """Create a consultation (secretariat) with its candidate priorities (``label``,
    ``description``, ``provision``)."""
    selectors.consultation_create_allowed(user=user)
    if len(options) < 2:
        raise ServiceError(_("options: a ranking needs at least two candidates."), field="options")
    consultation = Consultation()
    apply_changes(
        consultation,
        data,
        allowed=("key", "title", "description", "status", "closes_on", "visibility"),
    )
    full_clean_or_raise(consultation)
    save_as(consultation, user)
    for position, option in enumerate(options, start=1):
        candidate = ConsultationOption(
            consultation=consultation,
            position=position,
            label=option.get("label", ""),
            description=option.get("description", ""),
            provision=option.get("provision"),
        )
        full_clean_or_raise(candidate, exclude=["consultation"])
        candidate.save()
    consultation.regions.set(list(regions))
    consultation.meetings.set(list(meetings))
    return consultation


def consultation_update(
    *, user: Actor | None, consultation: Consultation, data: Mapping[str, Any]
) -> list[str]:
    changed = apply_changes(
        consultation, data, allowed=("title", "description", "status", "closes_on", "visibility")
    )
    if changed:
        full_clean_or_raise(consultation)
        save_as(consultation, user)
    return changed


@transaction.atomic
def consultation_rank(
    *,
    user: Actor | None,
    consultation: Consultation,
    member: Member,
    ranking: Mapping[int, int],
    comments: Mapping[int, str] | None = None,
    comment: str = "",
) -> ConsultationResponse:
    """Record ``member``'s ranking (both from ``consultation_rank_allowed``): ``ranking`` maps
    candidate ids to ranks 1, 2, 3… (no gaps, no ties; candidates may be left unranked).
    Ranking again replaces the earlier ranking."""
    options = set(consultation.options.values_list("pk", flat=True))
    ranked = {int(option): int(rank) for option, rank in ranking.items() if rank}
    if not ranked:
        raise ServiceError(_("ranking: rank at least one priority."), field="ranking")
    if not set(ranked) <= options:
        raise ServiceError(_("ranking: a candidate is not of this consultation."), field="ranking")
    if sorted(ranked.values()) != list(range(1, len(ranked) + 1)):
        raise ServiceError(
            _("ranking: give the ranks 1, 2, 3… once each, without gaps."), field="ranking"
        )
    response, _created = ConsultationResponse.objects.get_or_create(
        consultation=consultation, member=member
    )
    response.comment = comment.strip()
    response.submitted_by = user_record(user)
    full_clean_or_raise(response, exclude=["consultation", "member", "submitted_by"])
    save_as(response, user)
    response.ranks.all().delete()
    ConsultationRank.objects.bulk_create(
        [
            ConsultationRank(
                response=response,
                option_id=option,
                rank=rank,
                comment=((comments or {}).get(option) or "").strip()[:1000],
            )
            for option, rank in sorted(ranked.items(), key=lambda pair: pair[1])
        ]
    )
    return response


# --------------------------------------------------------------------------- calendar feed


def feed_token_reset(*, user: Actor | None) -> str:
    """Give ``user`` a new calendar feed token (the old feed URL stops working); returns the
    raw token, which is shown once and stored only as a hash."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise ServiceError(_("Sign in to have a calendar feed."))
    raw = secrets.token_urlsafe(24)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                CalendarFeedToken.objects.update_or_create(
                    user=user, defaults={"token_hash": hash_token(raw), "prefix": raw[:8]}
                )
            return raw
        except IntegrityError:  # pragma: no cover - a collision of 192 random bits
            raw = secrets.token_urlsafe(24)
    raise ServiceError(_("No calendar feed token could be made; try again."))
