"""The needs' doors (record, edit, the WCO's comment, the member's position, confirm and reject
a suggested activity, the member's word on delivery, spreadsheet intake) for every role, by
page and API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cbcoord.accounts.actors import SYSTEM
from cbcoord.needs import services
from cbcoord.needs.models import (
    Delivery,
    LinkState,
    MemberPosition,
    Need,
    NeedActivityLink,
    TfaCommitment,
)
from cbcoord.registry.models import Organisation
from tests.doors import REFUSED, ROLES, Door, check, rows
from tests.factories import NeedFactory
from tests.needs.helpers import filled_workbook, intake_row, tagged_activity


def _tables() -> Any:
    return rows(
        Need.objects.all(),
        Need.provisions.through.objects.all(),
        Need.visible_to.through.objects.all(),
        NeedActivityLink.objects.all(),
        TfaCommitment.objects.all(),
    )


def _need(ctx: dict[str, Any]) -> Need:
    return Need.objects.get(pk=ctx["need"].pk)


def _link(ctx: dict[str, Any], identifier: str) -> NeedActivityLink | None:
    return NeedActivityLink.objects.filter(
        need=ctx["need"], activity__iati_identifier=identifier
    ).first()


def _form(description: str, **extra: str) -> dict[str, Any]:
    return {
        "provisions": ["TFA-10.4", "RKC-GA-3.21"],
        "description": description,
        "priority": "high",
        "source": "self_assessment",
        "identified_on": "2024-03-01",
        "status": "identified",
        "visibility": "public",
        **extra,
    }


NEW = {
    "member": "DO",
    "provisions": ["TFA-7.4"],
    "description": "Door need from the API.",
    "source": "self_assessment",
    "identified_on": "2024-05-01",
}


def _workbook(ctx: dict[str, Any]) -> SimpleUploadedFile:
    content = filled_workbook(SYSTEM, [intake_row(description="Door need from a workbook.")])
    return SimpleUploadedFile(
        "needs.xlsx",
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


DOORS = [
    Door(
        "page: record a need of the Dominican Republic",
        {"secretariat", "member_editor"},
        lambda client, ctx: client.post(
            "/needs/new/", _form("Door need from the page.", member=str(ctx["member"].pk))
        ),
        lambda ctx: Need.objects.filter(description="Door need from the page.").exists(),
        _tables,
    ),
    Door(
        "api: record a need of the Dominican Republic",
        {"secretariat", "member_editor"},
        lambda client, ctx: client.post("/api/needs", NEW, content_type="application/json"),
        lambda ctx: Need.objects.filter(description="Door need from the API.").exists(),
        _tables,
    ),
    Door(
        "page: edit a need of the Dominican Republic",
        {"secretariat", "member_editor"},
        lambda client, ctx: client.post(
            f"/needs/{ctx['need'].key}/edit/", _form("Changed by the door")
        ),
        lambda ctx: _need(ctx).description == "Changed by the door",
        _tables,
    ),
    Door(
        "api: edit a need of the Dominican Republic",
        {"secretariat", "member_editor"},
        lambda client, ctx: client.patch(
            f"/api/needs/{ctx['need'].key}",
            {"description": "Changed by the door", "provisions": ["TFA-10.4", "TFA-10.1"]},
            content_type="application/json",
        ),
        lambda ctx: _need(ctx).description == "Changed by the door",
        _tables,
    ),
    Door(
        "api: the WCO's comment on a need",
        {"secretariat"},
        lambda client, ctx: client.patch(
            f"/api/needs/{ctx['need'].key}",
            {"wco_comment": "Raised at the regional meeting."},
            content_type="application/json",
        ),
        lambda ctx: _need(ctx).wco_comment == "Raised at the regional meeting.",
        _tables,
    ),
    Door(
        "page: the member disputes a need",
        {"member_editor"},
        lambda client, ctx: client.post(
            f"/needs/{ctx['need'].key}/position/",
            {"position": "disputed", "comment": "Already done in 2023."},
        ),
        lambda ctx: _need(ctx).member_position == MemberPosition.DISPUTED,
        _tables,
    ),
    Door(
        "api: the member confirms a need",
        {"member_editor"},
        lambda client, ctx: client.post(
            f"/api/needs/{ctx['need'].key}/position",
            {"position": "confirmed", "comment": "Yes."},
            content_type="application/json",
        ),
        lambda ctx: _need(ctx).member_position == MemberPosition.CONFIRMED,
        _tables,
    ),
    Door(
        "page: confirm an IDB activity for the need",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            f"/needs/{ctx['need'].key}/links/",
            {"activity": "XM-DAC-909-NEED-SW", "state": "confirmed"},
        ),
        lambda ctx: getattr(_link(ctx, "XM-DAC-909-NEED-SW"), "state", "") == LinkState.CONFIRMED,
        _tables,
    ),
    Door(
        "api: confirm an IDB activity for the need",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            f"/api/needs/{ctx['need'].key}/links",
            {"activity": "XM-DAC-909-NEED-SW", "state": "confirmed"},
            content_type="application/json",
        ),
        lambda ctx: getattr(_link(ctx, "XM-DAC-909-NEED-SW"), "state", "") == LinkState.CONFIRMED,
        _tables,
    ),
    Door(
        "page: reject an IDB activity for the need",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            f"/needs/{ctx['need'].key}/links/",
            {"activity": "XM-DAC-909-NEED-SW", "state": "rejected", "comment": "Other scope."},
        ),
        lambda ctx: getattr(_link(ctx, "XM-DAC-909-NEED-SW"), "state", "") == LinkState.REJECTED,
        _tables,
    ),
    Door(
        "api: reject an IDB activity for the need",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post(
            f"/api/needs/{ctx['need'].key}/links",
            {"activity": "XM-DAC-909-NEED-SW", "state": "rejected"},
            content_type="application/json",
        ),
        lambda ctx: getattr(_link(ctx, "XM-DAC-909-NEED-SW"), "state", "") == LinkState.REJECTED,
        _tables,
    ),
    Door(
        "page: the member confirms a supporting activity was delivered",
        {"member_editor"},
        lambda client, ctx: client.post(
            f"/needs/{ctx['need'].key}/delivery/",
            {"activity": "XM-DAC-909-NEED-DONE", "delivery": "confirmed"},
        ),
        lambda ctx: (
            getattr(_link(ctx, "XM-DAC-909-NEED-DONE"), "delivery", "") == Delivery.CONFIRMED
        ),
        _tables,
    ),
    Door(
        "api: the member disputes a delivery",
        {"member_editor"},
        lambda client, ctx: client.post(
            f"/api/needs/{ctx['need'].key}/delivery",
            {"activity": "XM-DAC-909-NEED-DONE", "delivery": "disputed", "comment": "Cancelled."},
            content_type="application/json",
        ),
        lambda ctx: (
            getattr(_link(ctx, "XM-DAC-909-NEED-DONE"), "delivery", "") == Delivery.DISPUTED
        ),
        _tables,
    ),
    Door(
        "page: upload a workbook of needs",
        {"secretariat", "member_editor"},
        lambda client, ctx: client.post("/needs/intake/", {"file": _workbook(ctx)}),
        lambda ctx: Need.objects.filter(description="Door need from a workbook.").exists(),
        _tables,
        refused=REFUSED,
    ),
]


def make_context(personas: dict[str, Any]) -> dict[str, Any]:
    """The records the doors act on (tests/test_door_coverage.py builds them too)."""
    idb = Organisation.objects.get(key="idb")
    need = NeedFactory(visibility="public")
    tagged_activity("XM-DAC-909-NEED-SW", idb, ("TFA-10.4",))
    done = tagged_activity("XM-DAC-909-NEED-DONE", idb, ("TFA-10.4",))
    services.link_decide(user=SYSTEM, need=need, activity=done, state=LinkState.CONFIRMED)
    return {"need": need, "member": need.member}


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
