"""The activity list's count: each filter on codes is counted from the rows holding the code
when few hold it (``selectors.FEW_HOLDERS``), and walked in the list's order when many do;
a text search from the indexes of its columns; a list of few rows is read sorted
(``pagination.SORTED_LIMIT``). Whichever way, the count and the pages are the list's own."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cbcoord.activities import selectors
from cbcoord.activities.filters import ActivityFilters, Relevance
from cbcoord.activities.models import Activity, ActivityParticipant, ActivitySector
from cbcoord.activities.selectors import activity_count_source, activity_list, activity_rows
from cbcoord.core import pagination
from cbcoord.core.pagination import bounded_count, bounded_page
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory

pytestmark = pytest.mark.django_db

COUNTRIES = ("DO", "GT", "HT", "KE", "FR")


@pytest.fixture
def varied(idb: Organisation, imf: Organisation) -> list[Activity]:
    """Thirty activities across countries (and so WCO regions), two reporters, statuses,
    sectors, a participant, provisions, titles; one withdrawn, one decided not relevant."""
    made = []
    for number in range(30):
        code = COUNTRIES[number % len(COUNTRIES)]
        activity = ImportedActivityFactory(
            iati_identifier=f"XM-DAC-909-CNT-{number:02d}",
            reporting_org=idb if number % 3 else imf,
            title={"en": f"{'Risk management' if number % 4 == 0 else 'Trade'} {number}"},
            status=str(2 + number % 2),
            countries=[{"code": code, "percentage": "100", "narrative": {}}],
            provisions=("TFA-7.4",) if number % 5 == 0 else (),
        )
        made.append(activity)
    ActivitySector.objects.filter(activity__in=made[::2]).update(code="33120")
    ActivitySector.objects.filter(activity__in=made[1::2]).update(code="15111")
    ActivityParticipant.objects.create(activity=made[1], organisation=imf, role="4", name="IMF")
    Activity.objects.filter(pk=made[7].pk).update(withdrawn_at=timezone.now())
    Activity.objects.filter(pk=made[8].pk).update(is_relevant=False)
    return made


CASES = [
    ActivityFilters(),
    ActivityFilters(country="GT"),
    ActivityFilters(country="GT", status="3"),
    ActivityFilters(region="AMC"),
    ActivityFilters(region="AMC", status="2"),
    ActivityFilters(partner="imf"),
    ActivityFilters(partner="idb", country="DO"),
    ActivityFilters(sector="33120"),
    ActivityFilters(provision="TFA-7.4"),
    ActivityFilters(instrument="TFA"),
    ActivityFilters(q="risk"),
    ActivityFilters(q="CNT-1"),  # the identifier
    ActivityFilters(q="nothing like it"),
    ActivityFilters(q="trade", include_withdrawn=True),
    ActivityFilters(country="DO", relevance=Relevance.ALL, include_withdrawn=True),
    ActivityFilters(country="KE", relevance=Relevance.NOT_RELEVANT),
]


@pytest.mark.parametrize("few_holders", [selectors.FEW_HOLDERS, 0])
@pytest.mark.parametrize("role", ["anonymous", "partner_editor", "secretariat"])
def test_the_count_is_the_lists_whichever_way_it_is_read(
    varied: list[Activity],
    few_holders: int,
    role: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With every code held by few rows (membership tests) and by many (the list's EXISTS),
    the counted rows are the listed ones, for each filter and reader."""
    monkeypatch.setattr(selectors, "FEW_HOLDERS", few_holders)
    user = None if role == "anonymous" else request.getfixturevalue(role)
    for filters in CASES:
        listed = set(activity_list(user=user, filters=filters).values_list("pk", flat=True))
        source = activity_count_source(user=user, filters=filters)
        assert set(source.values_list("pk", flat=True)) == listed, filters.applied()
        assert bounded_count(source) == (len(listed), True), filters.applied()
    # The cases are not all empty, nor all everything.
    everything = activity_list(user=user, filters=ActivityFilters()).count()
    sizes = {activity_list(user=user, filters=f).count() for f in CASES}
    assert 0 in sizes and everything in sizes and len(sizes) > 5


def test_a_code_few_rows_hold_is_counted_from_its_index(varied: list[Activity]) -> None:
    """SQLite: the count of ``country=GT`` starts from the country code's index and reads
    activities by id; past ``FEW_HOLDERS`` it walks the order's index instead."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plans (PostgreSQL plans its semi-joins itself)")

    def plan(filters: ActivityFilters) -> str:
        queryset = activity_count_source(user=None, filters=filters).values("pk")
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(row[-1] for row in cursor.fetchall())

    few = plan(ActivityFilters(country="GT", status="3"))
    assert "activities_activitycountry_code" in few, few
    assert "INTEGER PRIMARY KEY" in few, few
    text = plan(ActivityFilters(q="risk"))
    assert "COVERING INDEX activity_by_title" in text, text
    assert "SCAN activities_activity\n" not in text + "\n", text  # never the rows themselves

    selectors.FEW_HOLDERS, kept = 0, selectors.FEW_HOLDERS
    try:
        many = plan(ActivityFilters(country="GT", status="3"))
    finally:
        selectors.FEW_HOLDERS = kept
    assert "CORRELATED" in many and "INTEGER PRIMARY KEY" not in many, many


@pytest.mark.parametrize("sort", ["-updated", "title", "-budget", "start"])
def test_a_short_list_read_sorted_has_the_pages_of_the_walk(
    varied: list[Activity], sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    filters = ActivityFilters(region="AMC", sort=sort)

    def pages() -> list[list[str]]:
        found = []
        for number in (1, 2, 3):
            page = bounded_page(
                activity_rows(activity_list(user=None, filters=filters)),
                number,
                4,
                counted=activity_count_source(user=None, filters=filters),
            )
            found.append([activity.iati_identifier for activity in page.items])
        return found

    sorted_pages = pages()
    monkeypatch.setattr(pagination, "SORTED_LIMIT", 0)  # walk the order's index
    walked = pages()
    assert sorted_pages == walked
    assert all(len(page) == 4 for page in walked)


def test_a_search_without_matches_reads_no_page(varied: list[Activity]) -> None:
    def queries(filters: ActivityFilters) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            page = bounded_page(
                activity_rows(activity_list(user=None, filters=filters)),
                1,
                50,
                counted=activity_count_source(user=None, filters=filters),
            )
        return len(captured.captured_queries), len(page.items)

    found: Any = queries(ActivityFilters(q="risk"))
    none = queries(ActivityFilters(q="nothing like it"))
    assert found[1] > 0 and none == (found[0] - 2, 0)  # no ids, no rows
