"""The API's page-number pagination, with pages bounded.

django-ninja's own accepts any page number, and ``(page - 1) * page_size`` past 2**63 is an
OFFSET the database refuses (SQLite: "datatype mismatch"), a 500 for a URL anyone can type.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 10_000_000


class Pagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        # Larger sizes are capped at NINJA_MAX_PER_PAGE_SIZE; bounded here against overflow.
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE)
