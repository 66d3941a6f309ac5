"""The registry's doors (organisation profiles, people) for every role, by page and API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cbcoord.registry.models import Member, Organisation, Person
from tests.doors import ROLES, Door, check, rows
from tests.factories import PersonFactory


def _tables() -> Any:
    return rows(Organisation.objects.all(), Person.objects.all(), Member.objects.all())


def _website(key: str) -> str:
    return Organisation.objects.get(key=key).website


def _profile_form(key: str, website: str) -> dict[str, str]:
    organisation = Organisation.objects.get(key=key)
    return {
        "name": organisation.name,
        "acronym": organisation.acronym,
        "website": website,
        "description": organisation.description,
    }


DOORS = [
    Door(
        "page: edit the IDB's profile",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            "/organisations/idb/edit/", _profile_form("idb", "https://door.example/idb")
        ),
        lambda ctx: _website("idb") == "https://door.example/idb",
        _tables,
    ),
    Door(
        "api: edit the IDB's profile",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.patch(
            "/api/organisations/idb",
            {"website": "https://door.example/idb"},
            content_type="application/json",
        ),
        lambda ctx: _website("idb") == "https://door.example/idb",
        _tables,
    ),
    Door(
        "page: edit the Dominican administration's profile",
        {"secretariat", "member_editor"},
        lambda client, ctx: client.post(
            "/organisations/customs-do/edit/",
            _profile_form("customs-do", "https://door.example/do"),
        ),
        lambda ctx: _website("customs-do") == "https://door.example/do",
        _tables,
    ),
    Door(
        "api: unverify the IDB (a trust field)",
        {"secretariat"},
        lambda client, ctx: client.patch(
            "/api/organisations/idb", {"is_verified": False}, content_type="application/json"
        ),
        lambda ctx: not Organisation.objects.get(key="idb").is_verified,
        _tables,
    ),
    Door(
        "page: add a person to the IDB",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            "/organisations/idb/people/new/", {"name": "Door Person", "title": "", "email": ""}
        ),
        lambda ctx: Person.objects.filter(name="Door Person").exists(),
        _tables,
    ),
    Door(
        "api: add a person to the IDB",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            "/api/organisations/idb/people",
            {"name": "Door Person"},
            content_type="application/json",
        ),
        lambda ctx: Person.objects.filter(name="Door Person").exists(),
        _tables,
    ),
    Door(
        "page: edit a person of the IDB",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            f"/people/{ctx['idb_person'].pk}/edit/",
            {"name": "Renamed", "title": "", "email": ""},
        ),
        lambda ctx: Person.objects.filter(name="Renamed").exists(),
        _tables,
    ),
    Door(
        "page: accept an organisation held for review",
        {"secretariat"},
        lambda client, ctx: client.post(
            f"/partners/review/{ctx['held'].key}/accept/", {"kind": "implementer", "publish": "on"}
        ),
        lambda ctx: Organisation.objects.get(pk=ctx["held"].pk).is_verified,
        _tables,
    ),
    Door(
        "page: match an organisation held for review to the IDB",
        {"secretariat"},
        lambda client, ctx: client.post(
            f"/partners/review/{ctx['held'].key}/merge/", {"target": "idb"}
        ),
        lambda ctx: not Organisation.objects.filter(pk=ctx["held"].pk).exists(),
        _tables,
    ),
    Door(
        "page: remove a person of the IMF",
        {"secretariat", "other_partner_editor"},
        lambda client, ctx: client.post(f"/people/{ctx['imf_person'].pk}/delete/"),
        lambda ctx: not Person.objects.filter(pk=ctx["imf_person"].pk).exists(),
        _tables,
    ),
]


def make_context(personas: dict[str, Any]) -> dict[str, Any]:
    """The records the doors act on (tests/test_door_coverage.py builds them too)."""
    return {
        "held": Organisation.objects.create(
            key="held-for-review",
            name="Held for review",
            kind="development_partner",
            is_verified=False,
            is_published=False,
        ),
        "idb_person": PersonFactory(organisation="idb", name="IDB person", is_published=True),
        "imf_person": PersonFactory(organisation="imf", name="IMF person", is_published=True),
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
