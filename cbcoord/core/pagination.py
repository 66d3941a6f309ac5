"""Pages of lists: the API's page-number pagination, with pages bounded, and the bounded
pages of long lists (pages and API), whose count stops at ``COUNT_LIMIT``.

django-ninja's own accepts any page number, and ``(page - 1) * page_size`` past 2**63 is an
OFFSET the database refuses (SQLite: "datatype mismatch"), a 500 for a URL anyone can type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import PageNumberPagination, PaginationBase

T = TypeVar("T")
M = TypeVar("M", bound=Model)

MAX_PAGE = 10_000_000


class Pagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        # Larger sizes are capped at NINJA_MAX_PER_PAGE_SIZE; bounded here against overflow.
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE)


# --------------------------------------------------------------------------- bounded pages

#: Lists count their rows up to this many; past it they say "more than 10,000": counting
#: every row of a large result costs more than reading the page (the page is an index walk
#: that stops at its end; a count would walk to the end of the index).
COUNT_LIMIT = 10_000
#: A counted list of at most this many rows has its pages read from the rows it counted,
#: sorted (``bounded_page``).
SORTED_LIMIT = 2_000
#: Page numbers shown either side of the current one.
WINDOW = 2


@dataclass(frozen=True)
class PageLink:
    """One link of a list's page navigation; no ``url`` for the current page."""

    label: str
    url: str | None
    rel: str = ""
    current: bool = False


@dataclass(frozen=True)
class BoundedPage(Generic[T]):
    """A page of a list whose count is exact up to ``COUNT_LIMIT`` and a lower bound past it."""

    items: list[T]
    number: int
    per_page: int
    count: int
    count_exact: bool
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def last(self) -> int | None:
        """The last page's number, when the count is exact."""
        return max(1, math.ceil(self.count / self.per_page)) if self.count_exact else None

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.items) - 1 if self.items else 0

    @property
    def past_the_end(self) -> bool:
        """A page number past the end of a list too long to count (no items to show)."""
        return not self.items and self.number > 1

    def links(self, query: Mapping[str, str]) -> list[PageLink]:
        """First, previous, the numbers around this page, next and last (when known), each a
        URL keeping ``query`` (the list's filters and order)."""
        if self.number == 1 and not self.has_next:
            return []

        def url(number: int) -> str:
            params = {key: value for key, value in query.items() if key != "page"}
            if number > 1:
                params["page"] = str(number)
            return "?" + urlencode(params) if params else "?"

        known_last = self.last
        if known_last is None:  # more than ``count`` rows: at least this many pages
            known_last = max(
                math.ceil((self.count + 1) / self.per_page), self.number + int(self.has_next)
            )
        links: list[PageLink] = []
        if self.has_previous:
            links.append(PageLink(_("« First"), url(1), "first"))
            links.append(PageLink(_("‹ Previous"), url(self.number - 1), "prev"))
        low = max(1, self.number - WINDOW)
        high = min(known_last, self.number + WINDOW)
        for number in range(low, high + 1):
            current = number == self.number
            links.append(
                PageLink(
                    formats.number_format(number, force_grouping=True),
                    None if current else url(number),
                    current=current,
                )
            )
        if self.has_next:
            links.append(PageLink(_("Next ›"), url(self.number + 1), "next"))
        if self.last is not None and self.number < self.last:
            links.append(PageLink(_("Last »"), url(self.last), "last"))
        return links


def page_number(text: Any) -> int:
    """The page number of a query string's text: 1 when absent or unreadable, at most
    ``MAX_PAGE``."""
    try:
        number = int(str(text))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


@dataclass(frozen=True)
class Counted(Generic[M]):
    """A list's rows (``rows``, ordered) and the same rows written in the way the database
    counts fastest (``source``; ``activities.selectors.activity_count_source``: the list
    walks an index in its order, the count starts from the filters' codes). An API view
    returns one for ``BoundedPagination``."""

    rows: QuerySet[M]
    source: QuerySet[M]


def bounded_count(queryset: QuerySet[Any], limit: int | None = None) -> tuple[int, bool]:
    """``(count, exact)``: the number of rows up to ``limit`` (``COUNT_LIMIT``), counted with
    a LIMIT subquery (``SELECT COUNT(*) FROM (SELECT … LIMIT limit + 1)``) and without the
    list's order, or ``(limit, False)`` when there are more."""
    limit = COUNT_LIMIT if limit is None else limit
    counted = queryset.order_by().values("pk")[: limit + 1].count()
    return (counted, True) if counted <= limit else (limit, False)


def bounded_page(
    queryset: QuerySet[M],
    number: int,
    per_page: int,
    *,
    counted: QuerySet[Any] | None = None,
) -> BoundedPage[M]:
    """One page of ``queryset`` (ordered) in three queries: the bounded count; the ids of
    the page's rows and of one more (whether a next page exists), read from the order's
    index; then those rows. Reading the ids first keeps a deep page cheap: the rows
    skipped by the OFFSET are not read whole (PostgreSQL would compute every skipped
    row's columns, the title taken from its content among them; SQLite would read every
    skipped row). A page number past the end of a counted list gives its last page.
    ``counted``: the same rows, to count instead (``Counted``)."""
    count, exact = bounded_count(queryset if counted is None else counted)
    if exact:
        number = min(number, max(1, math.ceil(count / per_page)))
    offset = (number - 1) * per_page
    ordered = queryset
    if counted is not None and exact and count <= SORTED_LIMIT:
        # Few rows match: sort them, rather than walk the order's index past every row that
        # does not (to its end, when none does).
        ordered = counted.order_by(*queryset.query.order_by)
    ids = (
        list(ordered.values_list("pk", flat=True)[offset : offset + per_page + 1]) if count else []
    )
    found = {row.pk: row for row in queryset.order_by().filter(pk__in=ids[:per_page])}
    return BoundedPage(
        items=[found[pk] for pk in ids[:per_page] if pk in found],
        number=number,
        per_page=per_page,
        count=count,
        count_exact=exact,
        has_next=len(ids) > per_page,
    )


class BoundedPagination(PaginationBase):
    """The API's pages of long lists: ``count`` is exact up to 10,000 (``count_exact``), a
    lower bound past it; ``has_next`` says whether another page follows."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE)

    class Output(Schema):
        items: list[Any]
        count: int = Field(
            ..., description="Matching rows: exact when count_exact, else more than this."
        )
        count_exact: bool
        page: int
        has_next: bool

    def __init__(
        self,
        page_size: int = ninja_settings.PAGINATION_PER_PAGE,
        max_page_size: int = ninja_settings.PAGINATION_MAX_PER_PAGE_SIZE,
        **kwargs: Any,
    ) -> None:
        self.page_size = page_size
        self.max_page_size = max_page_size
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        size = min(pagination.page_size or self.page_size, self.max_page_size)
        if isinstance(queryset, Counted):
            page = bounded_page(queryset.rows, pagination.page, size, counted=queryset.source)
        else:
            page = bounded_page(queryset, pagination.page, size)
        return {
            self.items_attribute: page.items,
            "count": page.count,
            "count_exact": page.count_exact,
            "page": page.number,
            "has_next": page.has_next,
        }
