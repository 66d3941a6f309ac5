"""The coordination records' doors (mark an overlap; record, change and delete a mission;
decide that two activities report one project) for every role, by page and API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cbcoord.coordination.models import Mission, MissionKind, OverlapMark, ProjectLink
from tests.coordination.helpers import activity, member
from tests.doors import ROLES, Door, check, rows


def _tables() -> Any:
    return rows(OverlapMark.objects.all(), Mission.objects.all(), ProjectLink.objects.all())


def _mark(ctx: dict[str, Any]) -> dict[str, str]:
    return {
        "first": ctx["idb"].iati_identifier,
        "second": ctx["eu"].iati_identifier,
        "member": "DO",
        "provision": "TFA-10.4",
        "verdict": "complementary",
        "note": "Door note",
    }


def _marked(ctx: dict[str, Any]) -> bool:
    return OverlapMark.objects.filter(note="Door note", verdict="complementary").exists()


def _mission_form(**extra: str) -> dict[str, str]:
    return {
        "member": str(member("DO").pk),
        "kind": "training",
        "start_date": "2019-04-01",
        "end_date": "2019-04-05",
        "note": "Door mission",
        **extra,
    }


MISSION_API = {
    "member": "DO",
    "kind": "training",
    "start_date": "2019-04-01",
    "end_date": "2019-04-05",
    "note": "Door mission",
}


def _mission_landed(ctx: dict[str, Any]) -> bool:
    return Mission.objects.filter(note="Door mission").exists()


def _link(ctx: dict[str, Any]) -> dict[str, str]:
    return {
        "first": ctx["idb"].iati_identifier,
        "second": ctx["eu"].iati_identifier,
        "decision": "confirmed",
        "note": "Door link",
    }


def _linked(ctx: dict[str, Any]) -> bool:
    return ProjectLink.objects.filter(note="Door link").exists()


DOORS = [
    Door(
        "page: mark an overlap",
        {"secretariat"},
        lambda client, ctx: client.post("/coordination/overlaps/mark/", _mark(ctx)),
        _marked,
        _tables,
    ),
    Door(
        "api: mark an overlap",
        {"secretariat"},
        lambda client, ctx: client.post(
            "/api/coordination/overlaps/marks", _mark(ctx), content_type="application/json"
        ),
        _marked,
        _tables,
    ),
    Door(
        "page: record a mission of IDB's activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            f"/coordination/missions/new/?activity={ctx['idb'].iati_identifier}", _mission_form()
        ),
        _mission_landed,
        _tables,
    ),
    Door(
        "api: record a mission of IDB's activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            "/api/coordination/missions",
            {**MISSION_API, "activity": ctx["idb"].iati_identifier},
            content_type="application/json",
        ),
        _mission_landed,
        _tables,
        ok={201},
    ),
    Door(
        "page: change a mission of IDB's activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            f"/coordination/missions/{ctx['mission'].pk}/edit/", _mission_form()
        ),
        _mission_landed,
        _tables,
    ),
    Door(
        "api: change a mission of IDB's activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.put(
            f"/api/coordination/missions/{ctx['mission'].pk}",
            dict(MISSION_API),
            content_type="application/json",
        ),
        _mission_landed,
        _tables,
    ),
    Door(
        "page: delete a mission of IDB's activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(f"/coordination/missions/{ctx['mission'].pk}/delete/"),
        lambda ctx: not Mission.objects.filter(pk=ctx["mission"].pk).exists(),
        _tables,
    ),
    Door(
        "api: delete a mission of IDB's activity",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.delete(f"/api/coordination/missions/{ctx['mission'].pk}"),
        lambda ctx: not Mission.objects.filter(pk=ctx["mission"].pk).exists(),
        _tables,
    ),
    Door(
        "page: two activities report one project",
        {"secretariat"},
        lambda client, ctx: client.post("/coordination/projects/decide/", _link(ctx)),
        _linked,
        _tables,
    ),
    Door(
        "api: two activities report one project",
        {"secretariat"},
        lambda client, ctx: client.post(
            "/api/coordination/projects/links", _link(ctx), content_type="application/json"
        ),
        _linked,
        _tables,
    ),
]


def make_context(personas: dict[str, Any]) -> dict[str, Any]:
    """The records every door acts on: IDB's and the EU's activities on the Dominican Republic
    (an overlap to mark, a project to decide) and a mission of IDB's activity to change or
    delete. The personas are not needed here (the doors pick their own); they are taken so that
    every app's ``make_context`` has the same shape."""
    idb = activity("idb", identifier="XM-DAC-909-DOOR-1")
    eu = activity("eu", identifier="XI-IATI-EC_INTPA-DOOR-1")
    mission = Mission.objects.create(
        activity=idb,
        member=member("DO"),
        kind=MissionKind.SCOPING,
        start_date=dt.date(2019, 3, 1),
        end_date=dt.date(2019, 3, 2),
    )
    return {"idb": idb, "eu": eu, "mission": mission}


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
