"""IATI XML export of activities, read through ``activity_visible`` like every other read."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import is_secretariat
from cbcoord.activities.models import Activity, Visibility
from cbcoord.activities.selectors import ActivityFilters, activity_list
from cbcoord.iati.records import ParsedActivity
from cbcoord.iati.writer import ExportReport, iter_activities_xml, write_activities


def export_queryset(
    *, user: Actor | None, filters: ActivityFilters, all_visibilities: bool = False
) -> QuerySet[Activity]:
    """The activities to export: public ones, or (secretariat only) every one it may see."""
    if all_visibilities and not is_secretariat(user):
        raise PermissionDenied(
            _("Only the WCO secretariat may export activities that are not public.")
        )
    queryset = activity_list(user=user, filters=filters)
    if not all_visibilities:
        queryset = queryset.filter(visibility=Visibility.PUBLIC)
    return queryset.order_by("iati_identifier")


def parsed_activities(queryset: QuerySet[Activity]) -> Iterator[ParsedActivity]:
    for activity in queryset.only("iati_identifier", "data", "reporting_org").iterator(
        chunk_size=500
    ):
        yield as_parsed(activity)


def as_parsed(activity: Activity) -> ParsedActivity:
    data: Mapping[str, Any] = activity.data or {}
    content = dict(data)
    content.setdefault("iati_identifier", activity.iati_identifier)
    return ParsedActivity.from_dict(content)


def write_export(
    queryset: QuerySet[Activity], out: BinaryIO, *, report: ExportReport | None = None
) -> int:
    """Write the export to ``out``; ``report`` (if given) says what was left out and why."""
    return write_activities(
        parsed_activities(queryset), out, generated_datetime=timezone.now(), report=report
    )


def export_response(queryset: QuerySet[Activity]) -> StreamingHttpResponse:
    """The export as a download that starts at once and is written as it is sent: 100,000
    activities take over a minute to write, longer than a proxy or browser waits for a first
    byte, and need no file on the server meanwhile."""
    response = StreamingHttpResponse(
        iter_activities_xml(parsed_activities(queryset), generated_datetime=timezone.now()),
        content_type="application/xml",
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
    return response


def export_filename() -> str:
    return f"cbcoord-activities-{timezone.now():%Y%m%d-%H%M%S}.xml"
