"""The API as a whole (cbcoord/api.py, cbcoord.core.api_errors): its documentation, and a
malformed body answered as the client's error."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.factories import bearer


def test_openapi_docs_served(client: Client, db: None) -> None:
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/regions" in schema["paths"]


def test_a_multipart_body_without_boundary_is_a_client_error(
    client: Client, secretariat: Any
) -> None:
    """It answered 500 (found by schemathesis)."""
    response = client.generic(
        "POST",
        "/api/imports",
        b"garbage",
        content_type="multipart/form-data",
        headers=bearer(secretariat),
    )
    assert response.status_code == 400
    assert "multipart" in response.json()["detail"]
