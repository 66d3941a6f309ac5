"""The activity list a coordinator needs: columns, sorting, page numbers, dependent drop-downs,
unknown values named, amounts in the reader's format, a fixed number of queries, and pages
read from an index in the list's order."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cbcoord.activities import views
from cbcoord.activities.filters import ActivityFilters
from cbcoord.activities.models import Activity
from cbcoord.activities.selectors import activity_list
from cbcoord.core import pagination
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory

LIST = "/activities/"


def _html(client: Client, url: str, language: str = "en", **headers: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _listed(html: str) -> list[str]:
    """The identifiers of the rows, in their order."""
    return re.findall(r'<code class="muted">([^<]+)</code>', html)


def _budget(activity: Activity, value: str | None) -> None:
    Activity.objects.filter(pk=activity.pk).update(total_budget=value)


@pytest.fixture
def four(idb: Organisation, imf: Organisation) -> dict[str, Activity]:
    """Four activities with distinct titles, periods and budgets; one without a budget or
    a start date."""
    activities = {
        "a": ImportedActivityFactory(
            iati_identifier="XM-DAC-909-A",
            reporting_org=idb,
            title={"en": "Alpha"},
            start="2021-01-01",
        ),
        "b": ImportedActivityFactory(
            iati_identifier="XM-DAC-909-B",
            reporting_org=idb,
            title={"en": "Bravo"},
            start="2019-01-01",
            end="2030-01-01",
            countries=[
                {"code": "HT", "percentage": "50", "narrative": {}},
                {"code": "JM", "percentage": "50", "narrative": {}},
            ],
        ),
        "c": ImportedActivityFactory(
            iati_identifier="XM-DAC-43000-C",
            reporting_org=imf,
            title={"en": "Charlie"},
            start="2023-01-01",
        ),
        "d": ImportedActivityFactory(
            iati_identifier="XM-DAC-43000-D",
            reporting_org=imf,
            title={"en": "Delta"},
            start="2022-06-01",
        ),
    }
    _budget(activities["a"], "2500000.00")
    _budget(activities["b"], "750.50")
    _budget(activities["c"], None)
    _budget(activities["d"], "40000")
    Activity.objects.filter(pk=activities["c"].pk).update(start_date=None)
    return activities


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["A", "B", "C", "D"]),
        ("-title", ["D", "C", "B", "A"]),
        ("budget", ["C", "B", "D", "A"]),  # no budget first when ascending …
        ("-budget", ["A", "D", "B", "C"]),  # … and last when descending
        ("start", ["C", "B", "A", "D"]),
        ("-start", ["D", "A", "B", "C"]),
        ("end", ["A", "C", "D", "B"]),
    ],
)
def test_sorting_on_the_page_and_in_the_api(
    client: Client, four: dict[str, Activity], sort: str, expected: list[str]
) -> None:
    order = [identifier[-1] for identifier in _listed(_html(client, f"{LIST}?sort={sort}"))]
    assert order == expected
    items = client.get("/api/activities", {"sort": sort}).json()["items"]
    assert [item["iati_identifier"][-1] for item in items] == expected


def test_the_default_order_is_most_recently_updated_first(
    client: Client, four: dict[str, Activity]
) -> None:
    for key in ("c", "a"):
        activity = Activity.objects.get(pk=four[key].pk)
        activity.save(update_fields=["updated_at"])
    assert [i[-1] for i in _listed(_html(client, LIST))][:2] == ["A", "C"]


def test_headers_link_to_their_order_and_say_which_it_is(
    client: Client, four: dict[str, Activity]
) -> None:
    html = _html(client, f"{LIST}?sort=-budget&region=AMC&page=1")
    assert '<th class="num" aria-sort="descending"><a href="?region=AMC&amp;sort=budget">' in html
    assert '<a href="?region=AMC&amp;sort=title">' in html
    assert '<a href="?region=AMC&amp;sort=start">' in html
    # The form keeps the order when the filters change; the downloads keep it too.
    assert 'name="sort" id="filter-sort" value="-budget"' in html
    assert "/exports/activities.xlsx?region=AMC&amp;sort=-budget" in html


def test_an_order_that_is_not_one_is_named(client: Client, four: dict[str, Activity]) -> None:
    html = _html(client, f"{LIST}?sort=colour")
    assert "sort=colour: this value cannot be read here (one of: updated, -updated" in html
    assert len(_listed(html)) == 4
    response = client.get("/api/activities", {"sort": "colour"})
    assert response.status_code == 422


def test_columns_budget_countries_sectors(client: Client, four: dict[str, Activity]) -> None:
    html = _html(client, f"{LIST}?sort=title")
    assert "2,500,000 USD" in html and "751 USD" in html
    assert '<td title="HT Haiti; JM Jamaica">Haiti, Jamaica</td>' in html
    assert '<td title="33120 Trade facilitation">Trade facilitation</td>' in html
    spanish = _html(client, f"{LIST}?sort=title", "es")
    assert "2\xa0500\xa0000 USD" in spanish  # Django's Spanish format groups with spaces
    assert "Facilitación del comercio" in spanish
    assert "2.500.000 USD" in _html(client, f"{LIST}?sort=title", "pt")


def test_page_numbers(
    client: Client, four: dict[str, Activity], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    html = _html(client, f"{LIST}?sort=title&page=2")
    assert _listed(html) == ["XM-DAC-909-B"]
    nav = html[html.index('<nav class="pagination"') :]
    nav = nav[: nav.index("</nav>")]
    assert 'href="?sort=title" rel="first"' in nav
    assert 'href="?sort=title" rel="prev"' in nav
    assert '<span aria-current="page" class="current">2</span>' in nav
    assert 'href="?sort=title&amp;page=4">4</a>' in nav
    assert 'href="?sort=title&amp;page=3" rel="next"' in nav
    assert 'href="?sort=title&amp;page=4" rel="last"' in nav
    assert "4 activities · showing 2–2" in html
    # Past the end: the last page.
    assert _listed(_html(client, f"{LIST}?sort=title&page=99")) == ["XM-DAC-43000-D"]


def test_large_counts_are_bounded(
    client: Client, four: dict[str, Activity], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 2)
    html = _html(client, LIST)
    assert "more than 2 activities" in html
    body = client.get("/api/activities", {"page_size": 3}).json()
    assert (body["count"], body["count_exact"], body["has_next"]) == (2, False, True)
    assert len(body["items"]) == 3
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 10)
    body = client.get("/api/activities", {"page_size": 3, "page": 2}).json()
    assert (body["count"], body["count_exact"], body["has_next"]) == (4, True, False)


def test_the_member_drop_down_follows_the_region(client: Client, four: dict[str, Activity]) -> None:
    def members(html: str) -> str:
        start = html.index('<select name="country" id="filter-country"')
        return html[start : html.index("</select>", start)]

    everyone = members(_html(client, LIST))
    assert '<optgroup label="Americas and Caribbean">' in everyone
    assert '<optgroup label="Europe">' in everyone and 'value="FR"' in everyone
    americas = members(_html(client, f"{LIST}?region=AMC"))
    assert "<optgroup" not in americas
    assert 'value="DO"' in americas and 'value="FR"' not in americas
    # A country outside the chosen region stays chosen, named as such.
    mixed = members(_html(client, f"{LIST}?region=AMC&country=FR"))
    assert re.search(r'<option value="FR" selected>France[^<]*\(not in Americas', mixed)
    # The htmx answer refreshes the drop-down out of band, and the order's hidden field.
    partial = _html(
        client, f"{LIST}?region=EUR", **{"HX-Request": "true", "HX-Target": "activity-results"}
    )
    assert "<html" not in partial
    assert '<select name="country" id="filter-country" hx-swap-oob="true">' in partial
    assert 'value="FR"' in members(partial) and 'value="DO"' not in members(partial)
    assert 'id="filter-sort" value="" hx-swap-oob="true"' in partial


def test_the_instrument_drop_down_shows_titles(client: Client, four: dict[str, Activity]) -> None:
    html = _html(client, LIST)
    assert re.search(r'<option value="TFA">TFA — [^<]*Trade Facilitation', html)


@pytest.mark.parametrize(
    ("query", "named", "select"),
    [
        ("region=ZZZ", "unknown region ZZZ", "region"),
        ("country=QQ", "unknown country QQ", "country"),
        ("partner=nobody", "unknown partner nobody", "partner"),
        ("status=9", "unknown status 9", "status"),
        ("instrument=NOPE", "unknown instrument NOPE", "instrument"),
    ],
)
def test_an_unknown_value_is_named_and_shown_as_unknown(
    client: Client, four: dict[str, Activity], query: str, named: str, select: str
) -> None:
    html = _html(client, f"{LIST}?{query}")
    assert named in html and 'role="alert"' in html
    value = query.split("=")[1]
    start = html.index(f'<select name="{select}"')
    options = html[start : html.index("</select>", start)]
    assert f'<option value="{value}" selected>{value} (unknown)</option>' in options
    assert '<option value="" selected>' not in options  # not "All"
    assert _listed(html) == []
    assert "/exports/activities.csv" not in html  # a download would only be refused
    response = client.get(f"/api/activities?{query}")
    assert response.status_code == 400
    assert named in response.json()["detail"]


def test_a_partner_the_public_may_not_see_is_unknown_to_the_public(
    client_for: Callable[[Any], Client], secretariat: Any, four: dict[str, Activity]
) -> None:
    Organisation.objects.filter(key="imf").update(is_published=False)
    assert "unknown partner imf" in _html(client_for(None), f"{LIST}?partner=imf")
    assert "unknown partner" not in _html(client_for(secretariat), f"{LIST}?partner=imf")


@pytest.mark.parametrize("role", ["anonymous", "partner_editor", "secretariat"])
def test_the_number_of_queries_does_not_grow_with_the_rows(
    role: str,
    request: pytest.FixtureRequest,
    client_for: Callable[[Any], Client],
    idb: Organisation,
    imf: Organisation,
) -> None:
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    url = f"{LIST}?region=AMC&partner=idb"

    def queries() -> int:
        client.get(url)  # sessions, the visibility rule's reader: as on every later page
        with CaptureQueriesContext(connection) as captured:
            html = _html(client, url)
        return len(captured.captured_queries), html

    ImportedActivityFactory(iati_identifier="XM-DAC-909-Q0", reporting_org=idb)
    few, html = queries()
    assert len(_listed(html)) == 1
    for number in range(1, 60):
        ImportedActivityFactory(iati_identifier=f"XM-DAC-909-Q{number}", reporting_org=idb)
    many, html = queries()
    assert len(_listed(html)) == 50
    assert few == many
    # Is the region known, the partner? How many rows hold the region, the partner (as
    # reporter, as participant: FEW_HOLDERS)? The bounded count, the page's ids, its rows;
    # their countries and sectors; the four drop-downs' choices (14). Signed in: the session,
    # the user and their organisation, and the visibility rule's regions of the reader (5).
    assert many == (19 if user else 14)


def test_the_api_list_reads_a_fixed_number_of_queries(
    client: Client, idb: Organisation, django_assert_max_num_queries: Any
) -> None:
    for number in range(60):
        ImportedActivityFactory(iati_identifier=f"XM-DAC-909-API{number}", reporting_org=idb)
    # is the region known, how many rows hold it (FEW_HOLDERS), the bounded count, the page's
    # ids, its rows (with organisations)
    with django_assert_max_num_queries(5):
        body = client.get("/api/activities", {"region": "AMC"}).json()
    assert len(body["items"]) == 50 and body["has_next"]


# --------------------------------------------------------------------------- query plans


SORTS = ["-updated", "updated", "title", "-title", "start", "-start", "end", "-end", "budget",
         "-budget"]  # fmt: skip


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("role", ["anonymous", "partner_editor", "secretariat"])
def test_sqlite_reads_each_order_from_an_index(
    sort: str, role: str, request: pytest.FixtureRequest, idb: Organisation
) -> None:
    """SQLite keeps no statistics: what it plans for an empty table it plans for a full one.
    No order of the list may sort the activities ("USE TEMP B-TREE FOR ORDER BY")."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's planner (PostgreSQL: test_list_plans.py)")
    user = None if role == "anonymous" else request.getfixturevalue(role)
    for filters in (
        ActivityFilters(sort=sort),
        ActivityFilters(sort=sort, region="AMC"),
        ActivityFilters(sort=sort, partner="idb", reporting_org="XM-DAC-909", country="DO"),
        ActivityFilters(sort=sort, status="2", start=dt.date(2024, 1, 1), sector="33120"),
    ):
        queryset = activity_list(user=user, filters=filters).values_list("pk", flat=True)[:51]
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = [row[3] for row in cursor.fetchall()]
        assert not any("TEMP B-TREE" in step for step in plan), plan
        assert any(
            re.match(
                r"SCAN (activities_activity|T\d+|U\d+|V\d+) USING (COVERING )?INDEX activity_", step
            )
            for step in plan
        ), plan
