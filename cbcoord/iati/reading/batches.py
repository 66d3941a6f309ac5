"""Batch validation: the activities of a batch validated against the 2.03 schema in one
libxml2 call, then read one by one.

``process_batch`` takes the activities the stream has parsed (still under the document root),
validates them together (``BatchValidator``), splits the schema issues by activity (paths made
activity-relative, lines past libxml2's 65,535 made true), and reads each with the
``ActivityReader``: carefully when it has issues or extension content, a refusal with ``strict``
when the schema rejects it. Then it frees the batch.
"""

from __future__ import annotations

import dataclasses
import re

from lxml import etree

from cbcoord.iati.reading.common import LIBXML2_MAX_LINE, sourceline, text_of
from cbcoord.iati.reading.reader import ActivityReader, Draft, Refuse
from cbcoord.iati.records import ActivityContent, DataQualityWarning, RefusedActivity
from cbcoord.iati.validation import SchemaIssue, activity_schema_document, issues_from_log

__all__ = ["BatchValidator", "indexed_steps", "process_batch"]


_RE_BATCH_PATH = re.compile(r"^/iati-activities/iati-activity(?:\[(\d+)\])?(/.*)?$")
_XPATH_STRAY_LANG = (
    "count(//@xml:lang[not(parent::narrative) and not(parent::iati-activity)"
    " and not(parent::iati-activities)])"
)


class BatchValidator:
    """Validates the activities under the document root in one libxml2 call (cheaper than one
    call per activity). The whole root is validated as it stands: ``iati-activities`` with the
    batch (plus, at most, activities the parser has already read ahead, whose errors are ignored
    here and found with the next batch). Each generator has its own compiled schema, so that
    imports running in several threads do not share an error log."""

    def __init__(self) -> None:
        self._schema = etree.XMLSchema(activity_schema_document())
        self._stray_lang = etree.XPath(_XPATH_STRAY_LANG)

    def validate(
        self, root: etree._Element, *, stray_lang_possible: bool = True
    ) -> tuple[list[SchemaIssue], bool]:
        """Schema issues under ``root``, and whether an ``xml:lang`` sits where the fast reading
        does not look (outside ``narrative`` and ``iati-activity``); that search (a fifth of the
        cost of validating) is left out when the caller knows there is none."""
        schema = self._schema
        issues = [] if schema.validate(root) else issues_from_log(schema.error_log)
        return issues, stray_lang_possible and bool(self._stray_lang(root))


# Elements that may repeat, by parent: libxml2 writes ``budget`` for a lone budget and
# ``budget[2]`` for the second of several; cbcoord always writes the index for these, as the
# codelist warnings and the extra-content paths do, so one element has one path.
_REPEATABLE: dict[str, frozenset[str]] = {
    "": frozenset(
        {
            "description",
            "participating-org",
            "other-identifier",
            "activity-date",
            "contact-info",
            "recipient-country",
            "recipient-region",
            "location",
            "sector",
            "tag",
            "humanitarian-scope",
            "policy-marker",
            "default-aid-type",
            "budget",
            "planned-disbursement",
            "transaction",
            "document-link",
            "related-activity",
            "legacy-data",
            "result",
        }
    ),
    "transaction": frozenset({"sector", "aid-type"}),
    "location": frozenset({"location-id", "administrative"}),
    "document-link": frozenset({"category", "language"}),
}
_RE_STEP = re.compile(r"^([^\[]+)(\[\d+\])?$")


def indexed_steps(rest: str) -> str:
    """``/budget/value`` -> ``/budget[1]/value`` (first two steps below iati-activity)."""
    if not rest:
        return rest
    steps = rest.lstrip("/").split("/")
    parent = ""
    for i, step in enumerate(steps[:2]):
        m = _RE_STEP.match(step)
        if m is None:
            break
        name = m.group(1)
        if m.group(2) is None and name in _REPEATABLE.get(parent, frozenset()):
            steps[i] = f"{name}[1]"
        parent = name
    return "/" + "/".join(steps)


def _split_issues(issues: list[SchemaIssue], size: int) -> dict[int, list[SchemaIssue]]:
    """Schema issues of the batch's activities (1-based index), paths made activity-relative."""
    by_index: dict[int, list[SchemaIssue]] = {}
    for issue in issues:
        m = _RE_BATCH_PATH.match("/" + issue.path)
        if m is None:
            continue  # the root element: its attributes are check_file's business
        index = int(m.group(1) or 1)
        if index > size:
            continue  # read ahead by the parser: validated again with the next batch
        rest = indexed_steps(m.group(2) or "")
        local = dataclasses.replace(issue, path="iati-activity" + rest)
        by_index.setdefault(index, []).append(local)
    return by_index


def _true_lines(el: etree._Element, issues: list[SchemaIssue]) -> list[SchemaIssue]:
    """libxml2 reports at most line 65535 in validation errors; find the real line of the
    element at fault from its path (lxml's ``sourceline`` is not capped)."""
    out: list[SchemaIssue] = []
    for issue in issues:
        if issue.line is not None and issue.line >= LIBXML2_MAX_LINE:
            relative = issue.path[len("iati-activity/") :] if "/" in issue.path else ""
            line = el.sourceline
            if relative:
                try:
                    found = el.xpath(relative)
                except etree.XPathError:
                    found = []
                if isinstance(found, list) and found and isinstance(found[0], etree._Element):
                    line = sourceline(found[0], el.sourceline)
            issue = dataclasses.replace(issue, line=line)
        out.append(issue)
    return out


def _schema_refusal(
    identifier: str | None, line: int | None, issues: list[SchemaIssue], line_offset: int = 0
) -> RefusedActivity:
    """The refusal of an activity for its schema errors; the reason names the first error's
    line as it will be once ``line_offset`` is added to the refusal's lines."""
    first = issues[0]
    where = f" (line {first.line + line_offset})" if first.line else ""
    more = f"; and {len(issues) - 1} more schema error(s)" if len(issues) > 1 else ""
    return RefusedActivity(
        identifier=identifier,
        line=first.line or line,
        element=first.path,
        reason=f"schema error in {first.path}{where}: {first.message.strip()}{more}",
    )


def _identifier_of(el: etree._Element) -> str | None:
    """The identifier of a refused activity, read as the reader reads it (a comment inside
    does not cut it short), so that it names the stored activity."""
    child = el.find("iati-identifier")
    if child is None:
        return None
    return (text_of(child) or "").strip() or None


def _refused(el: etree._Element, refusal: Refuse) -> RefusedActivity:
    return RefusedActivity(
        identifier=_identifier_of(el),
        line=refusal.line or el.sourceline,
        element=refusal.path,
        reason=refusal.reason,
    )


def process_batch(
    batch: list[tuple[etree._Element, bool]],
    reader: ActivityReader,
    validator: BatchValidator,
    strict: bool,
    line_offset: int = 0,
    stray_lang_possible: bool = True,
) -> list[ActivityContent | RefusedActivity]:
    """Validate and read a batch; ``line_offset`` is added to every line of the results (the
    batch was parsed from a piece of its file)."""
    root = batch[0][0].getparent()
    assert root is not None
    last = batch[-1][0]
    _remove_foreign(root, last)
    issues, stray_lang = validator.validate(root, stray_lang_possible=stray_lang_possible)
    by_index = _split_issues(issues, len(batch))

    results: list[ActivityContent | RefusedActivity] = []
    for i, (el, careful) in enumerate(batch, start=1):
        own = by_index.get(i)
        if own:
            own = _true_lines(el, own)
        if own and strict:
            results.append(_schema_refusal(_identifier_of(el), el.sourceline, own, line_offset))
            continue
        # The fast reading is exact for a valid activity without extension content; any other
        # is read carefully (keeping unmodelled attributes and elements as extra content).
        draft: Draft | RefusedActivity
        try:
            draft = reader.read(el, careful=careful or bool(own) or stray_lang)
        except Refuse as refusal:
            draft = _refused(el, refusal)
        if isinstance(draft, RefusedActivity):
            results.append(draft)
            continue
        activity = reader.finish(draft, el.sourceline or 0)
        if own:
            activity.warnings[:0] = [
                DataQualityWarning(issue.path, issue.line, issue.reason, issue.code, issue.params)
                for issue in own
            ]
        results.append(activity)

    _free(batch, root, last)
    if line_offset:
        for result in results:
            _move_lines(result, line_offset)
    return results


def _remove_foreign(root: etree._Element, last: etree._Element) -> None:
    """Another element between activities (a publisher's own) breaks the root's content model,
    and libxml2 then leaves the activities after it unvalidated: take such elements out first
    (only up to the batch's last activity: the parser may still be building what follows)."""
    foreign = []
    for child in root:
        if child is last:
            break
        if child.tag != "iati-activity" and type(child.tag) is str:
            foreign.append(child)
    for child in foreign:
        root.remove(child)


def _free(
    batch: list[tuple[etree._Element, bool]], root: etree._Element, last: etree._Element
) -> None:
    """Free the batch: empty the elements and drop everything up to the last one."""
    for el, _ in batch:
        el.clear(keep_tail=False)
    del root[: root.index(last) + 1]


def _move_lines(item: ActivityContent | RefusedActivity, offset: int) -> None:
    if isinstance(item, RefusedActivity):
        if item.line is not None:
            item.line += offset
        return
    item.source_line += offset
    for warning in item.warnings:
        if warning.line is not None:
            warning.line += offset
