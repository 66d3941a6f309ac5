"""The registry's API: regions, members, organisations and people listed, filtered and read;
who may change an organisation or add a person, and which fields."""

from __future__ import annotations

from typing import Any

from django.test import Client

from cbcoord.registry.models import Organisation, Person
from tests.factories import PersonFactory, bearer


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


def test_people_hidden_from_the_public_unless_published(client: Client, reference: None) -> None:
    PersonFactory(organisation="idb", name="Private Person")
    PersonFactory(organisation="idb", name="Public Person", is_published=True)
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


def test_token_auth_lets_partner_edit_own_organisation(client: Client, partner_editor: Any) -> None:
    response = client.patch(
        "/api/organisations/idb",
        {"website": "https://www.iadb.org/"},
        content_type="application/json",
        headers=bearer(partner_editor),
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
        headers=bearer(partner_editor),
    )
    assert response.status_code == 403
    assert "your own organisation" in response.json()["detail"]
    assert Organisation.objects.get(key="imf").website == before


def test_editor_cannot_touch_trust_fields(client: Client, partner_editor: Any) -> None:
    response = client.patch(
        "/api/organisations/idb",
        {"is_verified": False},
        content_type="application/json",
        headers=bearer(partner_editor),
    )
    assert response.status_code == 400
    assert response.json()["field"] == "is_verified"
    assert Organisation.objects.get(key="idb").is_verified is True


def test_create_person_validates_email(client: Client, partner_editor: Any) -> None:
    response = client.post(
        "/api/organisations/idb/people",
        {"name": "Ana", "email": "not-an-email"},
        content_type="application/json",
        headers=bearer(partner_editor),
    )
    assert response.status_code == 400
    assert response.json()["field"] == "email"
    assert not Person.objects.filter(name="Ana").exists()


def test_null_clears_a_text_field_and_is_refused_elsewhere(
    client: Client, secretariat: Any
) -> None:
    """``{"acronym": null}`` answered 500 (a NOT NULL constraint; found by schemathesis)."""
    headers = bearer(secretariat)
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


def test_contact_details_follow_one_rule_on_page_and_api(
    client: Client, reference: None, client_for: Any, secretariat: Any
) -> None:
    """The public reads a published person's name, not their e-mail address, in the API as on
    the page; a signed-in coordinator reads both."""
    PersonFactory(name="Ana Published", email="ana@example.org", is_published=True)
    body = client.get("/api/organisations/idb").json()
    ana = next(person for person in body["people"] if person["name"] == "Ana Published")
    assert ana["email"] is None
    assert "ana@example.org" not in client.get("/api/organisations/idb").content.decode()
    assert "ana@example.org" not in client.get("/organisations/idb/").content.decode()
    signed_in = client_for(secretariat)
    people = signed_in.get("/api/organisations/idb").json()["people"]
    assert next(p for p in people if p["name"] == "Ana Published")["email"] == "ana@example.org"
    assert "ana@example.org" in signed_in.get("/organisations/idb/").content.decode()
