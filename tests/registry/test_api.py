"""The JSON API: listing, filtering, pagination, detail, 404, 401/403, token auth."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cbcoord.accounts.services import api_token_create
from cbcoord.registry.models import Organisation, Person


def test_regions_list_has_the_six_wco_regions(client: Client, reference: None) -> None:
    body = client.get("/api/regions").json()
    assert {region["code"] for region in body} == {"AMC", "ESA", "EUR", "AP", "MENA", "WCA"}


def test_region_detail_and_404(client: Client, reference: None) -> None:
    assert client.get("/api/regions/AMC").json()["member_count"] > 30
    response = client.get("/api/regions/NOPE")
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]


def test_members_filter_and_paginate(client: Client, reference: None) -> None:
    first = client.get("/api/members", {"region": "AMC", "page_size": 10}).json()
    assert first["count"] > 30
    assert len(first["items"]) == 10
    second = client.get("/api/members", {"region": "AMC", "page_size": 10, "page": 2}).json()
    assert {m["id"] for m in first["items"]}.isdisjoint({m["id"] for m in second["items"]})
    assert all(member["region"] == "AMC" for member in first["items"])
    dominican = client.get("/api/members", {"iso_code": "DO"}).json()["items"]
    assert [member["name"] for member in dominican] == ["Dominican Republic"]


def test_organisations_filter_by_kind_and_search(client: Client, reference: None) -> None:
    items = client.get("/api/organisations", {"q": "XM-DAC-909"}).json()["items"]
    assert [item["key"] for item in items] == ["idb"]
    partners = client.get("/api/organisations", {"kind": "development_partner"}).json()
    assert partners["count"] >= 5


def test_provisions_search_and_detail(client: Client, reference: None) -> None:
    items = client.get("/api/provisions", {"instrument": "TFA", "page_size": 100}).json()["items"]
    codes = {item["code"] for item in items}
    assert {"TFA-7", "TFA-7.4", "TFA-10.4"} <= codes
    detail = client.get("/api/provisions/TFA-7.4").json()
    assert detail["parent"] == "TFA-7"
    assert any(related["code"].startswith("RKC-GA-6") for related in detail["related"])
    assert client.get("/api/provisions/TFA-99.9").status_code == 404


def test_people_hidden_from_the_public_unless_published(client: Client, reference: None) -> None:
    idb = Organisation.objects.get(key="idb")
    Person.objects.create(organisation=idb, name="Private Person")
    Person.objects.create(organisation=idb, name="Public Person", is_published=True)
    names = [p["name"] for p in client.get("/api/organisations/idb").json()["people"]]
    assert names == ["Public Person"]


def test_anonymous_cannot_write(client: Client, reference: None) -> None:
    response = client.patch(
        "/api/organisations/idb",
        {"website": "https://evil.example"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert Organisation.objects.get(key="idb").website != "https://evil.example"


def _bearer(user: Any) -> dict[str, str]:
    _token, raw = api_token_create(user=user, owner=user, name="test")
    return {"Authorization": f"Bearer {raw}"}


def test_token_auth_lets_partner_edit_own_organisation(client: Client, partner_editor: Any) -> None:
    response = client.patch(
        "/api/organisations/idb",
        {"website": "https://www.iadb.org/"},
        content_type="application/json",
        headers=_bearer(partner_editor),
    )
    assert response.status_code == 200, response.content
    assert Organisation.objects.get(key="idb").website == "https://www.iadb.org/"


def test_token_auth_refuses_other_organisation_with_403(
    client: Client, partner_editor: Any
) -> None:
    before = Organisation.objects.get(key="imf").website
    response = client.patch(
        "/api/organisations/imf",
        {"website": "https://x.example"},
        content_type="application/json",
        headers=_bearer(partner_editor),
    )
    assert response.status_code == 403
    assert "your own organisation" in response.json()["detail"]
    assert Organisation.objects.get(key="imf").website == before


def test_editor_cannot_touch_trust_fields(client: Client, partner_editor: Any) -> None:
    response = client.patch(
        "/api/organisations/idb",
        {"is_verified": False},
        content_type="application/json",
        headers=_bearer(partner_editor),
    )
    assert response.status_code == 400
    assert response.json()["field"] == "is_verified"
    assert Organisation.objects.get(key="idb").is_verified is True


def test_bad_token_is_401_not_anonymous(client: Client, reference: None) -> None:
    response = client.get("/api/regions", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_session_write_needs_csrf(partner_editor: Any) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(partner_editor)
    response = browser.patch(
        "/api/organisations/idb", {"website": "https://a.example"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Organisation.objects.get(key="idb").website != "https://a.example"


def test_create_person_validates_email(client: Client, partner_editor: Any) -> None:
    response = client.post(
        "/api/organisations/idb/people",
        {"name": "Ana", "email": "not-an-email"},
        content_type="application/json",
        headers=_bearer(partner_editor),
    )
    assert response.status_code == 400
    assert response.json()["field"] == "email"
    assert not Person.objects.filter(name="Ana").exists()


def test_revoked_token_is_refused(client: Client, partner_editor: Any) -> None:
    from cbcoord.accounts.services import api_token_revoke

    token, raw = api_token_create(user=partner_editor, owner=partner_editor, name="t")
    api_token_revoke(user=partner_editor, token=token)
    assert client.get("/api/regions", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_openapi_docs_served(client: Client, db: None) -> None:
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/regions" in schema["paths"]


@pytest.mark.parametrize("path", ["/api/members", "/api/organisations", "/api/provisions"])
def test_page_size_is_capped(client: Client, reference: None, path: str) -> None:
    response = client.get(path, {"page_size": 100000})
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert len(response.json()["items"]) <= 500


@pytest.mark.parametrize(
    "url", ["/api/provisions", "/api/organisations", "/api/members", "/api/activities"]
)
def test_page_numbers_past_any_page_are_refused_not_a_server_error(
    client: Client, reference: None, url: str
) -> None:
    """A page number whose offset overflows 64 bits answered 500 (found by schemathesis)."""
    huge = client.get(url, {"page": "14770111440829468901376"})
    assert huge.status_code == 422
    assert client.get(url, {"page": "10000000"}).status_code in (200, 404)
    assert client.get(url, {"page": "1", "page_size": "99999999999"}).status_code == 422


def test_null_clears_a_text_field_and_is_refused_elsewhere(
    client: Client, secretariat: Any
) -> None:
    """``{"acronym": null}`` answered 500 (a NOT NULL constraint; found by schemathesis)."""
    headers = _bearer(secretariat)
    response = client.patch(
        "/api/organisations/idb",
        {"acronym": None},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    assert Organisation.objects.get(key="idb").acronym == ""
    response = client.patch(
        "/api/organisations/idb",
        {"is_published": None},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "is_published"


def test_a_multipart_body_without_boundary_is_a_client_error(
    client: Client, secretariat: Any
) -> None:
    """It answered 500 (found by schemathesis)."""
    response = client.generic(
        "POST",
        "/api/imports",
        b"garbage",
        content_type="multipart/form-data",
        headers=_bearer(secretariat),
    )
    assert response.status_code == 400
    assert "multipart" in response.json()["detail"]
