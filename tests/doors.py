"""The permission matrix: every door of every app, through the pages and the API, for every
role. An allowed write must land; a refused one must leave every table it touches as it was.

Each app lists its doors in ``tests/<app>/test_doors.py`` as ``Door`` rows and hands them to
``check``; a new write gets a row there, or it has no test of its right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.test import Client

ROLES = [
    "secretariat",
    "partner_editor",
    "other_partner_editor",
    "member_editor",
    "viewer",
    "anonymous",
]

# A refusal is one of these: to the login page (pages, anonymous), the API's 401, 403, or 404
# (a door does not say whether an object exists to a user who may not see it), or 400 for a
# field the role may not change.
REFUSED = {302, 400, 401, 403, 404}


@dataclass
class Door:
    name: str
    allowed: set[str]
    act: Callable[[Client, dict[str, Any]], HttpResponse]
    landed: Callable[[dict[str, Any]], bool]
    tables: Callable[[], Any]
    ok: set[int] = field(default_factory=lambda: {200, 201, 204, 302})
    # A form that offers only what the user may choose refuses the rest as a form error (200).
    refused: set[int] = field(default_factory=lambda: set(REFUSED))
    # Roles that pass the door but whose write is refused further in, with the reason and
    # nothing written (a partner importing another publisher's file gets a run that refuses
    # each activity).
    refused_inside: set[str] = field(default_factory=set)

    def __str__(self) -> str:
        return self.name


def check(
    door: Door,
    role: str,
    personas: dict[str, Any],
    client_for: Callable[[Any], Client],
    context: dict[str, Any],
) -> None:
    client = client_for(personas[role])
    before = door.tables()
    response = door.act(client, context)
    body = response.content.decode(errors="replace")[:1500]
    if role in door.allowed:
        assert response.status_code in door.ok, (door.name, role, response.status_code, body)
        assert door.landed(context), (door.name, role, "the write did not land", body)
    else:
        expected = door.ok if role in door.refused_inside else door.refused
        assert response.status_code in expected, (door.name, role, response.status_code, body)
        if role == "anonymous" and response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
        assert not door.landed(context), (door.name, role, "a refused write landed")
        if role not in door.refused_inside:  # (those leave a record of the refusal)
            assert door.tables() == before, (door.name, role, "a refused write changed a table")


def rows(*querysets: Any) -> tuple[Any, ...]:
    """Every row of the given querysets, for comparing a table before and after."""
    return tuple(list(queryset.order_by("pk").values()) for queryset in querysets)


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    """The management form of a Django formset."""
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
