"""WrittenJSONField: a JSON column without SQLite's per-row JSON_VALID check."""

from __future__ import annotations

import pytest
from django.db import connection

from cbcoord.activities.models import Activity


@pytest.mark.django_db
def test_activity_json_columns_have_no_check_constraint() -> None:
    assert Activity._meta.get_field("data").db_check(connection) is None
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s",
            [Activity._meta.db_table],
        )
        (table_sql,) = cursor.fetchone()
    assert 'JSON_VALID("data")' not in table_sql
    assert 'JSON_VALID("warnings")' not in table_sql
    assert '"data" text NOT NULL' in table_sql


@pytest.mark.django_db
def test_values_still_round_trip_as_json(reference: None) -> None:
    from cbcoord.registry.models import Organisation

    organisation = Organisation.objects.first()
    assert organisation is not None
    content = {"title": {"es": "Aduana «digital»"}, "budgets": [{"value": "10.50"}], "x": None}
    activity = Activity.objects.create(
        iati_identifier="XM-TEST-1",
        reporting_org=organisation,
        data=content,
        warnings=[{"element": "iati-activity", "line": 3, "reason": "r"}],
    )
    activity.refresh_from_db()
    assert activity.data == content
    assert activity.warnings[0]["line"] == 3
    assert Activity.objects.filter(data__title__es="Aduana «digital»").count() == 1
