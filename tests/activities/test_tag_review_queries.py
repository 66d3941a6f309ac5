"""The review queue reads a page in a fixed number of queries, whatever its rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cbcoord.activities import services
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_queue_and_its_api_do_not_query_per_activity(
    reference: None, idb: Organisation, secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    client = client_for(secretariat)
    counts = []
    for batch, size in (("A", 2), ("B", 6)):  # 2 activities to review, then 8
        activities = [
            ImportedActivityFactory(
                iati_identifier=f"XM-DAC-909-{batch}{index}",
                reporting_org=idb,
                title={"en": "Customs single window"},
            )
            for index in range(size)
        ]
        services.activities_retag(activity_ids=[activity.pk for activity in activities])
        counts.append(
            (
                _queries(client, "/activities/tags/review/"),
                _queries(client, "/api/activity-tags/review"),
            )
        )
    assert counts[0] == counts[1]
