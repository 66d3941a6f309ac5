"""Provision tags as IATI ``<tag>`` elements, both ways: what an export writes for each tag an
activity carries, and what an import reads back. No Django here: the importer's reader
processes read the tags of what they read.

A tag of cbcoord's provision catalogue is ``<tag vocabulary="99" vocabulary-uri=CATALOGUE_URI
code="TFA-10.4">`` (vocabulary 99: "reporting organisation's own"; the URI tells cbcoord's
codes apart from any other organisation's vocabulary 99). Its narrative is the provision's
title; a tag that is not (yet) confirmed says so at the end of it, with the rules'
confidence when there is one::

    <narrative xml:lang="en">Single window [cbcoord: suggested, confidence 0.87]</narrative>

A tag without that mark reads back as confirmed (a publisher who tags its own activities with
the catalogue's codes means them). Rejected tags are not written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

#: IATI TagVocabulary 99: a vocabulary of the reporting organisation's own.
CATALOGUE_VOCABULARY = "99"
#: Names cbcoord's provision catalogue (the instruments' provisions: TFA-7.4, RKC-GA-3.21, …)
#: as a tag vocabulary. A URN rather than a web address: it must stay the same across
#: installations and years, and no installation owns a domain for every other one.
CATALOGUE_URI = "urn:x-cbcoord:provision-catalogue"

SUGGESTED, CONFIRMED = "suggested", "confirmed"

_MARK = re.compile(
    r"\s*\[cbcoord:\s*(?P<status>suggested|confirmed)"
    r"(?:\s*,\s*confidence\s+(?P<confidence>[01](?:\.\d+)?))?\s*\]\s*$",
    re.IGNORECASE,
)


class ReadTag(NamedTuple):
    """A catalogue tag read from an activity's content."""

    code: str
    status: str  # SUGGESTED or CONFIRMED
    confidence: float | None


def is_catalogue_tag(tag: Mapping[str, Any]) -> bool:
    """Whether a ``tags`` entry of an activity's content is a tag of cbcoord's catalogue."""
    uri = (tag.get("vocabulary_uri") or "").strip().rstrip("/").lower()
    return (tag.get("vocabulary") or "").strip() == CATALOGUE_VOCABULARY and uri == CATALOGUE_URI


def read_tags(content: Mapping[str, Any]) -> list[ReadTag]:
    """The catalogue tags of an activity's content (``ParsedActivity.to_dict()``), each code
    once (the first), with the status and confidence their narrative gives."""
    found: dict[str, ReadTag] = {}
    for tag in content.get("tags") or ():
        if not isinstance(tag, Mapping) or not is_catalogue_tag(tag):
            continue
        code = (tag.get("code") or "").strip()
        if not code or code in found:
            continue
        status, confidence = CONFIRMED, None
        for text in (tag.get("narrative") or {}).values():
            mark = _MARK.search(text or "")
            if mark:
                status = mark["status"].lower()
                confidence = float(mark["confidence"]) if mark["confidence"] else None
                break
        found[code] = ReadTag(code, status, confidence)
    return list(found.values())


def narrative(title: str, status: str, confidence: float | None) -> str:
    """The narrative of an exported tag (see the module docstring)."""
    if status == CONFIRMED and confidence is None:
        return title
    mark = f"cbcoord: {status}"
    if confidence is not None:
        mark += f", confidence {confidence:.2f}"
    return f"{title} [{mark}]".strip()


def tag_dicts(tags: Iterable[tuple[str, str, str, float | None]]) -> list[dict[str, Any]]:
    """``tags`` entries of an activity's content for (code, title, status, confidence)."""
    return [
        {
            "code": code,
            "vocabulary": CATALOGUE_VOCABULARY,
            "vocabulary_uri": CATALOGUE_URI,
            "narrative": {"en": narrative(title, status, confidence)},
        }
        for code, title, status, confidence in tags
    ]
