"""Reading the activity filters from a query string (pages, download links and the API)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from cbcoord.activities.selectors import ActivityFilters

FILTER_PARAMS = (
    "region",
    "country",
    "partner",
    "status",
    "sector",
    "instrument",
    "provision",
    "start",
    "end",
    "q",
)


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def filters_from(params: Mapping[str, Any]) -> tuple[ActivityFilters, dict[str, str]]:
    """The filters, and the raw values to put back in the form (bad dates are ignored)."""
    raw = {name: str(params.get(name) or "").strip()[:200] for name in FILTER_PARAMS}
    filters = ActivityFilters(
        region=raw["region"] or None,
        country=raw["country"] or None,
        partner=raw["partner"] or None,
        status=raw["status"] or None,
        sector=raw["sector"] or None,
        instrument=raw["instrument"] or None,
        provision=raw["provision"] or None,
        start=_date(raw["start"]),
        end=_date(raw["end"]),
        search=raw["q"] or None,
    )
    return filters, raw
