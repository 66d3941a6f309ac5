"""The imports' doors (upload a file, by page and API) for every role, and the report of a run
that only its importer and the secretariat may read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cbcoord.activities.models import Activity
from cbcoord.imports.models import ImportRun
from tests.doors import ROLES, Door, check, rows

IATI_FILE = b"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2025-01-01T00:00:00Z">
 <iati-activity last-updated-datetime="2025-01-01T00:00:00Z" default-currency="USD">
  <iati-identifier>XM-DAC-909-DOOR-IMPORT</iati-identifier>
  <reporting-org ref="XM-DAC-909" type="40"><narrative>Inter-American Development Bank</narrative></reporting-org>
  <title><narrative>Imported through a door</narrative></title>
  <description><narrative>Customs risk management.</narrative></description>
  <participating-org ref="XM-DAC-909" role="1" type="40"><narrative>IDB</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2025-01-01"/>
  <recipient-country code="DO"/>
  <sector code="33120" vocabulary="1"/>
 </iati-activity>
</iati-activities>
"""


def _tables() -> Any:
    return rows(Activity.objects.all(), ImportRun.objects.all())


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("door.xml", IATI_FILE, content_type="application/xml")


def _imported() -> bool:
    return Activity.objects.filter(iati_identifier="XM-DAC-909-DOOR-IMPORT").exists()


DOORS = [
    Door(
        "page: import an IDB file",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post("/imports/new/", {"file": _upload()}),
        lambda ctx: _imported(),
        _tables,
        refused_inside={"other_partner_editor"},
    ),
    Door(
        "api: import an IDB file",
        {"secretariat", "partner_editor"},
        lambda client, ctx: client.post("/api/imports", {"file": _upload()}),
        lambda ctx: _imported(),
        _tables,
        refused_inside={"other_partner_editor"},
    ),
]


def make_context(personas: dict[str, Any]) -> dict[str, Any]:
    """The records the doors act on (tests/test_door_coverage.py builds them too)."""
    return {}


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


@pytest.mark.parametrize("role", ["other_partner_editor"])
def test_a_partner_importing_another_publishers_file_gets_a_run_with_each_activity_refused(
    role: str, personas: dict[str, Any], client_for: Callable[[Any], Client], reference: None
) -> None:
    """The door lets every partner editor import; the importer refuses what is not theirs."""
    response = client_for(personas[role]).post("/api/imports", {"file": _upload()})
    assert response.status_code == 201
    run = ImportRun.objects.get()
    assert run.refused == 1 and run.added == 0
    assert "not your organisation" in run.refusals.get().reason
    assert not _imported()


@pytest.mark.parametrize("role", ROLES)
def test_an_import_report_is_read_by_its_importer_and_the_secretariat(
    role: str, personas: dict[str, Any], client_for: Callable[[Any], Client], reference: None
) -> None:
    client_for(personas["partner_editor"]).post("/api/imports", {"file": _upload()})
    run = ImportRun.objects.get()
    client = client_for(personas[role])
    page = client.get(f"/imports/{run.pk}/")
    api = client.get(f"/api/imports/{run.pk}")
    if role in {"secretariat", "partner_editor"}:
        assert page.status_code == 200 and api.status_code == 200
    else:
        assert page.status_code in {302, 404} and api.status_code == 404
