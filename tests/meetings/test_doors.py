"""The meetings' doors for every role, by page and API: the secretariat prepares and records
meetings; the owner organisation's editors record an action item's progress; a partner's
editors answer its data call; a member's editors rank for their administration; everyone
signed in has a calendar feed."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cbcoord.accounts.actors import SYSTEM
from cbcoord.meetings import services
from cbcoord.meetings.models import (
    ActionItem,
    AgendaItem,
    BilateralMeeting,
    CalendarFeedToken,
    ConsultationRank,
    ConsultationResponse,
    DataCall,
    DataCallRequest,
    Decision,
    Meeting,
    MeetingSeries,
    Participant,
    ProgressNote,
)
from cbcoord.registry.models import Member, Organisation, Region
from tests.doors import REFUSED, ROLES, Door, check, rows
from tests.meetings.helpers import action, americas_series, close, meeting

JSON = "application/json"


def _tables() -> Any:
    return rows(
        MeetingSeries.objects.all(),
        Meeting.objects.all(),
        Participant.objects.all(),
        AgendaItem.objects.all(),
        BilateralMeeting.objects.all(),
        Decision.objects.all(),
        ActionItem.objects.all(),
        ProgressNote.objects.all(),
        DataCall.objects.all(),
        DataCallRequest.objects.all(),
        ConsultationResponse.objects.all(),
        ConsultationRank.objects.all(),
    )


def _feed_tables() -> Any:
    return rows(CalendarFeedToken.objects.all())


def _ranking(ctx: dict[str, Any]) -> dict[str, str]:
    options = list(ctx["consultation"].options.order_by("position"))
    return {f"rank-{options[0].pk}": "1", f"rank-{options[1].pk}": "2", "comment": "door"}


def _ranked(ctx: dict[str, Any]) -> bool:
    return ConsultationResponse.objects.filter(
        consultation=ctx["consultation"], comment="door"
    ).exists()


MEETING_FORM = {
    "title": "Door meeting 2021",
    "start_date": "2021-03-11",
    "end_date": "",
    "city": "Bridgetown",
    "country": "BB",
    "venue": "",
    "status": "planned",
    "visibility": "internal",
    "summary": "",
}


def _meeting_edit(ctx: dict[str, Any]) -> dict[str, str]:
    """The edit form of the held meeting as it is, but for its summary."""
    held = ctx["meeting"]
    return {
        "title": held.title,
        "start_date": held.start_date.isoformat(),
        "end_date": held.end_date.isoformat(),
        "city": held.city,
        "country": held.country,
        "venue": held.venue,
        "status": held.status,
        "visibility": held.visibility,
        "summary": "Door summary",
    }


DOORS = [
    Door(
        "api: create a meeting series",
        {"secretariat"},
        lambda c, ctx: c.post(
            "/api/meeting-series",
            {"key": "door", "name": "Door series", "kind": "committee"},
            content_type=JSON,
        ),
        lambda ctx: MeetingSeries.objects.filter(key="door").exists(),
        _tables,
    ),
    Door(
        "page: create a meeting series",
        {"secretariat"},
        lambda c, ctx: c.post(
            "/meetings/series/new/",
            {"key": "door", "name": "Door series", "kind": "committee", "description": ""},
        ),
        lambda ctx: MeetingSeries.objects.filter(key="door").exists(),
        _tables,
    ),
    Door(
        "page: create a meeting",
        {"secretariat"},
        lambda c, ctx: c.post(f"/meetings/series/{ctx['series'].key}/new/", MEETING_FORM),
        lambda ctx: Meeting.objects.filter(title="Door meeting 2021").exists(),
        _tables,
    ),
    Door(
        "api: create a meeting",
        {"secretariat"},
        lambda c, ctx: c.post(
            "/api/meetings",
            {
                "series": ctx["series"].key,
                "title": "Door meeting 2021",
                "start_date": "2021-03-11",
                "host": "idb",
            },
            content_type=JSON,
        ),
        lambda ctx: Meeting.objects.filter(title="Door meeting 2021").exists(),
        _tables,
    ),
    Door(
        "api: edit a meeting",
        {"secretariat"},
        lambda c, ctx: c.patch(
            f"/api/meetings/{ctx['meeting'].pk}", {"venue": "Door venue"}, content_type=JSON
        ),
        lambda ctx: Meeting.objects.filter(venue="Door venue").exists(),
        _tables,
    ),
    Door(
        "page: edit a meeting",
        {"secretariat"},
        lambda c, ctx: c.post(f"/meetings/{ctx['meeting'].pk}/edit/", _meeting_edit(ctx)),
        lambda ctx: Meeting.objects.filter(summary="Door summary").exists(),
        _tables,
    ),
    Door(
        "page: add a participant",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/meetings/{ctx['meeting'].pk}/participants/",
            {
                "organisation": Organisation.objects.get(key="oas").pk,
                "roles": ["observer"],
                "note": "door",
            },
        ),
        lambda ctx: Participant.objects.filter(note="door").exists(),
        _tables,
    ),
    Door(
        "api: add a participant",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/api/meetings/{ctx['meeting'].pk}/participants",
            {"organisation": "oas", "roles": ["observer"], "note": "door"},
            content_type=JSON,
        ),
        lambda ctx: Participant.objects.filter(note="door").exists(),
        _tables,
    ),
    Door(
        "page: remove a participant",
        {"secretariat"},
        lambda c, ctx: c.post(f"/meetings/records/participant/{ctx['participant'].pk}/delete/"),
        lambda ctx: not Participant.objects.filter(pk=ctx["participant"].pk).exists(),
        _tables,
    ),
    Door(
        "page: add an agenda item",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/meetings/{ctx['meeting'].pk}/agenda/",
            {"title": "Door item", "links": "RKC, WCO-SP-ECOM"},
        ),
        lambda ctx: AgendaItem.objects.filter(
            title="Door item", provisions__code="WCO-SP-ECOM"
        ).exists(),
        _tables,
    ),
    Door(
        "api: add an agenda item",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/api/meetings/{ctx['meeting'].pk}/agenda-items",
            {"title": "Door item", "provisions": ["WCO-SP-ECOM"], "instruments": ["RKC"]},
            content_type=JSON,
        ),
        lambda ctx: AgendaItem.objects.filter(
            title="Door item", provisions__code="WCO-SP-ECOM"
        ).exists(),
        _tables,
    ),
    Door(
        "page: record a bilateral meeting",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/meetings/{ctx['meeting'].pk}/bilaterals/",
            {
                "parties": [Organisation.objects.get(key=key).pk for key in ("wco", "usaid")],
                "topics": "Door topics",
                "links": "RKC",
            },
        ),
        lambda ctx: BilateralMeeting.objects.filter(
            topics="Door topics", instruments__code="RKC"
        ).exists(),
        _tables,
    ),
    Door(
        "api: record a bilateral meeting",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/api/meetings/{ctx['meeting'].pk}/bilaterals",
            {"parties": ["wco", "usaid"], "topics": "Door topics", "instruments": ["RKC"]},
            content_type=JSON,
        ),
        lambda ctx: BilateralMeeting.objects.filter(topics="Door topics").exists(),
        _tables,
    ),
    Door(
        "page: record a decision",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/meetings/{ctx['meeting'].pk}/decisions/", {"text": "Door decision"}
        ),
        lambda ctx: Decision.objects.filter(text="Door decision").exists(),
        _tables,
    ),
    Door(
        "api: record a decision",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/api/meetings/{ctx['meeting'].pk}/decisions",
            {"text": "Door decision"},
            content_type=JSON,
        ),
        lambda ctx: Decision.objects.filter(text="Door decision").exists(),
        _tables,
    ),
    Door(
        "page: create an action item",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/meetings/{ctx['meeting'].pk}/action-items/",
            {
                "text": "Door action",
                "owner_organisation": Organisation.objects.get(key="idb").pk,
                "due_date": "2021-06-30",
                "links": "WCO-SP-ECOM",
            },
        ),
        lambda ctx: ActionItem.objects.filter(
            text="Door action", provisions__code="WCO-SP-ECOM"
        ).exists(),
        _tables,
    ),
    Door(
        "api: create an action item",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/api/meetings/{ctx['meeting'].pk}/action-items",
            {"text": "Door action", "owner_organisation": "idb", "due_date": "2021-06-30"},
            content_type=JSON,
        ),
        lambda ctx: ActionItem.objects.filter(text="Door action").exists(),
        _tables,
    ),
    Door(
        "api: change an action item's due date",
        {"secretariat"},
        lambda c, ctx: c.patch(
            f"/api/action-items/{ctx['idb_item'].pk}", {"due_date": "2030-01-01"}, content_type=JSON
        ),
        lambda ctx: ActionItem.objects.filter(due_date=datetime.date(2030, 1, 1)).exists(),
        _tables,
    ),
    Door(
        "page: record progress on the IDB's action item",
        {"secretariat", "partner_editor"},
        lambda c, ctx: c.post(
            f"/meetings/action-items/{ctx['idb_item'].pk}/",
            {"status": "done", "text": "Door progress"},
        ),
        lambda ctx: ProgressNote.objects.filter(text="Door progress").exists(),
        _tables,
    ),
    Door(
        "api: record progress on the IMF's action item",
        {"secretariat", "other_partner_editor"},
        lambda c, ctx: c.post(
            f"/api/action-items/{ctx['imf_item'].pk}/progress",
            {"text": "Door progress"},
            content_type=JSON,
        ),
        lambda ctx: ProgressNote.objects.filter(text="Door progress").exists(),
        _tables,
    ),
    Door(
        "page: record progress on the Dominican administration's action item",
        {"secretariat", "member_editor"},
        lambda c, ctx: c.post(
            f"/meetings/action-items/{ctx['do_item'].pk}/",
            {"status": "in_progress", "text": "Door progress"},
        ),
        lambda ctx: ProgressNote.objects.filter(text="Door progress").exists(),
        _tables,
    ),
    Door(
        "page: open a data call",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/meetings/{ctx['upcoming'].pk}/data-call/",
            {
                "deadline": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
                "message": "Door",
            },
        ),
        lambda ctx: DataCall.objects.filter(message="Door").exists(),
        _tables,
    ),
    Door(
        "api: open a data call",
        {"secretariat"},
        lambda c, ctx: c.post(
            f"/api/meetings/{ctx['upcoming'].pk}/data-call",
            {
                "deadline": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
                "message": "Door",
            },
            content_type=JSON,
        ),
        lambda ctx: DataCall.objects.filter(message="Door").exists(),
        _tables,
    ),
    Door(
        "page: close a data call",
        {"secretariat"},
        lambda c, ctx: c.post(f"/meetings/{ctx['call_meeting'].pk}/data-call/close/"),
        lambda ctx: DataCall.objects.filter(
            meeting=ctx["call_meeting"], closed_at__isnull=False
        ).exists(),
        _tables,
    ),
    Door(
        "page: confirm the IDB's data",
        {"secretariat", "partner_editor"},
        lambda c, ctx: c.post(
            f"/meetings/data-calls/{ctx['idb_request'].pk}/", {"note": "Door confirmed"}
        ),
        lambda ctx: DataCallRequest.objects.filter(
            note="Door confirmed", confirmed_at__isnull=False
        ).exists(),
        _tables,
    ),
    Door(
        "api: confirm the IDB's data",
        {"secretariat", "partner_editor"},
        lambda c, ctx: c.post(
            f"/api/data-call-requests/{ctx['idb_request'].pk}/confirm",
            {"note": "Door confirmed"},
            content_type=JSON,
        ),
        lambda ctx: DataCallRequest.objects.filter(
            note="Door confirmed", confirmed_at__isnull=False
        ).exists(),
        _tables,
    ),
    Door(
        "page: rank priorities for one's own administration",
        {"member_editor"},
        lambda c, ctx: c.post(f"/meetings/consultations/{ctx['consultation'].key}/", _ranking(ctx)),
        _ranked,
        _tables,
    ),
    Door(
        "api: rank priorities for the Dominican Republic",
        {"secretariat", "member_editor"},
        lambda c, ctx: c.post(
            f"/api/consultations/{ctx['consultation'].key}/rankings",
            {
                "ranking": {
                    str(o.pk): i
                    for i, o in enumerate(ctx["consultation"].options.order_by("position"), start=1)
                },
                "comment": "door",
                "member": Member.objects.get(iso_code="DO").pk,
            },
            content_type=JSON,
        ),
        _ranked,
        _tables,
    ),
    Door(
        "api: create a consultation",
        {"secretariat"},
        lambda c, ctx: c.post(
            "/api/consultations",
            {"key": "door", "title": "Door", "options": [{"label": "A"}, {"label": "B"}]},
            content_type=JSON,
        ),
        lambda ctx: ctx["consultation"].__class__.objects.filter(key="door").exists(),
        _tables,
    ),
    Door(
        "page: make one's calendar feed address",
        {"secretariat", "partner_editor", "other_partner_editor", "member_editor", "viewer"},
        lambda c, ctx: c.post("/meetings/calendar/"),
        lambda ctx: CalendarFeedToken.objects.exists(),
        _feed_tables,
        refused=REFUSED,
    ),
]


def make_context(personas: dict[str, Any]) -> dict[str, Any]:
    """The records the doors act on (tests/test_door_coverage.py builds them too)."""
    for key in ("idb", "imf"):
        Organisation.objects.get(key=key).active_regions.add(Region.objects.get(code="AMC"))
    series = americas_series()
    held = meeting(series, 2020, visibility="internal")
    upcoming = meeting(series, timezone.localdate().year + 1, visibility="internal")
    close(held)
    call_meeting = meeting(series, timezone.localdate().year + 2, visibility="internal")
    call = services.data_call_open(
        user=SYSTEM,
        meeting=call_meeting,
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    consultation = services.consultation_create(
        user=SYSTEM,
        data={"key": "sp", "title": "SP", "status": "open", "visibility": "internal"},
        options=[{"label": "A"}, {"label": "B"}, {"label": "C"}],
    )
    return {
        "series": series,
        "meeting": held,
        "upcoming": upcoming,
        "call_meeting": call_meeting,
        "participant": held.participants.get(organisation__key="imf"),
        "idb_item": action(held, "idb", "IDB item", datetime.date(2020, 6, 1)),
        "imf_item": action(held, "imf", "IMF item", datetime.date(2020, 6, 1)),
        "do_item": action(held, "customs-do", "DGA item", datetime.date(2020, 6, 1)),
        "idb_request": call.requests.get(organisation__key="idb"),
        "consultation": consultation,
    }


@pytest.fixture
def context(reference: None, personas: dict[str, Any]) -> dict[str, Any]:
    return make_context(personas)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("door", DOORS, ids=str)
def test_door(
    door: Door,
    role: str,
    personas: dict[str, Any],
    client_for: Callable[[Any], Client],
    context: dict[str, Any],
) -> None:
    check(door, role, personas, client_for, context)
