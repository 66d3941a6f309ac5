"""IATI 2.03 export of a selection of activities (the command, the page and the API share it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from django.db.models import QuerySet
from django.utils import timezone

from cbcoord.accounts.permissions import is_secretariat
from cbcoord.activities.models import Activity, Visibility
from cbcoord.activities.selectors import ActivityFilters, activity_list
from cbcoord.iati.model import ParsedActivity
from cbcoord.iati.writer import write_activities


def activities_for_export(
    *, user: Any, filters: ActivityFilters, all_visibilities: bool = False
) -> QuerySet[Activity]:
    """Public activities only, unless the secretariat asks for every level it may see.

    ``user`` None is the operator at the command line, who counts as the secretariat.
    """
    queryset = activity_list(user=user, filters=filters) if user is not None else _all(filters)
    if not (all_visibilities and (user is None or is_secretariat(user))):
        queryset = queryset.filter(visibility=Visibility.PUBLIC)
    return queryset.filter(withdrawn_at__isnull=True).order_by("iati_identifier")


def _all(filters: ActivityFilters) -> QuerySet[Activity]:
    from cbcoord.accounts.models import Role, User

    operator = User(role=Role.SECRETARIAT, is_active=True)
    operator.is_superuser = True
    return activity_list(user=operator, filters=filters)


def _parsed(queryset: QuerySet[Activity]) -> Iterator[ParsedActivity]:
    for data in queryset.values_list("data", flat=True).iterator(chunk_size=500):
        yield ParsedActivity.from_dict(data)


def export_activities(queryset: QuerySet[Activity], out: BinaryIO) -> int:
    """Stream the activities' IATI content to ``out``; returns how many were written."""
    return write_activities(_parsed(queryset), out, generated_datetime=timezone.now())
