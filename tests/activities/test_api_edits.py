"""Entering and editing activities through the API: the typed bodies, every problem at once,
the identifier's prefix checked before it is looked up, regions, totals by currency."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from cbcoord.accounts.models import Role
from cbcoord.activities.models import Activity, Visibility
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory, UserFactory, bearer

NEW = {
    "iati_identifier": "XM-DAC-909-API-1",
    "reporting_org": "idb",
    "title": {"en": "API activity"},
    "description": {"en": "Created through the API."},
    "activity_status": "2",
    "planned_start": "2025-01-01",
    "recipient_countries": [{"code": "DO", "percentage": 70}],
    "recipient_regions": [{"code": "489", "percentage": 30}],
}


def _post(client: Client, user: Any, body: dict[str, Any]) -> Any:
    return client.post(
        "/api/activities", json.dumps(body), content_type="application/json", headers=bearer(user)
    )


def test_every_problem_of_a_body_comes_back_at_once(
    client: Client, partner_editor: Any, idb: Organisation
) -> None:
    body = dict(
        NEW,
        default_currency="XXY",
        sectors=[{"code": "99999"}],
        budgets=[{"period_start": "2025-01-01", "period_end": "2025-12-31", "value": -10}],
    )
    response = _post(client, partner_editor, body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["errors"] == [
        {
            "field": "default_currency",
            "message": "XXY is not a currency code (ISO 4217, such as USD or EUR).",
        },
        {"field": "sectors.0.code", "message": "99999 is not a sector code (DAC, five digits)."},
        {"field": "budgets.0.value", "message": "A budget cannot be negative."},
    ]
    assert answer["field"] == "default_currency"
    assert "A budget cannot be negative." in answer["detail"]
    assert not Activity.objects.exists()


def test_messages_follow_the_callers_language(
    client: Client, partner_editor: Any, idb: Organisation
) -> None:
    body = dict(
        NEW, budgets=[{"period_start": "2025-01-01", "period_end": "2025-12-31", "value": -1}]
    )
    response = client.post(
        "/api/activities",
        json.dumps(body),
        content_type="application/json",
        headers={**bearer(partner_editor), "Accept-Language": "es"},
    )
    assert response.json()["errors"][0]["message"] == "Un presupuesto no puede ser negativo."


def test_create_with_regions_and_read_totals_by_currency(
    client: Client, partner_editor: Any, idb: Organisation
) -> None:
    body = dict(
        NEW,
        default_currency="USD",
        transactions=[
            {"type": "2", "date": "2025-01-10", "value": "1000"},
            {"type": "2", "date": "2025-01-11", "value": "500", "currency": "XDR"},
            {"type": "3", "date": "2025-02-01", "value": "250.50"},
        ],
    )
    response = _post(client, partner_editor, body)
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert [(r["code"], r["percentage"]) for r in answer["data"]["recipient_regions"]] == [
        ("489", "30")
    ]
    assert answer["totals"] == {
        "budget": {},
        "commitment": {"USD": "1000", "XDR": "500"},
        "spend": {"USD": "250.50"},
    }
    assert answer["edited_at"] is not None


def test_patch_takes_typed_rows_and_keeps_the_rest(
    client: Client, partner_editor: Any, idb: Organisation
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-PATCH", reporting_org=idb)
    headers = bearer(partner_editor)
    response = client.patch(
        f"/api/activities/{activity.iati_identifier}",
        json.dumps(
            {
                "recipient_countries": [{"index": 0, "code": "DO", "percentage": 50}],
                "recipient_regions": [{"code": "489", "percentage": 50}],
                "budgets": [
                    {
                        "index": 0,
                        "period_start": "2024-01-01",
                        "period_end": "2024-12-31",
                        "value": 5,
                    }
                ],
            }
        ),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert data["title"] == {"en": "Title of XM-DAC-909-PATCH"}
    assert data["budgets"][0]["value"] == "5"
    assert data["budgets"][0]["value_date"] == "2024-01-01"  # kept from the item it edits
    # Countries alone that no longer add up with the stored regions: refused.
    response = client.patch(
        f"/api/activities/{activity.iati_identifier}",
        json.dumps({"recipient_countries": [{"code": "DO", "percentage": 100}]}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "recipient_countries",
            "message": (
                "The percentages of the countries and regions add up to 150; they must add up "
                "to 100."
            ),
        }
    ]


def test_an_unknown_or_null_field_is_refused(
    client: Client, partner_editor: Any, idb: Organisation
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-NULL", reporting_org=idb)
    response = client.patch(
        f"/api/activities/{activity.iati_identifier}",
        json.dumps({"title": None, "colour": "blue"}),
        content_type="application/json",
        headers=bearer(partner_editor),
    )
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["title", "colour"]


def test_squatting_is_refused_before_existence_is_looked_at(
    client: Client, partner_editor: Any, idb: Organisation
) -> None:
    """The World Bank's hidden activity and a free identifier in its namespace get the same
    answer: the prefix is wrong. No oracle for what exists."""
    worldbank = Organisation.objects.get(key="worldbank")
    ImportedActivityFactory(
        iati_identifier="44000-P-HIDDEN", reporting_org=worldbank, visibility=Visibility.WCO
    )
    taken = _post(client, partner_editor, dict(NEW, iati_identifier="44000-P-HIDDEN"))
    free = _post(client, partner_editor, dict(NEW, iati_identifier="44000-P-FREE"))
    assert taken.status_code == free.status_code == 400
    assert taken.json() == free.json()
    assert taken.json()["field"] == "iati_identifier"
    assert "already exists" not in taken.json()["detail"]
    assert Activity.objects.count() == 1
    # In its own namespace, a taken identifier is said to be taken.
    ImportedActivityFactory(iati_identifier="XM-DAC-909-OWN", reporting_org=idb)
    own = _post(client, partner_editor, dict(NEW, iati_identifier="XM-DAC-909-OWN"))
    assert own.status_code == 400 and "already exists" in own.json()["detail"]
    # An alias of the IDB is its namespace too.
    alias = _post(client, partner_editor, dict(NEW, iati_identifier="XI-IATI-IADB-7"))
    assert alias.status_code == 201, alias.json()


@pytest.fixture
def cbsa_editor(reference: None) -> Any:
    return UserFactory(
        username="erin-cbsa",
        role=Role.PARTNER_EDITOR,
        organisation=Organisation.objects.get(key="cbsa"),
    )


def test_an_organisation_without_an_iati_identifier_uses_its_assigned_prefix(
    client: Client, cbsa_editor: Any
) -> None:
    body = dict(NEW, reporting_org="cbsa")
    ok = _post(client, cbsa_editor, dict(body, iati_identifier="XC-CBCOORD-cbsa-2025-1"))
    assert ok.status_code == 201, ok.json()
    # Another organisation's assigned prefix, or none at all: refused.
    for identifier in ("XC-CBCOORD-hmrc-1", "CBSA-1", "XC-CBCOORD-cbsa"):
        refused = _post(client, cbsa_editor, dict(body, iati_identifier=identifier))
        assert refused.status_code == 400, identifier
        assert "XC-CBCOORD-cbsa-…" in refused.json()["detail"]


def test_the_openapi_schema_shows_the_typed_bodies(client: Client, db: None) -> None:
    schema = client.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    assert {"ActivityNew", "ActivityEdit", "BudgetRow", "RegionRow"} <= set(components)
    post = schema["paths"]["/api/activities"]["post"]["requestBody"]["content"]
    assert post["application/json"]["schema"]["$ref"].endswith("/ActivityNew")
    budget = components["BudgetRow"]["properties"]["value"]
    assert "minimum" in json.dumps(budget)
    assert "errors" in components["ErrorOut"]["properties"]
