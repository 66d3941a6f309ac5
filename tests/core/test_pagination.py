"""cbcoord.core.pagination: pages with a bounded count and numbered links."""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cbcoord.core import pagination
from cbcoord.core.pagination import BoundedPage, bounded_count, bounded_page, page_number
from cbcoord.registry.models import Member


def test_page_number() -> None:
    assert [page_number(text) for text in (None, "", "x", "0", "-3", "7")] == [1, 1, 1, 1, 1, 7]
    assert page_number("9" * 30) == pagination.MAX_PAGE


def test_bounded_count(reference: None) -> None:
    members = Member.objects.all()
    total = members.count()
    assert bounded_count(members) == (total, True)
    assert bounded_count(members, limit=10) == (10, False)
    assert bounded_count(members, limit=total) == (total, True)


def test_bounded_page_in_three_queries(reference: None, django_assert_num_queries: object) -> None:
    members = Member.objects.order_by("name", "pk")
    names = list(members.values_list("name", flat=True))
    with django_assert_num_queries(3):  # type: ignore[operator]
        page = bounded_page(members, 2, 10)
    assert [member.name for member in page.items] == names[10:20]
    assert page.count == len(names) and page.count_exact and page.has_next
    assert (page.start_index, page.end_index) == (11, 20)
    last = bounded_page(members, 10_000, 10)  # past the end of a counted list: the last page
    assert last.number == page.last and not last.has_next
    assert [member.name for member in last.items] == names[(last.number - 1) * 10 :]


def test_past_the_count_limit(reference: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 25)
    members = Member.objects.order_by("name", "pk")
    page = bounded_page(members, 4, 10)
    assert (page.count, page.count_exact, page.last) == (25, False, None)
    assert len(page.items) == 10 and page.has_next  # rows past the counted ones still show
    far = bounded_page(members, 500, 10)
    assert far.items == [] and far.past_the_end


def _labels(page: BoundedPage[int]) -> list[tuple[str, str | None]]:
    return [(link.label, link.url) for link in page.links({"region": "AMC", "page": "9"})]


def test_links_window_and_ends() -> None:
    page = BoundedPage(items=[1], number=5, per_page=10, count=200, count_exact=True, has_next=True)
    assert _labels(page) == [
        ("« First", "?region=AMC"),
        ("‹ Previous", "?region=AMC&page=4"),
        ("3", "?region=AMC&page=3"),
        ("4", "?region=AMC&page=4"),
        ("5", None),
        ("6", "?region=AMC&page=6"),
        ("7", "?region=AMC&page=7"),
        ("Next ›", "?region=AMC&page=6"),
        ("Last »", "?region=AMC&page=20"),
    ]
    first = BoundedPage(items=[1], number=1, per_page=10, count=5, count_exact=True, has_next=False)
    assert first.links({}) == []
    # Count not exact: no "Last", numbers up to what is known to exist.
    page = BoundedPage(items=[1], number=3, per_page=10, count=40, count_exact=False, has_next=True)
    labels = [label for label, _url in _labels(page)]
    assert labels == ["« First", "‹ Previous", "1", "2", "3", "4", "5", "Next ›"]


def test_the_api_pagination_reports_bounded_counts(
    reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    from cbcoord.core.pagination import BoundedPagination

    monkeypatch.setattr(pagination, "COUNT_LIMIT", 25)
    paginator = BoundedPagination(page_size=10)
    with CaptureQueriesContext(connection):
        out = paginator.paginate_queryset(
            Member.objects.order_by("name", "pk"),
            BoundedPagination.Input(page=2, page_size=None),
            request=None,  # type: ignore[arg-type]
        )
    assert (out["count"], out["count_exact"], out["page"], out["has_next"]) == (25, False, 2, True)
    assert len(out["items"]) == 10


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
