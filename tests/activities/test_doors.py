"""The activities' doors (enter, edit, change visibility, take the publisher's version, review
provision tags and decide relevance) for every role, by page and API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cbcoord.activities import services
from cbcoord.activities.models import (
    Activity,
    ActivityCountry,
    ActivityProvision,
    DecidedBy,
    TagStatus,
    Visibility,
)
from cbcoord.registry.models import Organisation
from tests.doors import REFUSED, ROLES, Door, check, management, rows
from tests.factories import ImportedActivityFactory


def _tables() -> Any:
    return rows(
        Activity.objects.all(),
        Activity.visible_to.through.objects.all(),
        ActivityCountry.objects.all(),
        ActivityProvision.objects.all(),
    )


def _title(identifier: str) -> str:
    return Activity.objects.get(iati_identifier=identifier).data["title"].get("en", "")


def _tag_status(ctx: dict[str, Any]) -> str:
    return ActivityProvision.objects.get(pk=ctx["tag"].pk).status


def _has_tag(code: str) -> bool:
    return ActivityProvision.objects.filter(
        activity__iati_identifier="XM-DAC-909-DOOR", provision__code=code
    ).exists()


def _decided() -> bool:
    activity = Activity.objects.get(iati_identifier="XM-DAC-909-DOOR")
    return activity.relevance_decided_by == DecidedBy.PERSON and activity.is_relevant is False


def _form(identifier: str, organisation_pk: int, title: str) -> dict[str, str]:
    return {
        "iati_identifier": identifier,
        "reporting_org": str(organisation_pk),
        "title_en": title,
        "description_en": "Coaching auditors.",
        "activity_status": "2",
        "default_currency": "USD",
        "planned_start": "2025-03-01",
        "planned_end": "2025-09-30",
        "visibility": "public",
        **management("countries", 1),
        "countries-0-code": "DO",
        "countries-0-percentage": "100",
        **management("sectors", 0),
        **management("budgets", 0),
        **management("transactions", 0),
        **management("participants", 0),
    }


NEW = {
    "iati_identifier": "XM-DAC-909-DOOR-NEW",
    "reporting_org": "idb",
    "title": {"en": "Door activity"},
    "description": {"en": "Entered through the API."},
    "activity_status": "2",
    "planned_start": "2025-01-01",
}


DOORS = [
    Door(
        "page: enter an activity for the IDB",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            "/activities/new/", _form("XM-DAC-909-DOOR-NEW", ctx["idb"].pk, "Door activity")
        ),
        lambda ctx: Activity.objects.filter(iati_identifier="XM-DAC-909-DOOR-NEW").exists(),
        _tables,
        refused=REFUSED | {200},
    ),
    Door(
        "api: enter an activity for the IDB",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post("/api/activities", NEW, content_type="application/json"),
        lambda ctx: Activity.objects.filter(iati_identifier="XM-DAC-909-DOOR-NEW").exists(),
        _tables,
    ),
    Door(
        "page: edit an IDB activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            "/activities/XM-DAC-909-DOOR/edit/",
            _form("XM-DAC-909-DOOR", ctx["idb"].pk, "Changed by the door"),
        ),
        lambda ctx: _title("XM-DAC-909-DOOR") == "Changed by the door",
        _tables,
    ),
    Door(
        "api: edit an IDB activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.patch(
            "/api/activities/XM-DAC-909-DOOR",
            {"title": {"en": "Changed by the door"}},
            content_type="application/json",
        ),
        lambda ctx: _title("XM-DAC-909-DOOR") == "Changed by the door",
        _tables,
    ),
    Door(
        "api: make an IDB activity WCO-only",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.patch(
            "/api/activities/XM-DAC-909-DOOR",
            {"visibility": "wco"},
            content_type="application/json",
        ),
        lambda ctx: (
            Activity.objects.get(iati_identifier="XM-DAC-909-DOOR").visibility == Visibility.WCO
        ),
        _tables,
    ),
    Door(
        "page: take the publisher's version of an IDB activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post("/activities/XM-DAC-909-HELD/take-publisher-version/"),
        lambda ctx: _title("XM-DAC-909-HELD") == "Publisher's newer title",
        _tables,
    ),
    Door(
        "api: take the publisher's version of an IDB activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post("/api/activities/XM-DAC-909-HELD/take-publisher-version"),
        lambda ctx: _title("XM-DAC-909-HELD") == "Publisher's newer title",
        _tables,
    ),
    Door(
        "page: confirm a tag of an IDB activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(f"/activities/tags/{ctx['tag'].pk}/confirm/"),
        lambda ctx: _tag_status(ctx) == TagStatus.CONFIRMED,
        _tables,
    ),
    Door(
        "page: reject a tag of an IDB activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(f"/activities/tags/{ctx['tag'].pk}/reject/"),
        lambda ctx: _tag_status(ctx) == TagStatus.REJECTED,
        _tables,
    ),
    Door(
        "page: tag an IDB activity by hand",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            "/activities/XM-DAC-909-DOOR/tags/", {"provision": "TFA-7.4"}
        ),
        lambda ctx: _has_tag("TFA-7.4"),
        _tables,
    ),
    Door(
        "page: decide that an IDB activity is not relevant",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            "/activities/XM-DAC-909-DOOR/relevance/", {"relevant": "no", "reason": "Door."}
        ),
        lambda ctx: _decided(),
        _tables,
    ),
    Door(
        "api: confirm a tag of an IDB activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(f"/api/activity-tags/{ctx['tag'].pk}/confirm"),
        lambda ctx: _tag_status(ctx) == TagStatus.CONFIRMED,
        _tables,
    ),
    Door(
        "api: reject a tag of an IDB activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(f"/api/activity-tags/{ctx['tag'].pk}/reject"),
        lambda ctx: _tag_status(ctx) == TagStatus.REJECTED,
        _tables,
    ),
    Door(
        "api: tag an IDB activity by hand",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            "/api/activities/XM-DAC-909-DOOR/tags",
            {"provision": "TFA-7.4"},
            content_type="application/json",
        ),
        lambda ctx: _has_tag("TFA-7.4"),
        _tables,
    ),
    Door(
        "api: decide that an IDB activity is not relevant",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            "/api/activities/XM-DAC-909-DOOR/relevance",
            {"relevant": False, "reason": "Door."},
            content_type="application/json",
        ),
        lambda ctx: _decided(),
        _tables,
    ),
]


def make_context(personas: dict[str, Any]) -> dict[str, Any]:
    """The records the doors act on (tests/test_door_coverage.py builds them too)."""
    idb = Organisation.objects.get(key="idb")
    ImportedActivityFactory(iati_identifier="XM-DAC-909-DOOR", reporting_org=idb)
    held = ImportedActivityFactory(iati_identifier="XM-DAC-909-HELD", reporting_org=idb)
    newer = dict(held.data, title={"en": "Publisher's newer title"})
    Activity.objects.filter(pk=held.pk).update(hand_edited=True, publisher_data=newer)
    door = Activity.objects.get(iati_identifier="XM-DAC-909-DOOR")
    door.data["title"] = {"en": "Customs single window"}
    door.save()
    services.activities_retag(activity_ids=[door.pk])
    tag = ActivityProvision.objects.get(activity=door, provision__code="TFA-10.4")
    return {"idb": idb, "tag": tag}


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
