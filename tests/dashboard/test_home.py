"""The home page: the regions, the instruments and the partners for everyone, in each language;
an open data call for the people of the partner it asks only."""

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
