"""The accounts' doors: API tokens are created and revoked by their owner; the secretariat lifts
a paused login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from cbcoord.accounts.models import ApiToken
from tests.doors import ROLES, Door, check, rows
from tests.factories import ApiTokenFactory


def _tables() -> Any:
    return rows(ApiToken.objects.all())


def _attempts() -> Any:
    return rows(AccessAttempt.objects.all())


DOORS = [
    Door(
        "page: create an API token for oneself",
        {"secretariat", "partner_editor", "other_partner_editor", "member_editor", "viewer"},
        lambda client, ctx: client.post("/accounts/tokens/", {"name": "door token"}),
        lambda ctx: ApiToken.objects.filter(name="door token").exists(),
        _tables,
    ),
    Door(
        "page: revoke the IDB editor's token",
        {"partner_editor"},
        lambda client, ctx: client.post(f"/accounts/tokens/{ctx['token'].pk}/revoke/"),
        lambda ctx: ApiToken.objects.get(pk=ctx["token"].pk).revoked_at is not None,
        _tables,
    ),
    Door(
        "page: lift the IDB editor's paused login",
        {"secretariat"},
        lambda client, ctx: client.post("/accounts/lockouts/", {"attempt": ctx["attempt"].pk}),
        lambda ctx: not AccessAttempt.objects.filter(pk=ctx["attempt"].pk).exists(),
        _attempts,
    ),
]


def make_context(personas: dict[str, Any]) -> dict[str, Any]:
    """The records the doors act on (tests/test_door_coverage.py builds them too)."""
    return {
        "token": ApiTokenFactory(owner=personas["partner_editor"], name="existing"),
        "attempt": AccessAttempt.objects.create(
            username=personas["partner_editor"].username,
            ip_address="203.0.113.8",
            user_agent="door",
            http_accept="*/*",
            path_info="/accounts/login/",
            get_data="",
            post_data="",
            failures_since_start=settings.AXES_FAILURE_LIMIT,
        ),
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
