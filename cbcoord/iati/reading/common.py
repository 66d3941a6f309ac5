"""What every stage of reading shares: the parser options, the names of things, line numbers."""

from __future__ import annotations

import os
import re
from typing import Any

from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: What the file check reads (and hashes) at a time.
CHUNK_SIZE = 1 << 20

#: The options of every parser that reads publishers' files: no entities, no DTD, no network,
#: libxml2's limits on depth and text size kept.
SAFE: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}

PathLike = str | os.PathLike[str]

# Encodings in which every "<" is the byte 0x3C and that byte is never part of another
# character: a file in one of them can be cut before any "<", and runs of bytes without "<"
# bound the length of a text.
CUTTABLE_ENCODING = re.compile(
    r"^(UTF-?8|US-ASCII|ASCII|ISO[-_]?8859-\d+|LATIN-?\d|(WINDOWS|CP)-?125\d)$"
)

LIBXML2_MAX_LINE = 65535


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def sourceline(el: etree._Element, activity_line: int | None) -> int | None:
    """``el.sourceline``, except that libxml2 cannot tell the line of an element past line
    65535 that has no text around it (minified files): then the activity's line, which lxml
    finds (from the text after it), is the best there is."""
    line: int | None = el.sourceline
    if line == LIBXML2_MAX_LINE and activity_line is not None and activity_line > line:
        return activity_line
    return line


def text_of(el: etree._Element) -> str | None:
    """Text content; comments or processing instructions inside do not cut it short."""
    text: str | None = "".join(el.itertext()) if len(el) else el.text
    return text
