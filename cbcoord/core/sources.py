"""A record's "source" as the pages show it: its web addresses as links, its words, and none
of the file paths the reference data were compiled from (``shared/reference/…``,
``…/members.csv``), which mean nothing to a reader and say where files lie. The admin keeps
the whole text for the secretariat.

A source is pieces separated by semicolons ("https://… (what it says) ; type: shared/…");
each piece keeps its words and addresses, less its paths; a piece left with nothing but a
label ("type:") or brackets goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_URL = re.compile(r"https?://[^\s;<>\"']+", re.IGNORECASE)
#: A path: a project folder (shared/, cbcoord/, tests/, var/, ../, /…) followed by more of
#: it, or anything with a slash that ends in a file's extension.
_PATH = re.compile(
    r"(?<![\w/.:-])(?:"
    r"(?:\.\.?/|/|~/)?(?:shared|cbcoord|tests|var|reference|work|tmp|home|srv|opt)/[^\s;,()]*"
    r"|(?:\.\.?/|/)[\w.-]+/[^\s;,()]*"
    r"|[\w.@-]+(?:/[\w.@-]+)+\.(?:txt|csv|tsv|xml|xsd|json|md|py|xlsx?|ods|pdf|html?|ya?ml)\b"
    r")",
    re.IGNORECASE,
)
#: What a piece may be left with once its paths are gone: a label, brackets, punctuation.
_EMPTY = re.compile(r"^[\s\w-]{0,12}:?[\s()\[\],.;:'\"-]*$")
_TRAILING = ".,)]'\""


@dataclass(frozen=True)
class SourcePart:
    """Words, or a web address (``url``) to link, with ``text`` the words shown for it."""

    text: str
    url: str = ""


def _url_end(url: str) -> str:
    """The address without the punctuation that closes the sentence around it; a closing
    bracket stays when the address opened one (Wikipedia's "…_(disambiguation)")."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _shown(url: str, limit: int = 60) -> str:
    text = url.split("://", 1)[-1].removeprefix("www.")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _words(text: str) -> str:
    # A remark in brackets around a path ("as cited in shared/…") goes with it.
    text = re.sub(r"\([^()]*\)", lambda group: "" if _PATH.search(group[0]) else group[0], text)
    if _PATH.search(text):
        # "… titles in shared/…": the path, and the word that led to it.
        text = _PATH.sub("", text)
        text = re.sub(r"\s+(?:in|from|at|of|see)\s*$", "", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"^[,:;]\s*|\s+([,;:.)])", r"\1", text).strip()


def _piece(text: str) -> list[SourcePart]:
    parts: list[SourcePart] = []
    position = 0
    for match in _URL.finditer(text):
        url = _url_end(match.group(0))
        before = _words(text[position : match.start()])
        if before:
            parts.append(SourcePart(before))
        parts.append(SourcePart(_shown(url), url))
        position = match.start() + len(url)
    rest = _words(text[position:])
    if rest:
        parts.append(SourcePart(rest))
    if not any(part.url for part in parts):
        if all(_EMPTY.match(part.text) for part in parts):
            return []
        # What was said of a path that is gone ("shared/… (co-organiser of the meeting)"):
        # the words, without their brackets.
        if len(parts) == 1 and _PATH.search(text):
            words = parts[0].text
            if words.startswith("(") and words.endswith(")") and words.count("(") == 1:
                return [SourcePart(words[1:-1].strip())]
    return parts


def source_parts(text: str | None) -> list[list[SourcePart]]:
    """The pieces of a source, each a list of words and links, without file paths."""
    if not text:
        return []
    pieces = []
    for raw in re.split(r"\s*;\s*(?![^()]*\))", text):
        parts = _piece(raw)
        if parts:
            pieces.append(parts)
    return pieces
