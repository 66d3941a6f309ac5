"""Streaming: the activities of a file (or of a piece of one), in document order, in flat
memory.

``iter_activity_content(path)`` streams each activity's content (``ActivityContent``: the
JSON-ready dict that is stored) or a ``RefusedActivity``, and ``iter_activities(path)`` the same
as ``ParsedActivity`` dataclasses. Both read with ``lxml.etree.iterparse`` on ``iati-activity``
end events and hand batches of activities to ``process_batch`` (validation, reading), which
clears them once read, so memory stays flat whatever the file size. Every activity is validated
against the 2.03 schema and its codes against the codelists; deviations become
``DataQualityWarning``s (or, with ``strict=True``, schema errors refuse the activity).

All parsing uses ``resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False``,
and any DOCTYPE is refused before the parser reaches its internal subset (``probe_header``), so
entity expansion (billion laughs) and external entities (XXE) never happen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from cbcoord.iati.reading.batches import BatchValidator, process_batch
from cbcoord.iati.reading.common import SAFE, PathLike
from cbcoord.iati.reading.filecheck import (
    is_1x_activity,
    probe_header,
    refuse_1x,
    syntax_error,
)
from cbcoord.iati.reading.reader import ActivityReader
from cbcoord.iati.records import ActivityContent, ParsedActivity, RefusedActivity
from cbcoord.iati.validation import codelist_checker

__all__ = ["ActivityStream", "iter_activities", "iter_activity_content"]


def iter_activities(
    path: PathLike,
    *,
    strict: bool = False,
    codelists: bool = True,
    batch_size: int = 64,
) -> Iterator[ParsedActivity | RefusedActivity]:
    """Stream the activities of ``path``, in document order, as dataclasses.

    Yields a ``ParsedActivity`` for each activity that can be read faithfully (schema and
    codelist deviations are in its ``warnings``), or a ``RefusedActivity`` saying why not. With
    ``strict=True`` any schema error refuses the activity. ``codelists=False`` skips the codelist
    checks. ``batch_size`` activities are validated and read at a time (results do not depend on
    it). The importer uses ``iter_activity_content``, which reads the same without building the
    dataclasses.

    Raises ``IatiFileError`` for what ``check_file`` refuses: it re-checks the start of the file,
    and a file that turns out broken mid-way raises when the parser reaches the break, after the
    activities before it were yielded. So run ``check_file`` first and write nothing from a file
    it refuses.
    """
    for item in iter_activity_content(
        path, strict=strict, codelists=codelists, batch_size=batch_size
    ):
        yield item if isinstance(item, RefusedActivity) else item.parsed()


def iter_activity_content(
    path: PathLike,
    *,
    strict: bool = False,
    codelists: bool = True,
    batch_size: int = 64,
    share: tuple[int, int] = (0, 1),
    share_size: int = 500,
    skip: int = 0,
) -> Iterator[ActivityContent | RefusedActivity]:
    """``iter_activities``, yielding each activity's content as JSON-ready dicts.

    ``share=(k, n)`` reads only the k-th of every n runs of ``share_size`` activities (the others
    are parsed, for the file must be, but neither validated nor read): n processes, each with
    its own k, read a file together and their runs interleave back into document order.
    ``skip`` activities at the start of the file are parsed but not read (they were read
    already, by a reader that had to give up: see ``iter_piece_content``).
    """
    stream = ActivityStream(path, strict=strict, codelists=codelists, batch_size=batch_size)
    with open(path, "rb") as source:
        yield from stream.read(source, share=share, share_size=share_size, skip=skip)


class ActivityStream:
    """Reads activities from a file, or from pieces of it, with one compiled schema and one
    activity reader for all of them."""

    def __init__(self, path: PathLike, *, strict: bool, codelists: bool, batch_size: int) -> None:
        self.name = Path(path).name
        self.header, self.head = probe_header(path)
        self.strict = strict
        self.batch_size = batch_size
        self.reader = ActivityReader(
            file_language=self.header.language,
            checker=codelist_checker() if codelists else None,
            strict=strict,
        )
        self.validator = BatchValidator()

    def read(
        self,
        source: Any,
        *,
        share: tuple[int, int] = (0, 1),
        share_size: int = 500,
        skip: int = 0,
        line_offset: int = 0,
        stray_lang_possible: bool = True,
    ) -> Iterator[ActivityContent | RefusedActivity]:
        """The activities of ``source`` (a binary file object); lines in what is yielded are
        moved by ``line_offset``. ``stray_lang_possible=False``: the caller has made sure that
        no ``xml:lang`` sits outside ``narrative`` and ``iati-activity``."""
        share_index, share_count = share
        ordinal = -1
        # Namespaces declared on the root reach every activity: read them all carefully.
        careful_all = bool(self.header.nsmap)
        need_structure_check = self.header.version is None
        context = etree.iterparse(source, events=("end", "start-ns"), tag="iati-activity", **SAFE)
        batch: list[tuple[etree._Element, bool]] = []
        namespace_seen = False
        try:
            for event, item in context:
                if event == "start-ns":
                    namespace_seen = True  # a declaration inside or before the next activity
                    continue
                el: etree._Element = item
                parent = el.getparent()
                if parent is None or parent.getparent() is not None:
                    continue  # an iati-activity nested in something else: part of that thing
                if need_structure_check:
                    need_structure_check = False
                    if is_1x_activity(el):
                        raise refuse_1x(self.name, el.sourceline)
                ordinal += 1
                if ordinal < skip or (
                    share_count > 1 and (ordinal // share_size) % share_count != share_index
                ):
                    el.clear(keep_tail=False)  # read already, or another process's run
                    parent.remove(el)
                    namespace_seen = False
                    continue
                batch.append((el, careful_all or namespace_seen))
                namespace_seen = False
                if len(batch) >= self.batch_size or (
                    share_count > 1 and ordinal % share_size == share_size - 1
                ):
                    yield from self._process(batch, line_offset, stray_lang_possible)
                    batch = []
            if batch:
                yield from self._process(batch, line_offset, stray_lang_possible)
        except etree.XMLSyntaxError as exc:
            raise syntax_error(self.name, exc, self.head) from None

    def _process(
        self, batch: list[tuple[etree._Element, bool]], line_offset: int, stray_lang: bool
    ) -> list[ActivityContent | RefusedActivity]:
        return process_batch(
            batch, self.reader, self.validator, self.strict, line_offset, stray_lang
        )
