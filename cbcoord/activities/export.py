"""IATI XML of stored activities: their kept content, given back to the writer
(``cbcoord.iati.writer``). The download is ``exporters.IatiActivitiesExporter``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from django.db.models import QuerySet
from django.utils import timezone

from cbcoord.activities.models import Activity
from cbcoord.iati.records import ParsedActivity
from cbcoord.iati.writer import ExportReport, write_activities


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
