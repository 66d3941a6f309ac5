"""Every role against every write the app has: allowed, or refused with nothing changed."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from cbcoord.core.errors import ServiceError
from cbcoord.registry import services
from cbcoord.registry.models import Member, Organisation, Person, Region, RegionalRole

ROLES = [
    "secretariat",
    "partner_editor",
    "other_partner_editor",
    "member_editor",
    "viewer",
    "anonymous",
]


def _snapshot() -> tuple[Any, ...]:
    return (
        list(Organisation.objects.order_by("pk").values()),
        list(Person.objects.order_by("pk").values()),
        list(Member.objects.order_by("pk").values()),
        list(RegionalRole.objects.order_by("pk").values()),
    )


def _person(organisation_key: str) -> Person:
    return Person.objects.create(
        organisation=Organisation.objects.get(key=organisation_key), name="Existing"
    )


def _role() -> RegionalRole:
    return RegionalRole.objects.create(
        region=Region.objects.get(code="AMC"),
        organisation=Organisation.objects.get(key="customs-do"),
        role="vice_chair",
        start_date=datetime.date(2018, 7, 1),
    )


WRITES: dict[str, tuple[Callable[[Any], Any], set[str]]] = {
    "organisation_create": (
        lambda user: services.organisation_create(
            user=user,
            data={"key": "new-partner", "name": "New partner", "kind": "development_partner"},
        ),
        {"secretariat"},
    ),
    "organisation_update_profile_of_idb": (
        lambda user: services.organisation_update(
            user=user,
            organisation=Organisation.objects.get(key="idb"),
            data={"website": "https://example.org/idb"},
        ),
        {"secretariat", "partner_editor"},
    ),
    "organisation_update_trust_field_of_idb": (
        lambda user: services.organisation_update(
            user=user, organisation=Organisation.objects.get(key="idb"), data={"is_verified": False}
        ),
        {"secretariat"},
    ),
    "organisation_update_profile_of_member_do": (
        lambda user: services.organisation_update(
            user=user,
            organisation=Organisation.objects.get(key="customs-do"),
            data={"acronym": "DGA-X"},
        ),
        {"secretariat", "member_editor"},
    ),
    "person_create_at_idb": (
        lambda user: services.person_create(
            user=user, organisation=Organisation.objects.get(key="idb"), data={"name": "New person"}
        ),
        {"secretariat", "partner_editor"},
    ),
    "person_create_at_member_do": (
        lambda user: services.person_create(
            user=user,
            organisation=Organisation.objects.get(key="customs-do"),
            data={"name": "New person"},
        ),
        {"secretariat", "member_editor"},
    ),
    "person_update_at_idb": (
        lambda user: services.person_update(
            user=user, person=_person("idb"), data={"title": "Director"}
        ),
        {"secretariat", "partner_editor"},
    ),
    "person_delete_at_imf": (
        lambda user: services.person_delete(user=user, person=_person("imf")),
        {"secretariat", "other_partner_editor"},
    ),
    "member_update_notes_of_do": (
        lambda user: services.member_update(
            user=user,
            member=Member.objects.get(iso_code="DO"),
            data={"notes": "Single window in progress"},
        ),
        {"secretariat", "member_editor"},
    ),
    "member_update_notes_of_jm": (
        lambda user: services.member_update(
            user=user, member=Member.objects.get(iso_code="JM"), data={"notes": "x"}
        ),
        {"secretariat"},
    ),
    "member_update_reference_field_of_do": (
        lambda user: services.member_update(
            user=user, member=Member.objects.get(iso_code="DO"), data={"membership_date": "1999"}
        ),
        {"secretariat"},
    ),
    "regional_role_create": (
        lambda user: services.regional_role_create(
            user=user,
            region=Region.objects.get(code="AMC"),
            organisation=Organisation.objects.get(key="customs-jm"),
            role="vice_chair",
            start_date=datetime.date(2020, 7, 1),
        ),
        {"secretariat"},
    ),
    "regional_role_update": (
        lambda user: services.regional_role_update(
            user=user, regional_role=_role(), data={"note": "changed"}
        ),
        {"secretariat"},
    ),
    "regional_role_delete": (
        lambda user: services.regional_role_delete(user=user, regional_role=_role()),
        {"secretariat"},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("write", sorted(WRITES))
def test_role_against_write(write: str, role: str, personas: dict[str, Any]) -> None:
    action, allowed_roles = WRITES[write]
    user = personas[role]
    if role in allowed_roles:
        action(user)
        return
    before = _snapshot()
    with pytest.raises((PermissionDenied, ServiceError)):
        action(user)
    # Records the action set up for itself (the person to delete, the role to change) are the
    # only difference allowed; the refused write itself changed nothing.
    assert _without_setup(_snapshot(), write) == _without_setup(before, write)


def _without_setup(snapshot: tuple[Any, ...], write: str) -> tuple[Any, ...]:
    organisations, people, members, roles = snapshot
    people = [row for row in people if row["name"] != "Existing"]
    if write.startswith("regional_role_") and write != "regional_role_create":
        roles = [
            row
            for row in roles
            if not (row["role"] == "vice_chair" and row["start_date"] == datetime.date(2018, 7, 1))
        ]
    return organisations, people, members, roles


def test_matrix_covers_every_registry_service() -> None:
    public = {
        name
        for name in dir(services)
        if name.split("_")[0] in {"organisation", "person", "member", "regional"}
        and callable(getattr(services, name))
    }
    covered = {
        "_".join(key.split("_")[:3])
        if key.startswith("regional_role")
        else "_".join(key.split("_")[:2])
        for key in WRITES
    }
    assert public <= covered, f"writes without a permission test: {public - covered}"
