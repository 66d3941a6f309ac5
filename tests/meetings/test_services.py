"""Meetings' services: carrying action items over, progress, participants, who reads what."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from cbcoord.accounts.actors import SYSTEM
from cbcoord.core.errors import ServiceError
from cbcoord.meetings import selectors, services
from cbcoord.meetings.models import ActionStatus, Carryover, ParticipantRole
from cbcoord.registry.models import Organisation, Person
from tests.meetings.helpers import action, americas_series, close, meeting

pytestmark = pytest.mark.django_db


def _carried(target) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.item.text for row in selectors.carried_item_rows(meeting=target)]


def test_host_and_co_organisers_are_participants(reference: None) -> None:
    first = meeting(americas_series(), 2019)
    record = selectors.meeting_record(meeting=first)
    assert [p.organisation.key for p in record.host] == ["idb"]
    assert [p.organisation.key for p in record.co_organisers] == ["wco", "idb", "imf"]
    idb = next(p for p in record.participants if p.organisation.key == "idb")
    assert idb.roles == [ParticipantRole.CO_ORGANISER, ParticipantRole.HOST]


def test_open_items_of_a_closed_meeting_are_carried_until_done_or_dropped(reference: None) -> None:
    series = americas_series()
    first = meeting(series, 2019)
    open_item = action(first, "idb", "Share the pipeline")
    going = action(first, "imf", "Map the missions")
    done = action(first, "wco", "Circulate the strategy")
    dropped = action(first, "oas", "Dropped idea")
    services.action_item_progress(
        user=SYSTEM, item=going, text="Started", status=ActionStatus.IN_PROGRESS
    )
    services.action_item_progress(user=SYSTEM, item=done, text="Sent", status=ActionStatus.DONE)
    services.action_item_progress(user=SYSTEM, item=dropped, status=ActionStatus.DROPPED)
    close(first)

    second = meeting(series, 2020)
    assert sorted(_carried(second)) == ["Map the missions", "Share the pipeline"]

    # Done at the 2020 meeting: it stays on the 2020 record, done, and goes no further.
    services.action_item_progress(user=SYSTEM, item=open_item, status=ActionStatus.DONE)
    rows = selectors.carried_item_rows(meeting=second)
    assert {row.item.text: row.item.status for row in rows} == {
        "Share the pipeline": "done",
        "Map the missions": "in_progress",
    }
    new_in_2020 = action(second, "customs-do", "Collect needs")
    third = meeting(series, 2021)
    assert _carried(third) == []  # 2020 is not closed yet
    close(second)
    assert sorted(_carried(third)) == ["Collect needs", "Map the missions"]
    close(second)  # again: nothing twice
    assert Carryover.objects.filter(meeting=third).count() == 2
    assert new_in_2020.carried_to.get() == third


def test_an_item_added_to_a_closed_meeting_is_carried_to_the_next(reference: None) -> None:
    series = americas_series()
    first = meeting(series, 2019)
    second = meeting(series, 2020)
    close(first)
    late = action(first, "idb", "Recorded after the minutes")
    assert late.carried_to.get() == second


def test_progress_notes_and_status(reference: None) -> None:
    item = action(meeting(americas_series(), 2019), "idb", "Share the pipeline")
    note = services.action_item_progress(
        user=SYSTEM, item=item, text="Half shared", noted_on=datetime.date(2019, 5, 1)
    )
    assert note.status == ""
    assert item.status == ActionStatus.OPEN
    services.action_item_progress(user=SYSTEM, item=item, status=ActionStatus.DONE)
    item.refresh_from_db()
    assert item.status == ActionStatus.DONE and item.closed_at is not None
    services.action_item_progress(user=SYSTEM, item=item, text="Reopened", status=ActionStatus.OPEN)
    item.refresh_from_db()
    assert item.closed_at is None
    assert [n.text for n in item.notes.order_by("pk")] == ["Half shared", "", "Reopened"]
    with pytest.raises(ServiceError, match="text"):
        services.action_item_progress(user=SYSTEM, item=item)
    with pytest.raises(ServiceError, match="future"):
        services.action_item_progress(
            user=SYSTEM,
            item=item,
            text="x",
            noted_on=timezone.localdate() + datetime.timedelta(days=3),
        )
    with pytest.raises(ServiceError, match="status"):
        services.action_item_progress(user=SYSTEM, item=item, status="finished")


def test_people_belong_to_their_organisation(reference: None) -> None:
    first = meeting(americas_series(), 2019)
    imf_person = Person.objects.create(organisation=Organisation.objects.get(key="imf"), name="X")
    with pytest.raises(ServiceError, match="person"):
        services.participant_add(
            user=SYSTEM,
            meeting=first,
            organisation=Organisation.objects.get(key="idb"),
            person=imf_person,
        )
    with pytest.raises(ServiceError, match="roles"):
        services.participant_add(
            user=SYSTEM,
            meeting=first,
            organisation=Organisation.objects.get(key="idb"),
            roles=["king"],
        )
    with pytest.raises(ServiceError, match="end_date"):
        services.meeting_update(
            user=SYSTEM, meeting=first, data={"end_date": datetime.date(2019, 3, 1)}
        )
    with pytest.raises(ServiceError, match="country"):
        services.meeting_update(user=SYSTEM, meeting=first, data={"country": "XX"})


def test_who_reads_an_internal_meeting(
    reference: None,
    personas: dict,
    other_partner_editor,
    member_editor,
    partner_editor,  # type: ignore[no-untyped-def]
) -> None:
    internal = meeting(americas_series(), 2019, visibility="internal")
    # The IMF co-organises: a participant. Remove it to see the rule.
    internal.participants.filter(organisation__key="imf").delete()
    readers = {
        role
        for role, user in personas.items()
        if selectors.meeting_visible(user).filter(pk=internal.pk).exists()
    }
    # The WCO; the IDB (a participant, so its editor and its viewer); the Dominican
    # administration (a member of the region). Not the IMF, nor the public.
    assert readers == {"secretariat", "partner_editor", "viewer", "member_editor"}
    action(internal, "imf", "The IMF owns an item")
    assert selectors.meeting_visible(other_partner_editor).filter(pk=internal.pk).exists()
    services.meeting_update(user=SYSTEM, meeting=internal, data={"visibility": "published"})
    assert selectors.meeting_visible(None).filter(pk=internal.pk).exists()


def test_an_action_item_links_the_needs_it_follows_up(
    reference: None, secretariat: Any, client_for: Any
) -> None:
    """An action item names the members' needs it serves, on the page, in the form and in
    the API; an unknown need is refused by name."""
    from tests.factories import NeedFactory

    need = NeedFactory(member="DO", visibility="public")
    first = meeting(americas_series(), 2019)
    client = client_for(secretariat)
    response = client.post(
        f"/meetings/{first.pk}/action-items/",
        {
            "text": "Scope the single window",
            "owner_organisation": Organisation.objects.get(key="idb").pk,
            "links": "TFA-10.4",
            "needs": f"{need.key.lower()}\n",
        },
    )
    assert response.status_code in (200, 302)
    item = first.action_items.get(text="Scope the single window")
    assert list(item.needs.all()) == [need]
    page = client.get(f"/meetings/action-items/{item.pk}/").content.decode()
    assert f'href="/needs/{need.key}/"' in page
    body = client.get(f"/api/action-items/{item.pk}").json()
    assert body["needs"] == [need.key]
    refused = client.post(
        f"/api/meetings/{first.pk}/action-items",
        {"text": "X", "owner_organisation": "idb", "needs": ["NEED-XX-9999"]},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "NEED-XX-9999" in refused.content.decode()
