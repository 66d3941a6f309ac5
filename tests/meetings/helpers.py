"""Building meetings for tests, through the services (as the system)."""

from __future__ import annotations

import datetime
from typing import Any

from cbcoord.accounts.actors import SYSTEM
from cbcoord.meetings import services
from cbcoord.meetings.models import ActionItem, Meeting, MeetingSeries, MeetingStatus
from cbcoord.registry.models import Organisation, Region


def americas_series(key: str = "americas") -> MeetingSeries:
    return services.series_create(
        user=SYSTEM,
        data={
            "key": key,
            "name": "Coordination Meeting, Americas and Caribbean",
            "kind": "regional",
            "region": Region.objects.get(code="AMC"),
        },
    )


def meeting(
    series: MeetingSeries,
    year: int,
    *,
    status: str = MeetingStatus.PLANNED,
    visibility: str = "published",
    **extra: Any,
) -> Meeting:
    return services.meeting_create(
        user=SYSTEM,
        series=series,
        data={
            "title": f"{year} coordination meeting",
            "start_date": datetime.date(year, 3, 14),
            "city": "Washington, D.C.",
            "country": "US",
            "status": status,
            "visibility": visibility,
            **extra,
        },
        host=Organisation.objects.get(key="idb"),
        co_organisers=[Organisation.objects.get(key=key) for key in ("wco", "idb", "imf")],
    )


def action(
    meeting: Meeting, owner_key: str, text: str, due: datetime.date | None = None
) -> ActionItem:
    return services.action_item_create(
        user=SYSTEM,
        meeting=meeting,
        data={
            "text": text,
            "owner_organisation": Organisation.objects.get(key=owner_key),
            "due_date": due,
        },
    )


def close(meeting: Meeting) -> None:
    services.meeting_update(user=SYSTEM, meeting=meeting, data={"status": MeetingStatus.CLOSED})
