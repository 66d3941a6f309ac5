"""The home page: the regions, the instruments and the partners for everyone, in each language;
an open data call for the people of the partner it asks only; what waits for each signed-in
user, counted through the doors."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cbcoord.accounts.actors import SYSTEM
from cbcoord.meetings import services
from cbcoord.registry.models import Organisation
from tests.meetings.helpers import americas_series, meeting

WORDS = {"en": "Regions", "es": "Regiones", "fr": "Régions", "pt": "Regiões"}


@pytest.mark.parametrize("language", list(WORDS))
def test_the_home_page_speaks_the_language(client: Client, reference: None, language: str) -> None:
    client.cookies["django_language"] = language
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert WORDS[language] in html
    assert reverse("region-detail", args=["AMC"]) in html
    assert reverse("instrument-detail", args=["TFA"]) in html


@pytest.mark.parametrize(
    "role",
    [
        "secretariat",
        "partner_editor",
        "other_partner_editor",
        "member_editor",
        "viewer",
        "anonymous",
    ],
)
def test_only_the_partner_asked_sees_its_data_call(
    role: str, personas: dict[str, Any], client_for: Callable[[Any], Client]
) -> None:
    upcoming = meeting(americas_series(), timezone.localdate().year + 1)
    call = services.data_call_open(
        user=SYSTEM,
        meeting=upcoming,
        deadline=timezone.localdate() + datetime.timedelta(days=20),
        partners=[Organisation.objects.get(key="idb")],
    )
    asked = call.requests.get()
    html = client_for(personas[role]).get(reverse("home")).content.decode()
    shown = role in {"partner_editor", "viewer"}  # the IDB's people
    assert (reverse("meetings:data-call-answer", args=[asked.pk]) in html) is shown


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
