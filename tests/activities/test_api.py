"""The activities and imports API: visibility, filters, hand edits, export, imports."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from lxml import etree

from cbcoord.activities.models import Activity, Visibility
from cbcoord.registry.models import Organisation
from tests.factories import SEES, ImportedActivityFactory, bearer, one_activity_per_visibility


@pytest.mark.parametrize("role", list(SEES))
def test_visibility_in_list_detail_and_export(
    personas: dict[str, Any],
    client_for: Callable[[Any], Client],
    idb: Organisation,
    imf: Organisation,
    role: str,
) -> None:
    activities = one_activity_per_visibility(reporting_org=idb, named_for=imf)
    client = client_for(personas[role])
    listed = {item["iati_identifier"] for item in client.get("/api/activities").json()["items"]}
    for level, activity in activities.items():
        seen = level in SEES[role]
        assert (activity.iati_identifier in listed) is seen, (role, level)
        detail = client.get(f"/api/activities/{activity.iati_identifier}")
        assert detail.status_code == (200 if seen else 404), (role, level)
    export = client.get("/api/activities/export.xml")
    assert export.status_code == 200
    assert export["Content-Type"] == "application/xml"
    root = etree.fromstring(b"".join(export.streaming_content))
    assert [el.text for el in root.iter("iati-identifier")] == [
        activities[Visibility.PUBLIC].iati_identifier
    ]
    everything = client.get("/api/activities/export.xml", {"visibility": "all"})
    assert everything.status_code == (200 if role == "secretariat" else 403)


def test_filters_and_detail(client: Client, idb: Organisation, imf: Organisation) -> None:
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-A/with/slashes",
        reporting_org=idb,
        title={"en": "Slashed", "es": "Barras"},
    )
    ImportedActivityFactory(
        iati_identifier="XM-DAC-43000-B",
        reporting_org=imf,
        countries=[{"code": "FR", "percentage": "100", "narrative": {}}],
    )
    by_country = client.get("/api/activities", {"country": "DO"}).json()
    assert [item["iati_identifier"] for item in by_country["items"]] == [
        "XM-DAC-909-A/with/slashes"
    ]
    assert by_country["count"] == 1
    assert [
        i["iati_identifier"]
        for i in client.get("/api/activities", {"region": "EUR"}).json()["items"]
    ] == ["XM-DAC-43000-B"]
    assert client.get("/api/activities", {"start": "2030-01-01"}).json()["count"] == 0
    detail = client.get("/api/activities/XM-DAC-909-A/with/slashes").json()
    assert detail["reporting_org"] == "idb"
    assert detail["data"]["title"]["es"] == "Barras"
    assert client.get("/api/activities/NOPE-1").status_code == 404


NEW = {
    "iati_identifier": "XM-DAC-909-API-1",
    "reporting_org": "idb",
    "title": {"en": "API activity"},
    "description": {"en": "Created through the API."},
    "activity_status": "2",
    "planned_start": "2025-01-01",
    "recipient_countries": [{"code": "DO", "percentage": 100}],
    "transactions": [{"type": "3", "date": "2025-02-01", "value": "1000"}],
}


def test_create_and_patch_with_a_token(
    client: Client, partner_editor: Any, other_partner_editor: Any, idb: Organisation
) -> None:
    headers = bearer(partner_editor)
    response = client.post(
        "/api/activities", json.dumps(NEW), content_type="application/json", headers=headers
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["origin"] == "manual" and body["visibility"] == "coordination"
    assert float(body["total_spend"]) == 1000
    # The other partner may neither create for the IDB nor edit the IDB's activity.
    other = bearer(other_partner_editor)
    refused = client.post(
        "/api/activities",
        json.dumps(dict(NEW, iati_identifier="XM-DAC-909-API-2")),
        content_type="application/json",
        headers=other,
    )
    assert refused.status_code == 403
    patch = client.patch(
        "/api/activities/XM-DAC-909-API-1",
        json.dumps({"title": {"en": "x"}}),
        content_type="application/json",
        headers=other,
    )
    assert patch.status_code == 404  # a coordination activity the IMF cannot see
    patch = client.patch(
        "/api/activities/XM-DAC-909-API-1",
        json.dumps({"title": {"es": "Actividad"}, "visibility": "named", "visible_to": ["imf"]}),
        content_type="application/json",
        headers=headers,
    )
    assert patch.status_code == 200, patch.json()
    assert patch.json()["data"]["title"] == {"en": "API activity", "es": "Actividad"}
    assert patch.json()["visible_to"] == ["imf"]
    bad = client.patch(
        "/api/activities/XM-DAC-909-API-1",
        json.dumps({"activity_status": "42"}),
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 400
    assert bad.json()["field"] == "activity_status"
    assert Activity.objects.get(iati_identifier="XM-DAC-909-API-1").status == "2"


def test_writes_need_authentication(client: Client, reference: None) -> None:
    response = client.post("/api/activities", json.dumps(NEW), content_type="application/json")
    assert response.status_code == 401
    assert client.post("/api/imports", {"url": "https://example.org/x.xml"}).status_code == 401
