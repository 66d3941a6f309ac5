"""The home page tells each signed-in user what waits for them, counted through the doors."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.test import Client

from cbcoord.registry.models import Organisation


def test_the_public_sees_no_work_list(client: Client, reference: None) -> None:
    html = client.get("/").content.decode()
    assert 'id="your-work"' not in html


def test_the_secretariat_sees_organisations_waiting_for_review(
    secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    Organisation.objects.create(
        key="held", name="Held", kind="development_partner", is_verified=False, is_published=False
    )
    html = client_for(secretariat).get("/").content.decode()
    assert "1 organisation named in imported files waits for review" in html
    assert 'href="/partners/review/"' in html


def test_a_member_editor_sees_needs_waiting_for_confirmation(
    secretariat: Any, member_editor: Any, client_for: Callable[[Any], Client], reference: None
) -> None:
    from cbcoord.needs.models import Need
    from cbcoord.registry.models import Member

    Need.objects.create(
        key="NEED-DO-0901",
        member=Member.objects.get(iso_code="DO"),
        description="Risk management",
        priority="high",
        source="diagnostic",
        identified_on=datetime.date(2024, 1, 1),
        visibility="public",
        member_position="unconfirmed",
    )
    html = client_for(member_editor).get("/").content.decode()
    assert "1 need recorded for your administration waits for your confirmation" in html
    other = client_for(secretariat).get("/").content.decode()
    assert "your administration" not in other
