"""Imports through the API: an upload and its report, who may read it, URLs and who may import."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import IATI_FILE, bearer


def test_import_by_upload_and_report(
    client: Client,
    partner_editor: Any,
    secretariat: Any,
    other_partner_editor: Any,
    reference: None,
) -> None:
    headers = bearer(partner_editor)
    upload = SimpleUploadedFile("idb.xml", IATI_FILE.encode(), content_type="application/xml")
    response = client.post("/api/imports", {"file": upload, "strict": "true"}, headers=headers)
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["added"] == 1 and run["strict"] is True and run["status"] == "completed"
    assert len(run["sha256"]) == 64
    assert run["file_warnings"] == []
    assert client.get(f"/api/imports/{run['id']}", headers=headers).json()["added"] == 1
    assert client.get(f"/api/imports/{run['id']}", headers=bearer(secretariat)).status_code == 200
    assert (
        client.get(f"/api/imports/{run['id']}", headers=bearer(other_partner_editor)).status_code
        == 404
    )


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a.xml"])
def test_import_by_url_refuses_other_schemes(client: Client, partner_editor: Any, url: str) -> None:
    response = client.post(
        "/api/imports",
        json.dumps({"url": url}),
        content_type="application/json",
        headers=bearer(partner_editor),
    )
    assert response.status_code == 400
    assert "http" in response.json()["detail"]


def test_member_editor_may_not_import(client: Client, member_editor: Any) -> None:
    response = client.post(
        "/api/imports",
        json.dumps({"url": "https://example.org/a.xml"}),
        content_type="application/json",
        headers=bearer(member_editor),
    )
    assert response.status_code == 403
