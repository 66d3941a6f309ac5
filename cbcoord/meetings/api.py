"""JSON API for meetings, action items, data calls and consultations. Every write goes
through the door the pages use."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from cbcoord.accounts.api_auth import READ_AUTH, WRITE_AUTH, api_user
from cbcoord.activities.models import Activity
from cbcoord.core.api_errors import ErrorOut
from cbcoord.core.errors import ServiceError
from cbcoord.frameworks.models import Instrument, Provision
from cbcoord.meetings import selectors, services
from cbcoord.meetings.brief import render as brief_render
from cbcoord.meetings.models import ActionItem, DataCall, Meeting, MeetingSeries
from cbcoord.needs.models import Need
from cbcoord.registry.models import Organisation, Person, Region

router = Router(tags=["meetings"])
WRITE_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# --------------------------------------------------------------------------- resolving


def _organisation(key: str, field: str) -> Organisation:
    organisation = Organisation.objects.filter(key=key).first()
    if organisation is None:
        raise ServiceError(f"{field}: no organisation {key!r}.", field=field)
    return organisation


def _person(pk: int | None, field: str) -> Person | None:
    if pk is None:
        return None
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        raise ServiceError(f"{field}: no person {pk}.", field=field)
    return person


def _codes(model: type[Provision] | type[Instrument], codes: list[str], field: str) -> list[Any]:
    found = {item.code: item for item in model.objects.filter(code__in=codes)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise ServiceError(f"{field}: unknown code(s) {', '.join(missing)}.", field=field)
    return list(found.values())


def _needs(keys: list[str]) -> list[Need]:
    found = {need.key: need for need in Need.objects.filter(key__in=keys)}
    missing = [key for key in keys if key not in found]
    if missing:
        raise ServiceError(f"needs: no need {', '.join(missing)}.", field="needs")
    return list(found.values())


def _activities(identifiers: list[str]) -> list[Activity]:
    found = {a.iati_identifier: a for a in Activity.objects.filter(iati_identifier__in=identifiers)}
    missing = [identifier for identifier in identifiers if identifier not in found]
    if missing:
        raise ServiceError(f"activities: no activity {', '.join(missing)}.", field="activities")
    return list(found.values())


# --------------------------------------------------------------------------- schemas


class SeriesOut(Schema):
    key: str
    name: str
    kind: str
    region: str | None = Field(None, alias="region.code")
    description: str
    is_demo: bool


class SeriesIn(Schema):
    key: str
    name: str
    kind: str = "regional"
    region: str | None = None
    description: str = ""


class MeetingOut(Schema):
    id: int
    series: str = Field(..., alias="series.key")
    title: str
    start_date: datetime.date
    end_date: datetime.date
    city: str
    country: str
    venue: str
    status: str
    visibility: str
    summary: str
    is_demo: bool


class MeetingIn(Schema):
    series: str
    title: str
    start_date: datetime.date
    end_date: datetime.date | None = None
    city: str = ""
    country: str = ""
    venue: str = ""
    status: str = "planned"
    visibility: str = "internal"
    summary: str = ""
    host: str | None = Field(None, description="The host organisation's key.")
    co_organisers: list[str] = Field(default_factory=list, description="Organisation keys.")


class MeetingPatch(Schema):
    title: str | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    city: str | None = None
    country: str | None = None
    venue: str | None = None
    status: str | None = None
    visibility: str | None = None
    summary: str | None = None


class ParticipantOut(Schema):
    id: int
    organisation: str = Field(..., alias="organisation.key")
    person: str | None = Field(None, alias="person.name")
    roles: list[str]
    note: str


class ParticipantIn(Schema):
    organisation: str
    person: int | None = None
    roles: list[str] = Field(default_factory=list)
    note: str = ""


class AgendaItemOut(Schema):
    id: int
    position: int
    title: str
    description: str
    starts_at: datetime.time | None
    presenters: list[int]
    provisions: list[str]
    instruments: list[str]

    @staticmethod
    def resolve_presenters(item: Any) -> list[int]:
        return [presenter.pk for presenter in item.presenters.all()]

    @staticmethod
    def resolve_provisions(item: Any) -> list[str]:
        return [provision.code for provision in item.provisions.all()]

    @staticmethod
    def resolve_instruments(item: Any) -> list[str]:
        return [instrument.code for instrument in item.instruments.all()]


class AgendaItemIn(Schema):
    title: str
    description: str = ""
    starts_at: datetime.time | None = None
    presenters: list[int] = Field(default_factory=list, description="Participant ids.")
    provisions: list[str] = Field(default_factory=list)
    instruments: list[str] = Field(default_factory=list)


class BilateralOut(Schema):
    id: int
    title: str
    held_on: datetime.date | None
    parties: list[str]
    topics: str
    summary: str
    provisions: list[str]
    instruments: list[str]

    @staticmethod
    def resolve_parties(item: Any) -> list[str]:
        return [party.key for party in item.parties.all()]

    @staticmethod
    def resolve_provisions(item: Any) -> list[str]:
        return [provision.code for provision in item.provisions.all()]

    @staticmethod
    def resolve_instruments(item: Any) -> list[str]:
        return [instrument.code for instrument in item.instruments.all()]


class BilateralIn(Schema):
    parties: list[str]
    title: str = ""
    held_on: datetime.date | None = None
    topics: str = ""
    summary: str = ""
    provisions: list[str] = Field(default_factory=list)
    instruments: list[str] = Field(default_factory=list)


class DecisionOut(Schema):
    id: int
    position: int
    text: str


class DecisionIn(Schema):
    text: str


class NoteOut(Schema):
    noted_on: datetime.date
    text: str
    status: str
    organisation: str | None = Field(None, alias="author_organisation.key")


class ActionItemOut(Schema):
    id: int
    meeting: int = Field(..., alias="meeting_id")
    text: str
    owner_organisation: str = Field(..., alias="owner_organisation.key")
    owner_person: str | None = Field(None, alias="owner_person.name")
    due_date: datetime.date | None
    status: str
    notes: list[NoteOut]
    provisions: list[str]
    activities: list[str]
    needs: list[str]

    @staticmethod
    def resolve_notes(item: Any) -> list[Any]:
        return list(item.notes.select_related("author_organisation").order_by("noted_on", "pk"))

    @staticmethod
    def resolve_provisions(item: Any) -> list[str]:
        return [provision.code for provision in item.provisions.all()]

    @staticmethod
    def resolve_activities(item: Any) -> list[str]:
        return [activity.iati_identifier for activity in item.activities.all()]

    @staticmethod
    def resolve_needs(item: Any) -> list[str]:
        return [need.key for need in item.needs.all()]


class ActionItemIn(Schema):
    text: str
    owner_organisation: str
    owner_person: int | None = None
    due_date: datetime.date | None = None
    decision: int | None = None
    provisions: list[str] = Field(default_factory=list)
    activities: list[str] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list, description="need references (keys)")


class ActionItemPatch(Schema):
    text: str | None = None
    owner_organisation: str | None = None
    owner_person: int | None = None
    due_date: datetime.date | None = None


class ProgressIn(Schema):
    text: str = ""
    status: str = ""
    noted_on: datetime.date | None = None


class MeetingDetailOut(MeetingOut):
    participants: list[ParticipantOut]
    agenda: list[AgendaItemOut]
    bilaterals: list[BilateralOut]
    decisions: list[DecisionOut]
    action_items: list[ActionItemOut]
    carried_items: list[ActionItemOut]


class DataCallIn(Schema):
    deadline: datetime.date
    message: str = ""
    partners: list[str] | None = Field(None, description="Partner keys; default: the region's.")


class FreshnessOut(Schema):
    partner: str
    asked: bool
    confirmed_at: datetime.datetime | None
    last_confirmed: datetime.datetime | None
    activities: int
    changed: int
    last_update: datetime.datetime | None
    request: int | None


class DataCallOut(Schema):
    meeting: int
    deadline: datetime.date
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    partners: list[FreshnessOut]


class ConfirmIn(Schema):
    note: str = ""


class ConfirmOut(Schema):
    id: int
    partner: str = Field(..., alias="organisation.key")
    confirmed_at: datetime.datetime | None
    note: str


class OptionIn(Schema):
    label: str
    description: str = ""
    provision: str | None = None


class ConsultationIn(Schema):
    key: str
    title: str
    description: str = ""
    status: str = "open"
    closes_on: datetime.date | None = None
    visibility: str = "internal"
    regions: list[str] = Field(default_factory=list)
    meetings: list[int] = Field(default_factory=list)
    options: list[OptionIn]


class ScoreOut(Schema):
    option: int
    priority: str
    standing: int
    points: int
    first_choices: int
    ranked_by: int
    mean_rank: float | None


class GroupOut(Schema):
    region: str | None
    eligible: int
    responded: int
    participation: float
    scores: list[ScoreOut]


class ResultsOut(Schema):
    consultation: str
    method: str
    overall: GroupOut
    regions: list[GroupOut]


class RankingIn(Schema):
    ranking: dict[int, int] = Field(..., description="Candidate id → rank (1 = first).")
    comments: dict[int, str] = Field(default_factory=dict)
    comment: str = ""
    member: int | None = Field(None, description="The member (secretariat only; default: yours).")


# --------------------------------------------------------------------------- helpers


def _detail(meeting: Meeting) -> dict[str, Any]:
    record = selectors.meeting_record(meeting=meeting)
    out = MeetingOut.from_orm(meeting).dict()
    out.update(
        participants=record.participants,
        agenda=record.agenda,
        bilaterals=record.bilaterals,
        decisions=record.decisions,
        action_items=[row.item for row in record.action_items],
        carried_items=[row.item for row in record.carried],
    )
    return out


def _data_call_out(user: Any, call: DataCall) -> dict[str, Any]:
    region = call.meeting.series.region
    rows = selectors.data_freshness(user=user, region=region, data_call=call) if region else []
    return {
        "meeting": call.meeting_id,
        "deadline": call.deadline,
        "opened_at": call.opened_at,
        "closed_at": call.closed_at,
        "partners": [
            {
                "partner": row.organisation.key,
                "asked": row.request is not None,
                "confirmed_at": row.confirmed_at,
                "last_confirmed": row.last_confirmed,
                "activities": row.activities,
                "changed": row.changed,
                "last_update": row.last_update,
                "request": row.request.pk if row.request else None,
            }
            for row in rows
        ],
    }


def _group_out(group: selectors.GroupResult) -> dict[str, Any]:
    return {
        "region": group.region.code if group.region else None,
        "eligible": group.eligible,
        "responded": group.responded,
        "participation": group.participation,
        "scores": [
            {
                "option": score.option.pk,
                "priority": score.option.label,
                "standing": score.standing,
                "points": score.points,
                "first_choices": score.first_choices,
                "ranked_by": score.ranked_by,
                "mean_rank": score.mean_rank,
            }
            for score in group.scores
        ],
    }


# --------------------------------------------------------------------------- series, meetings


@router.get("/meeting-series", response=list[SeriesOut], auth=READ_AUTH)
def list_series(request: HttpRequest) -> list[MeetingSeries]:
    return list(MeetingSeries.objects.select_related("region").order_by("name"))


@router.post("/meeting-series", response={201: SeriesOut, **WRITE_ERRORS}, auth=WRITE_AUTH)
def create_series(request: HttpRequest, payload: SeriesIn) -> object:
    user = api_user(request)
    selectors.series_create_allowed(user=user)
    data = payload.dict()
    region_code = data.pop("region")
    data["region"] = (
        Region.objects.filter(code__iexact=region_code).first() if region_code else None
    )
    if region_code and data["region"] is None:
        raise ServiceError(f"region: no region {region_code!r}.", field="region")
    return Status(201, services.series_create(user=user, data=data))


@router.get("/meetings", response=list[MeetingOut], auth=READ_AUTH)
def list_meetings(request: HttpRequest, series: str | None = None) -> object:
    series_obj = selectors.series_get(key=series) if series else None
    return list(selectors.meeting_list(user=api_user(request), series=series_obj))


@router.get("/meetings/{int:meeting_id}", response=MeetingDetailOut, auth=READ_AUTH)
def get_meeting(request: HttpRequest, meeting_id: int) -> object:
    return _detail(selectors.meeting_get(user=api_user(request), pk=meeting_id))


@router.post("/meetings", response={201: MeetingOut, **WRITE_ERRORS}, auth=WRITE_AUTH)
def create_meeting(request: HttpRequest, payload: MeetingIn) -> object:
    user = api_user(request)
    series = selectors.meeting_create_allowed(
        user=user, series=selectors.series_get(key=payload.series)
    )
    data = payload.dict(exclude={"series", "host", "co_organisers"})
    host = _organisation(payload.host, "host") if payload.host else None
    co_organisers = [_organisation(key, "co_organisers") for key in payload.co_organisers]
    meeting = services.meeting_create(
        user=user, series=series, data=data, host=host, co_organisers=co_organisers
    )
    return Status(201, meeting)


@router.patch(
    "/meetings/{int:meeting_id}", response={200: MeetingOut, **WRITE_ERRORS}, auth=WRITE_AUTH
)
def patch_meeting(request: HttpRequest, meeting_id: int, payload: MeetingPatch) -> object:
    user = api_user(request)
    meeting = selectors.meeting_get_for_edit(user=user, pk=meeting_id)
    services.meeting_update(user=user, meeting=meeting, data=payload.dict(exclude_unset=True))
    return Status(200, Meeting.objects.get(pk=meeting.pk))


@router.post(
    "/meetings/{int:meeting_id}/participants",
    response={201: ParticipantOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
)
def add_participant(request: HttpRequest, meeting_id: int, payload: ParticipantIn) -> object:
    user = api_user(request)
    meeting = selectors.meeting_get_for_edit(user=user, pk=meeting_id)
    participant = services.participant_add(
        user=user,
        meeting=meeting,
        organisation=_organisation(payload.organisation, "organisation"),
        person=_person(payload.person, "person"),
        roles=payload.roles,
        note=payload.note,
    )
    return Status(201, participant)


@router.post(
    "/meetings/{int:meeting_id}/agenda-items",
    response={201: AgendaItemOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
)
def add_agenda_item(request: HttpRequest, meeting_id: int, payload: AgendaItemIn) -> object:
    user = api_user(request)
    meeting = selectors.meeting_get_for_edit(user=user, pk=meeting_id)
    presenters = list(meeting.participants.filter(pk__in=payload.presenters))
    if len(presenters) != len(set(payload.presenters)):
        raise ServiceError(
            "presenters: a presenter must take part in the meeting.", field="presenters"
        )
    item = services.agenda_item_create(
        user=user,
        meeting=meeting,
        data=payload.dict(include={"title", "description", "starts_at"}),
        presenters=presenters,
        provisions=_codes(Provision, payload.provisions, "provisions"),
        instruments=_codes(Instrument, payload.instruments, "instruments"),
    )
    return Status(201, item)


@router.post(
    "/meetings/{int:meeting_id}/bilaterals",
    response={201: BilateralOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
)
def add_bilateral(request: HttpRequest, meeting_id: int, payload: BilateralIn) -> object:
    user = api_user(request)
    meeting = selectors.meeting_get_for_edit(user=user, pk=meeting_id)
    bilateral = services.bilateral_create(
        user=user,
        meeting=meeting,
        data=payload.dict(include={"title", "held_on", "topics", "summary"}),
        parties=[_organisation(key, "parties") for key in payload.parties],
        provisions=_codes(Provision, payload.provisions, "provisions"),
        instruments=_codes(Instrument, payload.instruments, "instruments"),
    )
    return Status(201, bilateral)


@router.post(
    "/meetings/{int:meeting_id}/decisions",
    response={201: DecisionOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
)
def add_decision(request: HttpRequest, meeting_id: int, payload: DecisionIn) -> object:
    user = api_user(request)
    meeting = selectors.meeting_get_for_edit(user=user, pk=meeting_id)
    return Status(201, services.decision_create(user=user, meeting=meeting, text=payload.text))


@router.post(
    "/meetings/{int:meeting_id}/action-items",
    response={201: ActionItemOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
)
def add_action_item(request: HttpRequest, meeting_id: int, payload: ActionItemIn) -> object:
    user = api_user(request)
    meeting = selectors.meeting_get_for_edit(user=user, pk=meeting_id)
    decision = meeting.decisions.filter(pk=payload.decision).first() if payload.decision else None
    if payload.decision and decision is None:
        raise ServiceError("decision: not a decision of this meeting.", field="decision")
    item = services.action_item_create(
        user=user,
        meeting=meeting,
        data={
            "text": payload.text,
            "owner_organisation": _organisation(payload.owner_organisation, "owner_organisation"),
            "owner_person": _person(payload.owner_person, "owner_person"),
            "due_date": payload.due_date,
            "decision": decision,
        },
        provisions=_codes(Provision, payload.provisions, "provisions"),
        activities=_activities(payload.activities),
        needs=_needs(payload.needs),
    )
    return Status(201, item)


@router.get("/action-items/{int:item_id}", response=ActionItemOut, auth=READ_AUTH)
def get_action_item(request: HttpRequest, item_id: int) -> ActionItem:
    return selectors.action_item_get(user=api_user(request), pk=item_id)


@router.patch(
    "/action-items/{int:item_id}", response={200: ActionItemOut, **WRITE_ERRORS}, auth=WRITE_AUTH
)
def patch_action_item(request: HttpRequest, item_id: int, payload: ActionItemPatch) -> object:
    user = api_user(request)
    item = selectors.action_item_get_for_edit(user=user, pk=item_id)
    data: dict[str, Any] = payload.dict(exclude_unset=True)
    if "owner_organisation" in data:
        data["owner_organisation"] = _organisation(data["owner_organisation"], "owner_organisation")
    if "owner_person" in data:
        data["owner_person"] = _person(data["owner_person"], "owner_person")
    services.action_item_update(user=user, item=item, data=data)
    return Status(200, ActionItem.objects.get(pk=item.pk))


@router.post(
    "/action-items/{int:item_id}/progress",
    response={201: ActionItemOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
)
def add_progress(request: HttpRequest, item_id: int, payload: ProgressIn) -> object:
    user = api_user(request)
    item = selectors.action_item_get_for_progress(user=user, pk=item_id)
    services.action_item_progress(
        user=user, item=item, text=payload.text, status=payload.status, noted_on=payload.noted_on
    )
    return Status(201, ActionItem.objects.get(pk=item.pk))


@router.get(
    "/meetings/{int:meeting_id}/brief",
    auth=READ_AUTH,
    response={200: None, 404: ErrorOut},
    description="The meeting's brief: ?format=pdf|xlsx&language=en|es|fr|pt.",
)
def get_brief(
    request: HttpRequest, meeting_id: int, format: str = "pdf", language: str = "en"
) -> HttpResponse:
    user = api_user(request)
    meeting = selectors.meeting_get(user=user, pk=meeting_id)
    if format not in brief_render.FORMATS:
        raise ServiceError("format: pdf or xlsx.", field="format")
    language = brief_render.language_of(language)
    body = brief_render.render(meeting=meeting, user=user, fmt=format, language=language)
    response = HttpResponse(body, content_type=brief_render.CONTENT_TYPES[format])
    response["Content-Disposition"] = (
        f'attachment; filename="{brief_render.filename(meeting, format, language)}"'
    )
    return response


# --------------------------------------------------------------------------- data calls


@router.post(
    "/meetings/{int:meeting_id}/data-call",
    response={201: DataCallOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
)
def open_data_call(request: HttpRequest, meeting_id: int, payload: DataCallIn) -> object:
    user = api_user(request)
    meeting = selectors.data_call_open_allowed(user=user, pk=meeting_id)
    partners = (
        [_organisation(key, "partners") for key in payload.partners]
        if payload.partners is not None
        else None
    )
    call = services.data_call_open(
        user=user,
        meeting=meeting,
        deadline=payload.deadline,
        message=payload.message,
        partners=partners,
    )
    return Status(201, _data_call_out(user, call))


@router.get(
    "/meetings/{int:meeting_id}/data-call",
    response={200: DataCallOut, 403: ErrorOut, 404: ErrorOut},
    auth=WRITE_AUTH,
)
def get_data_call(request: HttpRequest, meeting_id: int) -> object:
    user = api_user(request)
    meeting = selectors.data_call_open_allowed(user=user, pk=meeting_id)
    return _data_call_out(user, selectors.data_call_get(user=user, pk=meeting.pk))


@router.post(
    "/data-call-requests/{int:request_id}/confirm",
    response={200: ConfirmOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
)
def confirm_data(request: HttpRequest, request_id: int, payload: ConfirmIn) -> object:
    user = api_user(request)
    call_request = selectors.data_call_request_get_for_confirm(user=user, pk=request_id)
    return Status(
        200, services.data_call_confirm(user=user, request=call_request, note=payload.note)
    )


# --------------------------------------------------------------------------- consultations


@router.post("/consultations", response={201: ResultsOut, **WRITE_ERRORS}, auth=WRITE_AUTH)
def create_consultation(request: HttpRequest, payload: ConsultationIn) -> object:
    user = api_user(request)
    selectors.consultation_create_allowed(user=user)
    regions = [Region.objects.filter(code__iexact=code).first() for code in payload.regions]
    if None in regions:
        raise ServiceError("regions: unknown region code.", field="regions")
    options = [
        {
            "label": option.label,
            "description": option.description,
            "provision": _codes(Provision, [option.provision], "options")[0]
            if option.provision
            else None,
        }
        for option in payload.options
    ]
    consultation = services.consultation_create(
        user=user,
        data=payload.dict(
            include={"key", "title", "description", "status", "closes_on", "visibility"}
        ),
        options=options,
        regions=[region for region in regions if region is not None],
        meetings=list(selectors.meeting_visible(user).filter(pk__in=payload.meetings)),
    )
    return Status(201, _results(consultation.key, user))


def _results(key: str, user: Any) -> dict[str, Any]:
    consultation = selectors.consultation_get(user=user, key=key)
    results = selectors.consultation_results(consultation=consultation)
    return {
        "consultation": consultation.key,
        "method": "borda",
        "overall": _group_out(results.overall),
        "regions": [_group_out(group) for group in results.regions],
    }


@router.get("/consultations/{key}/results", response=ResultsOut, auth=READ_AUTH)
def consultation_results(request: HttpRequest, key: str) -> object:
    return _results(key, api_user(request))


@router.post(
    "/consultations/{key}/rankings", response={201: ResultsOut, **WRITE_ERRORS}, auth=WRITE_AUTH
)
def rank(request: HttpRequest, key: str, payload: RankingIn) -> object:
    user = api_user(request)
    consultation, member = selectors.consultation_rank_allowed(
        user=user, key=key, member_pk=payload.member
    )
    services.consultation_rank(
        user=user,
        consultation=consultation,
        member=member,
        ranking=payload.ranking,
        comments=payload.comments,
        comment=payload.comment,
    )
    return Status(201, _results(key, user))
