"""iCalendar feeds: per user (a secret token, stored hashed, resettable) and per series."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from icalendar import Calendar

from cbcoord.accounts.models import User
from cbcoord.meetings.models import CalendarFeedToken
from tests.meetings.helpers import action, americas_series, meeting

pytestmark = pytest.mark.django_db


def _events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_series_feed_has_published_meetings_and_due_dates(reference: None) -> None:
    series = americas_series()
    published = meeting(series, 2019, end_date=datetime.date(2019, 3, 15))
    meeting(series, 2020, visibility="internal")
    action(published, "idb", "Share the pipeline", datetime.date(2019, 6, 30))
    action(published, "idb", "No due date")
    response = Client().get(f"/meetings/series/{series.key}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = _events(response.content)
    assert len(events) == 2
    event = next(e for uid, e in events.items() if "meeting" in uid)
    assert event["SUMMARY"] == "2019 coordination meeting"
    assert event.decoded("DTSTART") == datetime.date(2019, 3, 14)
    assert event.decoded("DTEND") == datetime.date(2019, 3, 16)  # exclusive end
    assert "Washington, D.C., United States" in str(event["LOCATION"])
    due = next(e for uid, e in events.items() if "action" in uid)
    assert due.decoded("DTSTART") == datetime.date(2019, 6, 30)
    assert "Share the pipeline" in str(due["SUMMARY"])


def test_user_feed_token_is_secret_hashed_and_resettable(
    reference: None,
    partner_editor: User,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    series = americas_series()
    internal = meeting(series, 2020, visibility="internal")  # the IDB takes part
    action(internal, "idb", "IDB item", datetime.date(2020, 5, 1))
    action(internal, "imf", "IMF item", datetime.date(2020, 5, 2))
    browser = client_for(partner_editor)
    page = browser.post("/meetings/calendar/", follow=True).content.decode()
    url = re.search(r"http://testserver(/meetings/calendar/[^<\"]+\.ics)", page)
    assert url is not None
    token = url.group(1).rsplit("/", 1)[1].removesuffix(".ics")
    stored = CalendarFeedToken.objects.get(user=partner_editor)
    assert token not in stored.token_hash and len(stored.token_hash) == 64

    feed = Client().get(url.group(1))  # no session: the token is the credential
    assert feed.status_code == 200
    summaries = sorted(str(e["SUMMARY"]) for e in _events(feed.content).values())
    assert summaries == ["2020 coordination meeting", "Due: IDB item (IDB)"]

    assert Client().get("/meetings/calendar/not-a-token.ics").status_code == 404
    browser.post("/meetings/calendar/")
    assert Client().get(url.group(1)).status_code == 404  # the old address died
