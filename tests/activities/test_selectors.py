"""Reading activities: the list's filters."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from cbcoord.activities.models import ActivityParticipant
from cbcoord.activities.selectors import ActivityFilters, activity_list
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory

pytestmark = pytest.mark.django_db


def _partner(key: str) -> set[str]:
    activities = activity_list(user=AnonymousUser(), filters=ActivityFilters(partner=key))
    return set(activities.values_list("iati_identifier", flat=True))


def test_partner_filter_finds_what_it_reports_and_what_it_takes_part_in(
    idb: Organisation, imf: Organisation
) -> None:
    ImportedActivityFactory(iati_identifier="XM-DAC-909-OWN", reporting_org=idb)
    joint = ImportedActivityFactory(iati_identifier="XM-DAC-43000-JOINT", reporting_org=imf)
    ActivityParticipant.objects.create(activity=joint, organisation=idb, role="1")
    ImportedActivityFactory(iati_identifier="XM-DAC-43000-OTHER", reporting_org=imf)
    assert _partner("idb") == {"XM-DAC-909-OWN", "XM-DAC-43000-JOINT"}
    assert _partner("imf") == {"XM-DAC-43000-JOINT", "XM-DAC-43000-OTHER"}
    assert _partner("nobody") == set()


def test_partner_filter_probes_the_participants_by_index(idb: Organisation) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's query plan")
    activities = activity_list(user=AnonymousUser(), filters=ActivityFilters(partner="idb"))
    sql, params = activities.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
    # Once per activity the list walks, so by the (activity, organisation) index: without it
    # SQLite read all of a partner's participant rows for every activity (minutes on 100,000
    # activities).
    assert (
        "USING COVERING INDEX activityparticipant_orgs (activity_id=? AND organisation_id=?)"
        in plan
    ), plan
    assert "SCAN activities_activityparticipant" not in plan, plan
