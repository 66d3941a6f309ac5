"""IATI XML of stored activities: their kept content, given back to the writer
(``cbcoord.iati.writer``), with the provision tags they carry in cbcoord as ``<tag>``
elements of cbcoord's catalogue (``catalogue_tags``). The download is
``exporters.IatiActivitiesExporter``."""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from cbcoord.activities import catalogue_tags
from cbcoord.activities.models import Activity, ActivityProvision, TagStatus
from cbcoord.frameworks.models import Provision
from cbcoord.iati.records import ParsedActivity
from cbcoord.iati.writer import ExportReport, write_activities

#: An export's tags: every tag that is not rejected, suggested ones marked so.
_EXPORTED_TAGS = Prefetch(
    "provision_links",
    queryset=ActivityProvision.objects.exclude(status=TagStatus.REJECTED)
    .select_related("provision")
    .order_by("provision__sort_order", "provision__code"),
    to_attr="exported_tags",
)


def parsed_activities(queryset: QuerySet[Activity]) -> Iterator[ParsedActivity]:
    activities = (
        queryset.only("iati_identifier", "data", "reporting_org")
        .prefetch_related(_EXPORTED_TAGS)
        .iterator(chunk_size=500)
    )
    codes = _CatalogueCodes()
    for activity in activities:
        yield as_parsed(activity, codes)


class _CatalogueCodes:
    """The provision codes of the catalogue, read once an export needs them."""

    def __init__(self) -> None:
        self._codes: frozenset[str] | None = None

    def __contains__(self, code: object) -> bool:
        if self._codes is None:
            self._codes = frozenset(Provision.objects.values_list("code", flat=True))
        return code in self._codes


def as_parsed(activity: Activity, codes: _CatalogueCodes | None = None) -> ParsedActivity:
    """The activity's content as the writer takes it, its provision tags among its tags: the
    catalogue's tags of the stored content (what an earlier export carried) give way to the
    tags as they are now, but for codes the catalogue does not know, kept as published."""
    data: Mapping[str, Any] = activity.data or {}
    content = dict(data)
    content.setdefault("iati_identifier", activity.iati_identifier)
    tags = getattr(activity, "exported_tags", None)
    if tags is None:
        tags = list(
            activity.provision_links.exclude(status=TagStatus.REJECTED)
            .select_related("provision")
            .order_by("provision__sort_order", "provision__code")
        )
    if tags or content.get("tags"):
        content["tags"] = with_catalogue_tags(
            content.get("tags") or [], tags, codes if codes is not None else _CatalogueCodes()
        )
    return ParsedActivity.from_dict(content)


def with_catalogue_tags(
    published: list[dict[str, Any]], tags: Iterable[ActivityProvision], codes: Container[str]
) -> list[dict[str, Any]]:
    """``published`` (a content's ``tags``) with the catalogue's tags of provisions in
    ``codes`` replaced by ``tags`` (each tag an activity carries in cbcoord speaks for its
    provision, and a rejected one is not written); a catalogue tag of a code the catalogue
    does not know is kept as published."""
    kept = [
        tag
        for tag in published
        if not catalogue_tags.is_catalogue_tag(tag) or (tag.get("code") or "").strip() not in codes
    ]
    return kept + catalogue_tags.tag_dicts(
        (tag.provision.code, tag.provision.title_en, tag.status, tag.confidence) for tag in tags
    )


def write_export(
    queryset: QuerySet[Activity], out: BinaryIO, *, report: ExportReport | None = None
) -> int:
    """Write the export to ``out``; ``report`` (if given) says what was left out and why."""
    return write_activities(
        parsed_activities(queryset), out, generated_datetime=timezone.now(), report=report
    )
