"""On PostgreSQL, a page of the activity list is read from an index in the list's order and
stops at the page's end, and its count stops at COUNT_LIMIT: checked on the plans PostgreSQL
makes with statistics of a few thousand activities (ANALYZE), as a server's would be."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from cbcoord.activities.filters import ActivityFilters
from cbcoord.activities.models import Activity, ActivityCountry, Origin, Visibility
from cbcoord.activities.selectors import activity_count_source, activity_list, activity_rows
from cbcoord.core.pagination import COUNT_LIMIT
from cbcoord.registry.models import Organisation, Region

pytestmark = pytest.mark.postgres_only

ACTIVITIES = 10_000


@pytest.fixture
def many(idb: Organisation, imf: Organisation) -> None:
    """Thousands of activities, most public, spread over two partners, the regions, a few
    countries, budgets (some missing) and dates; then ANALYZE, so that the planner knows."""
    now = timezone.now()
    levels = [Visibility.PUBLIC] * 7 + [Visibility.COORDINATION, Visibility.NAMED, Visibility.WCO]
    Activity.objects.bulk_create(
        Activity(
            iati_identifier=f"XM-PLAN-{number:05d}",
            reporting_org=idb if number % 3 else imf,
            title_text=f"Activity {number * 7919 % ACTIVITIES:05d}",
            data={"title": {"en": f"Activity {number}"}},
            content_hash="-",
            origin=Origin.IMPORT,
            visibility=levels[number % len(levels)],
            total_budget=None if number % 11 == 0 else number * 37 % 100_000,
            start_date=None if number % 13 == 0 else dt.date(2015 + number % 12, 1, 1),
            end_date=dt.date(2020 + number % 12, 6, 30),
            default_currency="USD",
            status=str(1 + number % 5),
        )
        for number in range(ACTIVITIES)
    )
    Activity.objects.update(updated_at=now)  # one moment for all: the id breaks the ties
    ids = list(Activity.objects.values_list("pk", flat=True))
    regions = list(Region.objects.values_list("pk", flat=True))
    Activity.regions.through.objects.bulk_create(
        Activity.regions.through(activity_id=pk, region_id=regions[pk % len(regions)]) for pk in ids
    )
    ActivityCountry.objects.bulk_create(
        ActivityCountry(activity_id=pk, code=("DO", "JM", "HT", "FR", "KE")[pk % 5]) for pk in ids
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _plan(queryset: QuerySet[Any]) -> dict[str, Any]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        document = cursor.fetchone()[0]
    plan = document if isinstance(document, list) else json.loads(document)
    return plan[0]["Plan"]


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _page(user: Any, filters: ActivityFilters, offset: int = 0) -> QuerySet[Any]:
    """The page's query as ``bounded_page`` makes it: the ids of one page and one more row."""
    queryset = activity_rows(activity_list(user=user, filters=filters))
    return queryset.values_list("pk", flat=True)[offset : offset + 51]


SORTS = ["-updated", "updated", "title", "-title", "start", "-start", "end", "-end", "budget",
         "-budget"]  # fmt: skip
ROLES = ["anonymous", "partner_editor", "secretariat"]


def test_a_page_walks_the_orders_index(many: None, request: pytest.FixtureRequest) -> None:
    """For every reader and order, a first page, a later one and a filtered one: a Limit
    over an index scan of an order index, and no Sort anywhere (one set-up of 10,000
    activities for all of them)."""
    for role in ROLES:
        user = None if role == "anonymous" else request.getfixturevalue(role)
        for sort in SORTS:
            for filters, offset in (
                (ActivityFilters(sort=sort), 0),
                (ActivityFilters(sort=sort), 500),  # page 11
                (ActivityFilters(sort=sort, region="AMC"), 0),
            ):
                case = (role, sort, filters.applied(), offset)
                plan = _plan(_page(user, filters, offset))
                nodes = list(_nodes(plan))
                assert plan["Node Type"] == "Limit", case
                sorts = [
                    node for node in nodes if node["Node Type"] in ("Sort", "Incremental Sort")
                ]
                assert not sorts, (case, json.dumps(plan, indent=1)[:3000])
                walks = [
                    node
                    for node in nodes
                    if node.get("Relation Name") == "activities_activity"
                    and node["Node Type"] in ("Index Scan", "Index Only Scan")
                    and node.get("Index Name", "").startswith("activity_")
                ]
                assert walks, (case, json.dumps(plan, indent=1)[:3000])


def test_the_count_stops_at_the_limit_and_rows_are_read_by_id(
    many: None, request: pytest.FixtureRequest
) -> None:
    for role in ROLES:
        user = None if role == "anonymous" else request.getfixturevalue(role)
        queryset = activity_list(user=user, filters=ActivityFilters())
        plan = _plan(queryset.order_by().values("pk")[: COUNT_LIMIT + 1])
        assert plan["Node Type"] == "Limit" and plan["Plan Rows"] <= COUNT_LIMIT + 1, role
        assert not [node for node in _nodes(plan) if node["Node Type"] == "Sort"], role
    # The page's rows (and their content's title) are read for its 50 ids only.
    ids = list(_page(None, ActivityFilters())[:50])
    rows = activity_rows(activity_list(user=None, filters=ActivityFilters())).order_by()
    plan = _plan(rows.filter(pk__in=ids))
    scans = [node for node in _nodes(plan) if node.get("Relation Name") == "activities_activity"]
    assert scans and all(node["Node Type"] in ("Index Scan", "Bitmap Heap Scan") for node in scans)
    assert all(node["Plan Rows"] <= 50 for node in scans)


def test_a_text_search_is_answered_from_the_trigram_indexes(many: None) -> None:
    """``?q=`` matches the title or the identifier anywhere in them (``icontains``): the
    count reads the trigram indexes, not every activity's title."""
    filters = ActivityFilters(q="ctivity 0421")
    queryset = activity_list(user=None, filters=filters)
    # 10,000 small rows fit in a few hundred pages, and reading them all can cost the planner
    # less than two bitmap scans (it chose so on one cluster and not on another, the same
    # data): what this checks is that the indexes serve the condition, as they must for a
    # table of 100,000 activities with 5 KB of content each.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    # The list's condition, and the count's (``activity_count_source``: membership tests).
    for counted in (queryset, activity_count_source(user=None, filters=filters)):
        plan = _plan(counted.order_by().values("pk")[: COUNT_LIMIT + 1])
        used = {node.get("Index Name") for node in _nodes(plan)}
        assert {"activity_title_trgm", "activity_identifier_trgm"} <= used, json.dumps(plan)[:3000]
        assert not [node for node in _nodes(plan) if node["Node Type"] == "Seq Scan"]
    # And what it finds is what icontains means: any case, anywhere in the title.
    found = set(queryset.values_list("title_text", flat=True))
    assert found and all("ctivity 0421" in title.lower() for title in found)
