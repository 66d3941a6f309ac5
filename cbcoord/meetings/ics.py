"""iCalendar (RFC 5545) feeds: meetings as all-day events over their dates, action items as
all-day events on their due dates."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from cbcoord.meetings.models import ActionItem, Meeting
from cbcoord.meetings.notices import site_url

PRODID = "-//cbcoord//meetings//EN"


def _uid(kind: str, pk: int) -> str:
    host = site_url("").split("://", 1)[-1].split("/", 1)[0] or "cbcoord"
    return f"cbcoord-{kind}-{pk}@{host}"


def calendar(name: str, meetings: Iterable[Meeting], items: Iterable[ActionItem]) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for meeting in meetings:
        event = Event()
        event.add("uid", _uid("meeting", meeting.pk))
        event.add("dtstamp", stamp)
        event.add("summary", meeting.title)
        event.add("dtstart", meeting.start_date)
        event.add("dtend", meeting.end_date + datetime.timedelta(days=1))
        location = ", ".join(part for part in (meeting.venue, meeting.place) if part)
        if location:
            event.add("location", location)
        event.add("status", "CONFIRMED")
        event.add("url", site_url(f"/meetings/{meeting.pk}/"))
        event.add("last-modified", meeting.updated_at)
        if meeting.summary:
            event.add("description", meeting.summary)
        cal.add_component(event)
    for item in items:
        if item.due_date is None:
            continue
        event = Event()
        event.add("uid", _uid("action", item.pk))
        event.add("dtstamp", stamp)
        event.add(
            "summary",
            _("Due: %(action)s (%(owner)s)")
            % {"action": item.text[:120], "owner": item.owner_organisation.display_name},
        )
        event.add("dtstart", item.due_date)
        event.add("dtend", item.due_date + datetime.timedelta(days=1))
        event.add("description", f"{item.text}\n{item.meeting.title} · {item.get_status_display()}")
        event.add("url", site_url(f"/meetings/action-items/{item.pk}/"))
        event.add("last-modified", item.updated_at)
        if not item.is_pending:
            event.add("status", "CANCELLED" if item.status == "dropped" else "CONFIRMED")
        cal.add_component(event)
    return bytes(cal.to_ical())
