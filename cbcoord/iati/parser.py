"""Streaming, safe, tolerant reading of IATI 2.01-2.03 activity files.

``check_file(path)`` is the pre-pass over the whole file, run before anything is written: it
proves that the file is well-formed XML in its declared encoding, has no DOCTYPE, is an
``iati-activities`` file of a supported version, counts the activities and hashes the bytes; it
raises ``IatiFileError`` (one English sentence naming the file and, where known, the line)
otherwise. Counting, it parses exactly as ``iter_activities`` does (``iterparse``, clearing as
it goes); without counting (the importer's way) libxml2 parses without a tree, and the file is
parsed again with one when its bytes show something only a tree checks. Either way a file it
accepts cannot fail half-way through the import for a reason of XML.

``iter_activity_content(path)`` then streams each activity's content (``ActivityContent``: the
JSON-ready dict that is stored) or a ``RefusedActivity``, and ``iter_activities(path)`` the same as
``ParsedActivity`` dataclasses. Both read with
``lxml.etree.iterparse`` on ``iati-activity`` end events, clearing each batch of activities once
read, so memory stays flat whatever the file size. Every activity is validated against the 2.03
schema (a batch at a time, in one libxml2 call) and its codes against the codelists; deviations become ``DataQualityWarning``s (or, with
``strict=True``, schema errors refuse the activity). An activity is refused when it cannot be
read faithfully: no identifier, no usable reporting-org, or a number, date or boolean that does
not parse.

``plan_pieces(path)`` cuts a large file at activity start tags and ``iter_piece_content`` reads
chosen pieces on their own (each behind the file's prefix), exactly as the whole file reads, line
numbers included: the importer's reader processes share a file this way.

All parsing uses ``resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False``,
and any DOCTYPE is refused before the parser reaches its internal subset, so entity expansion
(billion laughs) and external entities (XXE) never happen.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from cbcoord.iati.records import (
    ACTIVITY_CHILD_POSITION,
    IDENTIFIER_MAX_LENGTH,
    ActivityContent,
    DataQualityWarning,
    FileInfo,
    IatiFileError,
    Narratives,
    ParsedActivity,
    Point,
    RefusedActivity,
    decimal_to_str,
)
from cbcoord.iati.validation import (
    CodelistChecker,
    SchemaIssue,
    activity_schema_document,
    codelist_checker,
    issues_from_log,
    safe_parser,
)

SUPPORTED_VERSIONS: tuple[str, ...] = ("2.01", "2.02", "2.03")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CHUNK_SIZE = 1 << 20

_SAFE: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}

PathLike = str | os.PathLike[str]

__all__ = [
    "SUPPORTED_VERSIONS",
    "FileInfo",
    "IatiFileError",
    "check_file",
    "iter_activities",
]


# =========================================================================== file level


class _DoctypeSeen(Exception):
    pass


class _RootSeen(Exception):
    def __init__(self, tag: str, attrib: dict[str, str], nsmap: dict[str | None, str]) -> None:
        super().__init__(tag)
        self.tag = tag
        self.attrib = attrib
        self.nsmap = nsmap


class _HeaderTarget:
    """Parser target that stops at the DOCTYPE (refused) or at the root start tag."""

    def doctype(self, name: str | None, pubid: str | None, system: str | None) -> None:
        raise _DoctypeSeen()

    def start(self, tag: str, attrib: dict[str, str], nsmap: dict[str | None, str]) -> None:
        raise _RootSeen(tag, dict(attrib), dict(nsmap))

    def close(self) -> None:
        return None


class _Header:
    __slots__ = (
        "attrib",
        "encoding",
        "generated_datetime",
        "language",
        "line",
        "nsmap",
        "root_tag",
        "version",
    )

    def __init__(
        self, root_tag: str, attrib: dict[str, str], nsmap: dict[str | None, str], encoding: str
    ) -> None:
        self.root_tag = root_tag
        self.attrib = attrib
        self.nsmap = nsmap
        self.encoding = encoding
        version = attrib.get("version")
        self.version = version.strip() if version is not None else None
        lang = attrib.get(XML_LANG)
        self.language = lang.strip().lower() if lang and lang.strip() else None
        self.generated_datetime = attrib.get("generated-datetime")
        self.line: int | None = None


_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "UTF-8"),
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe", "UTF-16LE"),
    (b"\xfe\xff", "UTF-16BE"),
)
_RE_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")


def _sniff_encoding(head: bytes) -> str:
    """The encoding as libxml2 will see it: BOM, else the XML declaration, else UTF-8."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if head.startswith(b"<\x00?\x00"):
        return "UTF-16LE"
    if head.startswith(b"\x00<\x00?"):
        return "UTF-16BE"
    m = _RE_DECL_ENCODING.match(head)
    if m:
        return m.group(1).decode("ascii").upper()
    return "UTF-8"


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (perhaps an Excel or Word file)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
)


def _what_is_it(head: bytes) -> str | None:
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"["):
        return "JSON"
    if stripped[:1] and stripped[:1] != b"<":
        return "text, not XML"
    return None


_RE_PROLOG_ONLY = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>)?\s*(?:<!--.*?-->\s*)*\Z", re.S
)


def _doctype_line(head: bytes) -> int | None:
    i = head.find(b"<!DOCTYPE")
    if i < 0:
        return None
    return head.count(b"\n", 0, i) + 1


def _syntax_error(name: str, exc: etree.XMLSyntaxError, head: bytes) -> IatiFileError:
    """Turn libxml2's complaint into one sentence naming the file and the line."""
    msg = str(exc.msg or exc)
    msg = re.sub(r", line \d+, column \d+$", "", msg).strip()
    line = exc.lineno if exc.lineno and exc.lineno > 0 else None
    entries = list(exc.error_log) if exc.error_log else []
    if entries and (line is None or msg == "no element found"):
        # iterparse raises a generic message; the cause is the last error of its log (the log
        # is per thread and can still hold errors of earlier documents: not the first one)
        errors = [e for e in entries if e.level_name in ("ERROR", "FATAL")] or entries
        cause = errors[-1]
        msg = cause.message.strip()
        line = cause.line if cause.line and cause.line > 0 else None
    at = f" at line {line}" if line else ""
    if msg.startswith("Document is empty") or (
        msg.startswith("Start tag expected") and _RE_PROLOG_ONLY.match(head)
    ):
        return IatiFileError(f"{name} is empty: it contains no XML element.", line=line)
    if msg.startswith("Start tag expected") and line == 1:
        if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
            return IatiFileError(
                f"{name} is encoded in UTF-32, which the importer does not read: "
                "save it as UTF-8 (or UTF-16) and import it again.",
                line=line,
            )
        what = _what_is_it(head)
        suffix = f"; it looks like {what}" if what else ""
        return IatiFileError(f"{name} is not an XML file{suffix}.", line=line)
    encoding_hints = (
        "Input is not proper UTF-8",
        "Invalid bytes in character encoding",
        "input conversion failed",
        "Document labelled",
        "Unsupported encoding",
        "Char 0x",
        "invalid character in attribute value",
        "Unknown encoding",
    )
    if any(hint.lower() in msg.lower() for hint in encoding_hints):
        declared = _sniff_encoding(head)
        return IatiFileError(
            f"{name}: the bytes{at} do not match the encoding the file declares ({declared}) "
            f"({msg.splitlines()[0]}).",
            line=line,
        )
    if "Premature end of data" in msg or "EndTag: '</' not found" in msg or "Extra content" in msg:
        if "Extra content" in msg:
            return IatiFileError(
                f"{name} is not well-formed XML: there is content after the end of the root "
                f"element{at}.",
                line=line,
            )
        return IatiFileError(
            f"{name} is truncated or not well-formed XML: it ends before its elements are "
            f"closed{at} ({msg.splitlines()[0]}).",
            line=line,
        )
    if "entity reference loop" in msg or "amplification" in msg:
        return IatiFileError(
            f"{name} uses XML entities{at}, which IATI files never do; refused ({msg}).",
            line=line,
        )
    return IatiFileError(f"{name} is not well-formed XML{at}: {msg.splitlines()[0]}.", line=line)


def _probe_header(path: PathLike, *, check_root: bool = True) -> tuple[_Header, bytes]:
    """Read just enough to see the root start tag; refuse a DOCTYPE, and unless ``check_root``
    is false, a wrong root element or version."""
    name = Path(path).name
    parser = etree.XMLParser(target=_HeaderTarget(), **_SAFE)
    head = b""
    header: _Header | None = None
    try:
        with open(path, "rb") as f:
            chunk = f.read(64 * 1024)
            head = chunk
            if not chunk:
                raise IatiFileError(f"{name} is empty (0 bytes).")
            if not chunk.strip():
                raise IatiFileError(f"{name} is empty: it contains only white space.")
            while chunk:
                parser.feed(chunk)
                chunk = f.read(64 * 1024)
            parser.close()
    except _RootSeen as seen:
        header = _Header(seen.tag, seen.attrib, seen.nsmap, _sniff_encoding(head))
        start = head.find(b"<" + _local(seen.tag).encode("utf-8"))
        if start >= 0:
            header.line = head.count(b"\n", 0, start) + 1
    except _DoctypeSeen:
        line = _doctype_line(head)
        at = f" at line {line}" if line else ""
        raise IatiFileError(
            f"{name} contains a DOCTYPE declaration{at}; IATI files never have one, and "
            "cbcoord refuses them so that no entity is ever expanded or fetched.",
            line=line,
        ) from None
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(name, exc, head) from None
    if header is None:
        raise IatiFileError(f"{name} is empty: it contains no XML element.")
    if check_root:
        _check_root(name, header)
    return header, head


def _check_root(name: str, header: _Header) -> None:
    tag = header.root_tag
    if tag == "iati-organisations":
        raise IatiFileError(
            f"{name}: this is an IATI organisation file, not an activity file "
            "(its root element is <iati-organisations>)."
        )
    if tag != "iati-activities":
        if _local(tag) == "iati-activities":  # the right name in a namespace: say which
            namespace = tag[1:].split("}", 1)[0]
            raise IatiFileError(
                f"{name} is not an IATI activity file: its root element <iati-activities> is "
                f"in the namespace {namespace}; IATI elements are in no namespace."
            )
        raise IatiFileError(
            f"{name} is not an IATI activity file: its root element is <{_local(tag)}>, "
            "not <iati-activities>."
        )
    version = header.version
    if version is None:
        return  # decided from the structure: see _require_2x_structure
    if version not in SUPPORTED_VERSIONS:
        shown = version if version else "(empty)"
        raise IatiFileError(
            f"{name}: IATI version {shown} is not supported; cbcoord imports activity files "
            "of version 2.01, 2.02 and 2.03."
        )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _is_1x_activity(activity: etree._Element) -> bool:
    """True when the activity has the 1.x shape: text directly in title/description/org names,
    and no ``narrative`` element anywhere."""
    for _ in activity.iter("narrative"):
        return False
    for tag in ("title", "description", "reporting-org", "participating-org"):
        for el in activity.iterfind(tag):
            if el.text and el.text.strip():
                return True
    return False


def _refuse_1x(name: str, line: int | None) -> IatiFileError:
    at = f" (first activity at line {line})" if line else ""
    return IatiFileError(
        f"{name} has no version attribute and the 1.x structure of IATI (text directly in "
        f"title and names, no narrative elements){at}; IATI 1.x is not supported: cbcoord "
        "imports activity files of version 2.01, 2.02 and 2.03.",
        line=line,
    )


# Without a tree libxml2 checks less than with one. What it then leaves out, and how the bytes
# show that a file may need it (``_HashingReader.needs_tree``):
# - a text node over 10,000,000 bytes (UTF-8): text holds no "<", and no encoding needs more
#   than three UTF-8 bytes for one of its bytes, so a run of bytes without "<" a third as long
#   is needed, unless CDATA sections (merged into the text) or an encoding in which 0x3C can be
#   part of another character (UTF-16, UTF-32) break the runs;
# - xml:id values (the syntax of an ID, and the same ID twice).
_TEXT_RUN_LIMIT = 10_000_000 // 3
_TREE_ONLY_MARKERS = (b"xml:id", b"<![CDATA[")


class _HashingReader:
    """File wrapper for the parser that hashes and counts the bytes it hands over, and notes
    what in them only a tree-building parse can check (see ``needs_tree``)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0
        self.longest_run = 0
        self._run = 0  # bytes without "<" at the end of what was read so far
        self.markers_seen = False
        self._tail = b""  # the end of the last read, for a marker cut in two

    def read(self, size: int = -1) -> bytes:
        # lxml asks for 4,000 bytes at a time but keeps what it is given beyond that: reading
        # at least CHUNK_SIZE saves a Python call per 4,000 bytes (a tenth of the check).
        data = self._raw.read(size if size < 0 else max(size, CHUNK_SIZE))
        self.digest.update(data)
        self.size += len(data)
        first = data.find(b"<")
        if first < 0:
            self._run += len(data)
        else:
            inner = max(map(len, data.split(b"<"))) if len(data) > _TEXT_RUN_LIMIT else 0
            self.longest_run = max(self.longest_run, self._run + first, inner)
            self._run = len(data) - data.rfind(b"<") - 1
        self.longest_run = max(self.longest_run, self._run)
        if not self.markers_seen and data:
            joint = self._tail + data[:16]
            self.markers_seen = any(m in data or m in joint for m in _TREE_ONLY_MARKERS)
            self._tail = data[-16:]
        return data

    def needs_tree(self, encoding: str) -> bool:
        """Whether the bytes read may hold what only a tree-building parse refuses."""
        return (
            self.markers_seen
            or self.longest_run > _TEXT_RUN_LIMIT
            or not _RE_CUTTABLE_ENCODING.match(encoding)
        )


def _parse_generated(raw: str | None) -> tuple[dt.datetime | None, str | None]:
    if raw is None:
        return None, None
    try:
        value, note = _parse_datetime(raw)
    except ValueError:
        return None, f"generated-datetime '{raw}' is not a date-time (or is out of range); ignored"
    return value, note


_MINIMAL_ACTIVITY = (
    b"<iati-activity><iati-identifier>XX-1</iati-identifier>"
    b'<reporting-org ref="XX" type="10"><narrative>x</narrative></reporting-org>'
    b"<title><narrative>x</narrative></title><description><narrative>x</narrative></description>"
    b'<participating-org role="1"/><activity-status code="2"/>'
    b'<activity-date type="1" iso-date="2020-01-01"/></iati-activity>'
)


def _root_issues(header: _Header) -> list[SchemaIssue]:
    """Schema issues of the root element's attributes: the root is rebuilt with its attributes
    around a minimal valid activity and validated (the activities are validated one batch at a
    time by ``iter_activities``, which never sees the root's attributes)."""
    root = etree.Element("iati-activities", nsmap=header.nsmap)
    for key, value in header.attrib.items():
        root.set(key, value)
    root.append(etree.fromstring(_MINIMAL_ACTIVITY, safe_parser()))
    schema = etree.XMLSchema(activity_schema_document())
    if schema.validate(root):
        return []
    return [
        SchemaIssue(i.path, header.line, i.message, i.reason)
        for i in issues_from_log(schema.error_log)
        if i.path == "iati-activities"
    ]


class _NoCallbacks:
    """A parser target without ``start``, ``end`` or ``data``: libxml2 parses on its own."""

    def close(self) -> None:
        return None


def _prove_well_formed(source: _HashingReader, name: str, head: bytes) -> None:
    """Parse ``source`` to its end without building anything; raise what libxml2 objects to.

    A target parser raises only on fatal errors; building a tree, lxml also refuses a document
    with any other error (an undefined namespace prefix, ``xml`` bound to another URI). Those
    are in the parser's log, so the same documents are refused either way. libxml2 enforces its
    depth and text-size limits in the parser itself, with or without a tree (but not when fed
    with ``feed()``: libxml2's push mode does not count depth without a tree).
    """
    parser = etree.XMLParser(target=_NoCallbacks(), **_SAFE)
    try:
        etree.parse(source, parser)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(name, exc, head) from None
    for entry in parser.error_log:
        if entry.level >= etree.ErrorLevels.ERROR:
            line = entry.line if entry.line > 0 else 0
            logged = etree.XMLSyntaxError(entry.message.strip(), entry.type, line, entry.column)
            raise _syntax_error(name, logged, head) from None


def _count_activities(
    source: _HashingReader, name: str, head: bytes
) -> tuple[int, bool | None, int | None]:
    """Parse ``source`` to its end as ``iter_activities`` does (building and clearing the tree);
    return the number of activities, whether the first has the 1.x shape, and its line."""
    count = 0
    first_is_1x: bool | None = None
    first_line: int | None = None
    context = etree.iterparse(source, events=("end",), tag="iati-activity", **_SAFE)
    try:
        for _, el in context:
            parent = el.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # nested in something else: not an activity of this file
            count += 1
            if first_is_1x is None:
                first_is_1x, first_line = _is_1x_activity(el), el.sourceline
            el.clear(keep_tail=False)
            while el.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(name, exc, head) from None
    return count, first_is_1x, first_line


def _first_activity_shape(path: PathLike) -> tuple[bool | None, int | None]:
    """Whether the first activity of a well-formed file has the 1.x shape, and its line; reads
    no further than that activity."""
    with open(path, "rb") as f:
        for _, el in etree.iterparse(f, events=("end",), tag="iati-activity", **_SAFE):
            parent = el.getparent()
            if parent is not None and parent.getparent() is None:
                return _is_1x_activity(el), el.sourceline
    return None, None


def check_file(path: PathLike, *, strict: bool = False, count_activities: bool = True) -> FileInfo:
    """Prove that ``path`` is a well-formed IATI 2.01-2.03 activity file, without keeping any of
    it; hash it and (unless ``count_activities`` is false) count its activities. Raises
    ``IatiFileError`` with a sentence for the user.

    Schema deviations of the root element's attributes are warnings in ``FileInfo.warnings``, or,
    with ``strict=True``, raise ``IatiFileError``.

    Without counting, libxml2 parses the file without calling back into Python or building a
    tree: a quarter of the time, and as strict (see ``_prove_well_formed``); a file whose bytes
    show something only a tree checks is then parsed again with one. The importer needs no
    count, for its readers count what they read.
    """
    name = Path(path).name
    header, head = _probe_header(path, check_root=False)  # DOCTYPE: refused before parsing on
    count: int | None = None
    first_is_1x: bool | None = None
    first_line: int | None = None
    with open(path, "rb") as raw:
        reader = _HashingReader(raw)
        if count_activities:
            count, first_is_1x, first_line = _count_activities(reader, name, head)
        else:
            _prove_well_formed(reader, name, head)
        while reader.read(CHUNK_SIZE):  # hash whatever the parser did not need to read
            pass
    if not count_activities and reader.needs_tree(header.encoding):
        with open(path, "rb") as raw:  # perhaps what only a tree shows: build one
            _count_activities(_HashingReader(raw), name, head)
    if not count_activities and header.version is None:
        first_is_1x, first_line = _first_activity_shape(path)
    size, sha256 = reader.size, reader.digest.hexdigest()
    _check_root(name, header)  # after the well-formedness pass: a broken file says where

    warnings: list[DataQualityWarning] = []
    if header.version is None and first_is_1x:
        raise _refuse_1x(name, first_line)
    root_issues = _root_issues(header)
    if strict and root_issues:
        first = root_issues[0]
        raise IatiFileError(
            f"{name}: schema error in the root element iati-activities: {first.reason}.",
            line=first.line,
        )
    for issue in root_issues:
        if header.version is None and "'version'" in issue.reason:
            continue  # said below, in the words the import shows
        warnings.append(DataQualityWarning("iati-activities", issue.line, issue.reason))
    if header.version is None:
        warnings.append(
            DataQualityWarning("iati-activities", header.line, "no version attribute, read as 2.03")
        )
    generated, note = _parse_generated(header.generated_datetime)
    if note:
        warnings.append(
            DataQualityWarning("iati-activities/@generated-datetime", header.line, note)
        )
    if count == 0:
        warnings.append(
            DataQualityWarning("iati-activities", header.line, "the file has no iati-activity")
        )
    return FileInfo(
        path=str(path),
        root_tag=header.root_tag,
        version=header.version,
        generated_datetime=generated,
        default_language=header.language,
        encoding=header.encoding,
        activity_count=count,
        byte_size=size,
        sha256=sha256,
        warnings=warnings,
    )


# =========================================================================== values

_RE_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
_RE_INT = re.compile(r"[+-]?[0-9]+\Z")
_RE_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?\Z")
_RE_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)
_BOOLEANS = {"1": True, "true": True, "0": False, "false": False}


def _parse_tz(raw: str | None) -> dt.tzinfo | None:
    if raw is None:
        return None
    if raw == "Z":
        return dt.UTC
    sign = 1 if raw[0] == "+" else -1
    hours, minutes = int(raw[1:3]), int(raw[4:6])
    if hours > 14 or minutes > 59:
        raise ValueError(raw)
    offset = dt.timedelta(hours=hours, minutes=minutes) * sign
    return dt.UTC if not offset else dt.timezone(offset)


def _parse_datetime(raw: str) -> tuple[dt.datetime, str | None]:
    """An aware datetime, and a note when something had to be assumed. ValueError if unusable."""
    s = raw.strip()
    m = _RE_DATETIME.match(s)
    if not m:
        raise ValueError(raw)
    year, month, day, hh, mm, ss, frac, tz = m.groups()
    tzinfo = _parse_tz(tz)
    note = None
    if hh is None:
        note = f"'{raw}' has no time of day; read as midnight"
        hour = minute = second = 0
    else:
        hour, minute, second = int(hh), int(mm), int(ss)
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    if tzinfo is None:
        tzinfo = dt.UTC
        note = (note + ", UTC") if note else f"'{raw}' has no time zone; read as UTC"
    value = dt.datetime(int(year), int(month), int(day), hour, minute, second, micro, tzinfo=tzinfo)
    try:
        value.astimezone(dt.UTC)  # what the database stores: 9999-12-31T23:00-05:00 is not one
    except OverflowError:
        raise ValueError(raw) from None
    return value, note


# =========================================================================== activity level


class _Refuse(Exception):
    def __init__(self, path: str, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.line = line
        self.reason = reason


def _full(path: str) -> str:
    return f"iati-activity/{path}" if path else "iati-activity"


def _last_name(rel: str) -> str:
    return rel.rsplit("/", 1)[-1].lstrip("@")


# Attributes each modelled element may carry (anything else goes to extra_content).
_K_ACTIVITY = frozenset(
    {
        XML_LANG,
        "default-currency",
        "last-updated-datetime",
        "humanitarian",
        "hierarchy",
        "linked-data-uri",
        "budget-not-provided",
    }
)
_K_NONE: frozenset[str] = frozenset()
_K_CODE = frozenset({"code"})
_K_CODE_VOCAB = frozenset({"code", "vocabulary"})
_K_TYPE = frozenset({"type"})
_K_ISO = frozenset({"iso-date"})
_K_LANG = frozenset({XML_LANG})
_K_REPORTING = frozenset({"ref", "type", "secondary-reporter"})
_K_PARTICIPATING = frozenset({"ref", "type", "role", "activity-id", "crs-channel-code"})
_K_ACTIVITY_DATE = frozenset({"type", "iso-date"})
_K_COUNTRY = frozenset({"code", "percentage"})
_K_REGION = frozenset({"code", "vocabulary", "vocabulary-uri", "percentage"})
_K_TAG = frozenset({"code", "vocabulary", "vocabulary-uri"})
_K_POLICY = frozenset({"code", "vocabulary", "vocabulary-uri", "significance"})
_K_BUDGET = frozenset({"type", "status"})
_K_VALUE = frozenset({"currency", "value-date"})
_K_TRANSACTION = frozenset({"ref", "humanitarian"})
_K_PROVIDER = frozenset({"ref", "type", "provider-activity-id"})
_K_RECEIVER = frozenset({"ref", "type", "receiver-activity-id"})
_K_LOCATION = frozenset({"ref"})
_K_ADMIN = frozenset({"code", "vocabulary", "level"})
_K_POINT = frozenset({"srsName"})
_K_DOCLINK = frozenset({"url", "format"})
_K_RELATED = frozenset({"ref", "type"})

# Children of iati-activity that are only a @code, read into the field of the same name.
_CODE_ONLY = (
    "activity-status",
    "activity-scope",
    "collaboration-type",
    "default-flow-type",
    "default-finance-type",
    "default-tied-status",
)
_CODE_ONLY_KEYS = {tag: f"{tag}/@code" for tag in _CODE_ONLY}
# Children of iati-activity that the model holds at most once.
_SINGLETONS = frozenset({"iati-identifier", "reporting-org", "title", *_CODE_ONLY})
_TRANSACTION_SINGLETONS = frozenset(
    {
        "transaction-type",
        "transaction-date",
        "value",
        "description",
        "provider-org",
        "receiver-org",
        "disbursement-channel",
        "recipient-country",
        "recipient-region",
        "flow-type",
        "finance-type",
        "tied-status",
    }
)
_TRANSACTION_LISTS = frozenset({"sector", "aid-type"})
_TRANSACTION_CODE_KEYS = {
    tag: f"transaction/{tag}/@code"
    for tag in ("disbursement-channel", "flow-type", "finance-type", "tied-status")
}
_LOCATION_CODE_KEYS = {
    tag: f"location/{tag}/@code"
    for tag in ("location-reach", "exactness", "location-class", "feature-designation")
}
_LOCATION_CODE_FIELDS = {
    "location-reach": "location_reach",
    "exactness": "exactness",
    "location-class": "location_class",
    "feature-designation": "feature_designation",
}
_LOCATION_SINGLETONS = frozenset(
    {
        "location-reach",
        "name",
        "description",
        "activity-description",
        "point",
        "exactness",
        "location-class",
        "feature-designation",
    }
)
_LOCATION_LISTS = frozenset({"location-id", "administrative"})
_BUDGET_SINGLETONS = frozenset({"period-start", "period-end", "value"})
_DOCLINK_SINGLETONS = frozenset({"title", "description", "document-date"})
_DOCLINK_LISTS = frozenset({"category", "language"})
#: The children read at most once, by parent ("" is iati-activity): a later copy is kept aside
#: (other elements, extra content), so the writer must write the first even if it was empty.
SINGLE_CHILDREN: dict[str, frozenset[str]] = {
    "": _SINGLETONS,
    "transaction": _TRANSACTION_SINGLETONS,
    "location": _LOCATION_SINGLETONS,
    "budget": _BUDGET_SINGLETONS,
    "document-link": _DOCLINK_SINGLETONS,
}

_UNSET: Any = object()
# "@code" and "@vocabulary" codelist keys of the elements read by ``_coded`` and ``_aid_type``.
_CODE_KEYS = {
    key: (f"{key}/@code", f"{key}/@vocabulary")
    for key in (
        "sector",
        "recipient-region",
        "transaction/sector",
        "transaction/recipient-region",
        "default-aid-type",
        "transaction/aid-type",
    )
}
_fromisoformat = dt.date.fromisoformat
# Dates repeat a great deal within a file (budget periods, transaction dates): valid ones are
# remembered, up to a bound, as their ISO text.
_DATES: dict[str, str] = {}
_DATETIMES: dict[str, tuple[str, str | None]] = {}  # ISO text, and the note to warn with
_DATES_MAX = 20_000


def _remember_date(raw: str, iso: str) -> str:
    if len(_DATES) < _DATES_MAX:
        _DATES[raw] = iso
    return iso


def _text_of(el: etree._Element) -> str | None:
    """Text content; comments or processing instructions inside do not cut it short."""
    text: str | None = "".join(el.itertext()) if len(el) else el.text
    return text


def _own_text(el: etree._Element) -> str:
    """The text of ``el`` itself, without that of its child elements: for elements whose
    child elements are kept aside as extra content (and written back), so that their text is
    not counted twice. Comments and processing instructions do not cut it short."""
    return (el.text or "") + "".join(child.tail or "" for child in el)


def _schema_position(el: etree._Element) -> int:
    return ACTIVITY_CHILD_POSITION.get(el.tag, len(ACTIVITY_CHILD_POSITION))


Content = dict[str, Any]


def _new_content(language: str | None) -> Content:
    """An activity's content before its children are read (``ParsedActivity``'s defaults)."""
    return {
        "iati_identifier": "",
        "reporting_org": {"ref": None, "type": None, "name": {}, "secondary_reporter": None},
        "default_language": language,
        "default_currency": None,
        "last_updated_datetime": None,
        "hierarchy": None,
        "humanitarian": None,
        "linked_data_uri": None,
        "budget_not_provided": None,
        "title": {},
        "descriptions": [],
        "participating_orgs": [],
        "activity_status": None,
        "activity_dates": [],
        "activity_scope": None,
        "recipient_countries": [],
        "recipient_regions": [],
        "locations": [],
        "sectors": [],
        "tags": [],
        "policy_markers": [],
        "collaboration_type": None,
        "default_flow_type": None,
        "default_finance_type": None,
        "default_aid_types": [],
        "default_tied_status": None,
        "budgets": [],
        "transactions": [],
        "document_links": [],
        "related_activities": [],
        "other_elements": [],
        "extra_content": [],
    }


def _extra_content(path: str) -> Content:
    return {"path": path, "attributes": {}, "elements": []}


class _Draft:
    """What ``read()`` produced for one activity, before its elements are serialised."""

    __slots__ = ("activity", "extras", "others", "pending", "warnings")

    def __init__(
        self,
        activity: Content,
        extras: dict[str, Content],
        others: list[etree._Element],
        pending: list[tuple[str, etree._Element]],
        warnings: list[DataQualityWarning],
    ) -> None:
        self.activity = activity
        self.extras = extras
        self.others = others
        self.pending = pending
        self.warnings = warnings


class _ActivityReader:
    """Reads one ``iati-activity`` element into its content: a dict shaped exactly like
    ``ParsedActivity.content_dict()`` (decimals and dates as their canonical strings), built
    without the dataclasses because the importer stores JSON. One instance per file.

    Two modes. The fast mode reads what the model holds and nothing else; it is exact for an
    activity that is schema-valid and has no extension content (no namespaced attribute or
    element inside a modelled element, no ``xml:lang`` outside ``narrative``). The careful mode
    also keeps every unmodelled attribute and child element (``extra_content``) and surplus
    occurrences of single elements; the caller uses it for every other activity.
    """

    def __init__(self, *, file_language: str | None, checker: CodelistChecker | None) -> None:
        self.file_language = file_language
        self.checker = checker
        self._allowed: dict[tuple[str, str | None], frozenset[str] | None] = {}
        self._allowed1: dict[str, frozenset[str] | None] = {}
        self._langs: dict[str, tuple[str, str | None]] = {}
        self._activity_langs: dict[str, str | None] = {}
        self._handlers: dict[str, Callable[[etree._Element, Content], None]] = {
            "iati-identifier": self._identifier,
            "reporting-org": self._reporting_org,
            "title": self._title,
            "description": self._description,
            "participating-org": self._participating_org,
            "activity-date": self._activity_date,
            "recipient-country": self._recipient_country,
            "recipient-region": self._recipient_region,
            "location": self._location,
            "sector": self._sector,
            "tag": self._tag,
            "policy-marker": self._policy_marker,
            "default-aid-type": self._default_aid_type,
            "budget": self._budget,
            "transaction": self._transaction,
            "document-link": self._document_link,
            "related-activity": self._related_activity,
        }
        for tag in _CODE_ONLY:
            self._handlers[tag] = functools.partial(self._code_field, tag, tag.replace("-", "_"))
        # the codes accepted without a word, for the most frequent keys (None: not checked)
        self._ok_transaction_type = self._allowed_codes("transaction/transaction-type/@code")
        self._ok_budget_type = self._allowed_codes("budget/@type")
        self._ok_budget_status = self._allowed_codes("budget/@status")
        self._ok_date_type = self._allowed_codes("activity-date/@type")
        self._ok_currency = {
            key: self._allowed_codes(key)
            for key in ("budget/value/@currency", "transaction/value/@currency")
        }
        self.careful = False
        self.lang = ""
        self.activity_line: int | None = None
        self.warnings: list[DataQualityWarning] = []
        self.extras: dict[str, Content] = {}
        self.pending: list[tuple[str, etree._Element]] = []
        self.others: list[etree._Element] = []

    # ------------------------------------------------------------------ entry points

    def read(self, el: etree._Element, *, careful: bool) -> _Draft:
        """Extract the model (raises ``_Refuse``). Elements to keep verbatim are only noted
        here; ``finish()`` serialises them once no other thread reads the tree."""
        self.careful = careful
        self.warnings = []
        self.extras = {}
        self.pending = []
        self.others = []
        get = el.get
        own_lang = get(XML_LANG)
        lang = own_lang.strip().lower() if own_lang and own_lang.strip() else self.file_language
        self.lang = lang or ""
        line = self.activity_line = el.sourceline
        activity = _new_content(lang)
        self._check_attributes(el, "", _K_ACTIVITY)
        if lang:
            reason = self._activity_langs.get(lang, _UNSET)
            if reason is _UNSET:
                reason = self._activity_langs[lang] = self._language_reason(lang)
            if reason is not None:
                self._warn("", el, reason)
        currency = get("default-currency")
        activity["default_currency"] = currency
        if currency is not None:
            self._code("@default-currency", currency, None, el, "")
        raw = get("last-updated-datetime")
        if raw is not None:
            known = _DATETIMES.get(raw)
            if known is None:
                try:
                    value, note = _parse_datetime(raw)
                except ValueError:
                    raise _Refuse(
                        "iati-activity/@last-updated-datetime",
                        line,
                        f"last-updated-datetime '{raw}' is not a date-time (or is out of range)",
                    ) from None
                known = (value.isoformat(), note)
                if len(_DATETIMES) < _DATES_MAX:
                    _DATETIMES[raw] = known
            activity["last_updated_datetime"], note = known
            if note:
                self._warn("", el, f"last-updated-datetime {note}")
        raw = get("hierarchy")
        if raw is not None:
            activity["hierarchy"] = self._int(raw, el, "", "@hierarchy")
        raw = get("humanitarian")
        if raw is not None:
            activity["humanitarian"] = self._bool(raw, el, "", "@humanitarian")
        activity["linked_data_uri"] = get("linked-data-uri")
        raw = get("budget-not-provided")
        activity["budget_not_provided"] = raw
        if raw is not None:
            self._code("@budget-not-provided", raw, None, el, "")

        seen: set[str] = set()
        handlers = self._handlers
        for child in el:
            tag = child.tag
            handler = handlers.get(tag)  # comments have a function as tag: no handler
            if handler is None:
                if type(tag) is str:
                    self.others.append(child)
                continue
            if tag in _SINGLETONS:
                if tag in seen:
                    self.others.append(child)
                    continue
                seen.add(tag)
            handler(child, activity)

        if not activity["iati_identifier"]:
            reason = (
                "iati-identifier is empty"
                if "iati-identifier" in seen
                else "the activity has no iati-identifier"
            )
            raise _Refuse("iati-activity/iati-identifier", line, reason)
        if len(activity["iati_identifier"]) > IDENTIFIER_MAX_LENGTH:
            raise _Refuse(
                "iati-activity/iati-identifier",
                line,
                f"iati-identifier is {len(activity['iati_identifier'])} characters long; "
                f"at most {IDENTIFIER_MAX_LENGTH} are stored",
            )
        if "reporting-org" not in seen:
            raise _Refuse("iati-activity/reporting-org", line, "the activity has no reporting-org")
        org = activity["reporting_org"]
        if not (org["ref"] and org["ref"].strip()) and not any(org["name"].values()):
            raise _Refuse(
                "iati-activity/reporting-org", line, "reporting-org has neither a ref nor a name"
            )
        return _Draft(activity, self.extras, self.others, self.pending, self.warnings)

    @staticmethod
    def finish(draft: _Draft, line: int) -> ActivityContent:
        """Serialise the kept elements. Call only when no other thread reads the tree."""
        activity = draft.activity
        if draft.others:
            # In schema order (a stable sort: document order among equals, unknown elements
            # last), which is where the writer puts them back: read again, they come in the
            # same order, so an export reads back as the same content.
            others = sorted(draft.others, key=_schema_position)
            activity["other_elements"] = [
                {"tag": str(child.tag), "xml": _canonical(child)} for child in others
            ]
        extras = draft.extras
        for path, child in draft.pending:
            extra = extras.get(path)
            if extra is None:
                extra = extras[path] = _extra_content(path)
            extra["elements"].append(_canonical(child))
        if extras:
            # By path: the writer puts each back where it belongs, so the order they were met
            # in is not what is read again.
            activity["extra_content"] = [extras[path] for path in sorted(extras)]
        return ActivityContent(activity, line, draft.warnings)

    # ------------------------------------------------------------------ helpers

    def _warn(self, path: str, el: etree._Element, reason: str) -> None:
        line = _sourceline(el, self.activity_line)
        self.warnings.append(DataQualityWarning(_full(path), line, reason))

    def _extra(self, path: str) -> Content:
        extra = self.extras.get(path)
        if extra is None:
            extra = self.extras[path] = _extra_content(path)
        return extra

    def _check_attributes(self, el: etree._Element, path: str, known: frozenset[str]) -> None:
        keys = el.keys()
        if keys and not known.issuperset(keys):
            attributes = self._extra(path)["attributes"]
            for key in keys:
                if key not in known:
                    attributes[str(key)] = el.get(key) or ""

    def _kept_aside(
        self,
        child: etree._Element,
        tag: Any,
        path: str,
        seen: set[str],
        singles: frozenset[str],
        lists: frozenset[str] = frozenset(),
    ) -> bool:
        """Careful mode: whether ``child`` is not read into a field. Comments are skipped;
        unknown elements and second occurrences of single ones are kept as extra content."""
        if type(tag) is not str:
            return True
        if tag in lists:
            return False
        if tag in seen or tag not in singles:
            self.pending.append((path, child))
            return True
        seen.add(tag)
        return False

    def _leaf(self, el: etree._Element, path: str, known: frozenset[str]) -> None:
        """Careful mode, for elements without modelled children: keep what has no field."""
        self._check_attributes(el, path, known)
        if len(el):
            for child in el:
                if type(child.tag) is str:
                    self.pending.append((path, child))

    def _code(
        self,
        key: str,
        code: str,
        vocabulary: str | None,
        el: etree._Element,
        path: str,
        child: str | None = None,
    ) -> None:
        """Warn when ``code`` is not an active code of the codelist that applies to ``key``."""
        if vocabulary is None:
            allowed = self._allowed1.get(key, _UNSET)
            if allowed is _UNSET:
                checker = self.checker
                allowed = self._allowed1[key] = (
                    checker.allowed(key, None) if checker is not None else None
                )
        else:
            allowed = self._allowed.get((key, vocabulary), _UNSET)
            if allowed is _UNSET:
                checker = self.checker
                allowed = self._allowed[(key, vocabulary)] = (
                    checker.allowed(key, vocabulary) if checker is not None else None
                )
        if allowed is None or code in allowed:
            return
        assert self.checker is not None
        reason = self.checker.check(key, code, vocabulary)
        if reason is not None:
            self._warn(f"{path}/{child}" if child else path, el, reason)

    def _code_and_vocabulary(
        self, key: str, code: str | None, vocabulary: str | None, el: etree._Element, path: str
    ) -> None:
        """``_code`` for ``key``'s @code (under ``vocabulary``) and @vocabulary, answered from
        the caches without a call in the usual case: codes on their lists."""
        code_key, vocabulary_key = _CODE_KEYS[key]
        if code is not None:
            ok = (
                self._allowed1.get(code_key, _UNSET)  # where _code keeps the vocabulary-less
                if vocabulary is None
                else self._allowed.get((code_key, vocabulary), _UNSET)
            )
            if ok is not None and (ok is _UNSET or code not in ok):
                self._code(code_key, code, vocabulary, el, path)
        if vocabulary is not None:
            ok = self._allowed1.get(vocabulary_key, _UNSET)
            if ok is not None and (ok is _UNSET or vocabulary not in ok):
                self._code(vocabulary_key, vocabulary, None, el, path)

    def _allowed_codes(self, key: str) -> frozenset[str] | None:
        checker = self.checker
        return checker.allowed(key, None) if checker is not None else None

    def _language_reason(self, lang: str) -> str | None:
        checker = self.checker
        if checker is None:
            return None
        reason = checker.check("@xml:lang", lang)
        return reason.replace("@xml:lang", "xml:lang") if reason else None

    def _lang_of(self, raw: str, el: etree._Element, path: str) -> str:
        known = self._langs.get(raw)
        if known is None:
            lang = raw.strip().lower()
            known = self._langs[raw] = (lang, self._language_reason(lang) if lang else None)
        lang, reason = known
        if not lang:
            return self.lang
        if reason is not None and lang != self.lang:
            self._warn(path, el, reason)
        return lang

    def _decimal(self, raw: str, el: etree._Element, path: str, rel: str) -> str:
        """The number as its canonical ``xsd:decimal`` text (``decimal_to_str``)."""
        if raw.isdigit() and raw.isascii():
            return raw if raw[0] != "0" or len(raw) == 1 else (raw.lstrip("0") or "0")
        s = raw.strip()
        if not _RE_DECIMAL.match(s):
            raise _Refuse(
                _full(f"{path}/{rel}" if rel else path),
                el.sourceline,
                f"{_last_name(rel) or 'value'} '{raw}' is not a number",
            )
        return decimal_to_str(Decimal(s))

    def _date(self, raw: str, el: etree._Element, path: str, rel: str) -> str:
        """The date as ``YYYY-MM-DD``."""
        known = _DATES.get(raw)
        if known is not None:
            return known
        if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
            try:
                return _remember_date(raw, _fromisoformat(raw).isoformat())
            except ValueError:
                pass
        m = _RE_DATE.match(raw.strip())
        if m:
            try:
                value = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                return _remember_date(raw, value.isoformat())
            except ValueError:
                pass
        raise _Refuse(
            _full(f"{path}/{rel}"),
            el.sourceline,
            f"{_last_name(rel)} '{raw}' is not a date (YYYY-MM-DD)",
        )

    def _bool(self, raw: str, el: etree._Element, path: str, rel: str) -> bool:
        value = _BOOLEANS.get(raw.strip())
        if value is None:
            where = f"{path}/{rel}" if path else rel
            raise _Refuse(
                _full(where), el.sourceline, f"{_last_name(rel)} '{raw}' is not a boolean"
            )
        return value

    def _int(self, raw: str, el: etree._Element, path: str, rel: str) -> int:
        s = raw.strip()
        # xsd:int, the type of the attributes read here; a longer number is not one (and Python
        # refuses to convert one of over 4,300 digits).
        value = int(s) if _RE_INT.match(s) and len(s) <= 11 else None
        if value is None or not -(2**31) <= value < 2**31:
            where = f"{path}/{rel}" if path else rel
            raise _Refuse(
                _full(where), el.sourceline, f"{_last_name(rel)} '{raw}' is not a whole number"
            )
        return value

    def _narratives(self, el: etree._Element, path: str) -> Narratives:
        """The ``narrative`` children by language, in sorted order: the order of the stored
        (canonical) JSON, so that "the first narrative" and ``narrative[n]`` paths mean the same
        before and after storing. In careful mode other children are kept as extras."""
        out: Narratives = {}
        default = self.lang
        careful = self.careful
        flagged: list[tuple[str, etree._Element]] = []
        for child in el:
            tag = child.tag
            if tag == "narrative":
                raw = child.get(XML_LANG)
                lang = self._lang_of(raw, child, path) if raw else default
                text = child.text if not len(child) else "".join(child.itertext())
                text = text.strip() if text else ""
                previous = out.get(lang)
                # Narratives in one language are joined, the empty ones left out: written
                # back as one narrative and read again, the text is the same.
                out[lang] = previous + "\n" + text if previous and text else previous or text
                if careful:
                    keys = child.keys()
                    if keys and not _K_LANG.issuperset(keys):
                        flagged.append((lang, child))
            elif careful and type(tag) is str:
                self.pending.append((path, child))
        if len(out) > 1:
            out = dict(sorted(out.items()))
        for lang, child in flagged:
            index = list(out).index(lang) + 1
            self._check_attributes(child, f"{path}/narrative[{index}]", _K_LANG)
        return out

    def _text_element(self, el: etree._Element, path: str) -> Narratives:
        if self.careful:
            self._check_attributes(el, path, _K_NONE)
        return self._narratives(el, path)

    # ------------------------------------------------------------------ activity children

    def _identifier(self, el: etree._Element, a: Content) -> None:
        if self.careful:
            self._check_attributes(el, "iati-identifier", _K_NONE)
        a["iati_identifier"] = (_text_of(el) or "").strip()

    def _reporting_org(self, el: etree._Element, a: Content) -> None:
        path = "reporting-org"
        if self.careful:
            self._check_attributes(el, path, _K_REPORTING)
        get = el.get
        type_ = get("type")
        if type_ is not None:
            self._code("reporting-org/@type", type_, None, el, path)
        raw = get("secondary-reporter")
        a["reporting_org"] = {
            "ref": get("ref"),
            "type": type_,
            "name": self._narratives(el, path),
            "secondary_reporter": (
                None if raw is None else self._bool(raw, el, path, "@secondary-reporter")
            ),
        }

    def _title(self, el: etree._Element, a: Content) -> None:
        a["title"] = self._text_element(el, "title")

    def _description(self, el: etree._Element, a: Content) -> None:
        descriptions = a["descriptions"]
        path = f"description[{len(descriptions) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_TYPE)
        type_ = el.get("type")
        if type_ is not None:
            self._code("description/@type", type_, None, el, path)
        descriptions.append({"type": type_, "narratives": self._narratives(el, path)})

    def _participating_org(self, el: etree._Element, a: Content) -> None:
        orgs = a["participating_orgs"]
        path = f"participating-org[{len(orgs) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_PARTICIPATING)
        get = el.get
        role, type_, channel = get("role"), get("type"), get("crs-channel-code")
        allowed = self._allowed1
        for key, code in (
            ("participating-org/@role", role),
            ("participating-org/@type", type_),
            ("participating-org/@crs-channel-code", channel),
        ):
            if code is not None:
                ok = allowed.get(key, _UNSET)
                if ok is not None and (ok is _UNSET or code not in ok):
                    self._code(key, code, None, el, path)
        orgs.append(  # keys in sorted order (see _budget)
            {
                "activity_id": get("activity-id"),
                "crs_channel_code": channel,
                "name": self._narratives(el, path) if len(el) else {},
                "ref": get("ref"),
                "role": role,
                "type": type_,
            }
        )

    def _code_field(self, tag: str, key: str, el: etree._Element, a: Content) -> None:
        """An element that is only a ``@code`` (activity-status, default-flow-type, ...)."""
        if self.careful:
            self._leaf(el, tag, _K_CODE)
        code: str | None = el.get("code")
        if code is not None:
            code_key = _CODE_ONLY_KEYS[tag]
            ok = self._allowed1.get(code_key, _UNSET)
            if ok is not None and (ok is _UNSET or code not in ok):
                self._code(code_key, code, None, el, tag)
        a[key] = code

    def _activity_date(self, el: etree._Element, a: Content) -> None:
        dates = a["activity_dates"]
        path = f"activity-date[{len(dates) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_ACTIVITY_DATE)
        get = el.get
        type_, raw = get("type"), get("iso-date")
        ok = self._ok_date_type
        if type_ is not None and ok is not None and type_ not in ok:
            self._code("activity-date/@type", type_, None, el, path)
        dates.append(  # keys in sorted order (see _budget)
            {
                "iso_date": (
                    None
                    if raw is None
                    else _DATES.get(raw) or self._date(raw, el, path, "@iso-date")
                ),
                "narrative": self._narratives(el, path) if len(el) else {},
                "type": type_,
            }
        )

    def _recipient_country(self, el: etree._Element, a: Content) -> None:
        countries = a["recipient_countries"]
        path = f"recipient-country[{len(countries) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_COUNTRY)
        get = el.get
        code, raw = get("code"), get("percentage")
        if code is not None:
            ok = self._allowed1.get("recipient-country/@code", _UNSET)
            if ok is not None and (ok is _UNSET or code not in ok):
                self._code("recipient-country/@code", code, None, el, path)
        countries.append(  # keys in sorted order (see _budget)
            {
                "code": code,
                "narrative": self._narratives(el, path) if len(el) else {},
                "percentage": None if raw is None else self._decimal(raw, el, path, "@percentage"),
            }
        )

    def _coded(self, el: etree._Element, path: str, key: str, with_percentage: bool) -> Content:
        """A code + vocabulary (+ percentage) + narrative element: recipient-region, sector."""
        if self.careful:
            self._check_attributes(el, path, _K_REGION if with_percentage else _K_TAG)
        get = el.get
        code, vocabulary = get("code"), get("vocabulary")
        self._code_and_vocabulary(key, code, vocabulary, el, path)
        raw = get("percentage") if with_percentage else None
        return {  # keys in sorted order (see _budget)
            "code": code,
            "narrative": self._narratives(el, path) if len(el) else {},
            "percentage": None if raw is None else self._decimal(raw, el, path, "@percentage"),
            "vocabulary": vocabulary,
            "vocabulary_uri": get("vocabulary-uri"),
        }

    def _recipient_region(self, el: etree._Element, a: Content) -> None:
        regions = a["recipient_regions"]
        path = f"recipient-region[{len(regions) + 1}]"
        regions.append(self._coded(el, path, "recipient-region", True))

    def _sector(self, el: etree._Element, a: Content) -> None:
        sectors = a["sectors"]
        path = f"sector[{len(sectors) + 1}]"
        sectors.append(self._coded(el, path, "sector", True))

    def _tag(self, el: etree._Element, a: Content) -> None:
        tags = a["tags"]
        path = f"tag[{len(tags) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_TAG)
        get = el.get
        code, vocabulary = get("code"), get("vocabulary")
        if code is not None:
            self._code("tag/@code", code, vocabulary, el, path)
        if vocabulary is not None:
            self._code("tag/@vocabulary", vocabulary, None, el, path)
        tags.append(
            {
                "code": code,
                "vocabulary": vocabulary,
                "vocabulary_uri": get("vocabulary-uri"),
                "narrative": self._narratives(el, path) if len(el) else {},
            }
        )

    def _policy_marker(self, el: etree._Element, a: Content) -> None:
        markers = a["policy_markers"]
        path = f"policy-marker[{len(markers) + 1}]"
        if self.careful:
            self._check_attributes(el, path, _K_POLICY)
        get = el.get
        code, vocabulary, significance = get("code"), get("vocabulary"), get("significance")
        if code is not None:
            self._code("policy-marker/@code", code, vocabulary, el, path)
        if vocabulary is not None:
            self._code("policy-marker/@vocabulary", vocabulary, None, el, path)
        if significance is not None:
            self._code("policy-marker/@significance", significance, None, el, path)
        markers.append(
            {
                "code": code,
                "vocabulary": vocabulary,
                "vocabulary_uri": get("vocabulary-uri"),
                "significance": significance,
                "narrative": self._narratives(el, path) if len(el) else {},
            }
        )

    def _aid_type(self, el: etree._Element, path: str, key: str) -> Content:
        if self.careful:
            self._leaf(el, path, _K_CODE_VOCAB)
        code, vocabulary = el.get("code"), el.get("vocabulary")
        self._code_and_vocabulary(key, code, vocabulary, el, path)
        return {"code": code, "vocabulary": vocabulary}

    def _default_aid_type(self, el: etree._Element, a: Content) -> None:
        aid_types = a["default_aid_types"]
        path = f"default-aid-type[{len(aid_types) + 1}]"
        aid_types.append(self._aid_type(el, path, "default-aid-type"))

    def _value(
        self, el: etree._Element, kind: str, index: int, currency_key: str
    ) -> tuple[str | None, str | None, str | None]:
        """``value`` of the ``index``-th budget or transaction (``kind``)."""
        if self.careful:
            self._leaf(el, f"{kind}[{index}]/value", _K_VALUE)
        get = el.get
        currency = get("currency")
        if currency is not None:
            ok = self._ok_currency[currency_key]
            if ok is not None and currency not in ok:
                self._code(currency_key, currency, None, el, f"{kind}[{index}]", "value")
        text = el.text if not len(el) else _own_text(el)
        if text and text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1):
            amount = text  # the common case: already canonical
        else:
            path = f"{kind}[{index}]/value"
            if text is None or not text.strip():
                raise _Refuse(_full(path), el.sourceline, "value is empty")
            amount = self._decimal(text, el, path, "")
        raw = get("value-date")
        if raw is None:
            return amount, currency, None
        return (
            amount,
            currency,
            _DATES.get(raw) or self._date(raw, el, f"{kind}[{index}]", "value/@value-date"),
        )

    def _budget(self, el: etree._Element, a: Content) -> None:
        budgets = a["budgets"]
        careful = self.careful
        path = f"budget[{len(budgets) + 1}]" if careful else ""
        get = el.get
        type_, status = get("type"), get("status")
        ok = self._ok_budget_type
        if type_ is not None and ok is not None and type_ not in ok:
            path = path or f"budget[{len(budgets) + 1}]"
            self._code("budget/@type", type_, None, el, path)
        ok = self._ok_budget_status
        if status is not None and ok is not None and status not in ok:
            path = path or f"budget[{len(budgets) + 1}]"
            self._code("budget/@status", status, None, el, path)
        start = end = value_date = value = currency = None
        if careful:
            seen: set[str] = set()
            self._check_attributes(el, path, _K_BUDGET)
        dates = _DATES
        for child in el:
            tag = child.tag
            if careful and self._kept_aside(child, tag, path, seen, _BUDGET_SINGLETONS):
                continue
            if tag == "value":
                value, currency, value_date = self._value(
                    child, "budget", len(budgets) + 1, "budget/value/@currency"
                )
            elif tag == "period-start":
                if careful:
                    self._leaf(child, f"{path}/period-start", _K_ISO)
                raw = child.get("iso-date")
                if raw is not None:
                    start = dates.get(raw) or self._date(
                        raw, child, f"budget[{len(budgets) + 1}]", "period-start/@iso-date"
                    )
            elif tag == "period-end":
                if careful:
                    self._leaf(child, f"{path}/period-end", _K_ISO)
                raw = child.get("iso-date")
                if raw is not None:
                    end = dates.get(raw) or self._date(
                        raw, child, f"budget[{len(budgets) + 1}]", "period-end/@iso-date"
                    )
        budgets.append(  # keys in sorted order: the canonical JSON sorts them cheaply then
            {
                "currency": currency,
                "period_end": end,
                "period_start": start,
                "status": status,
                "type": type_,
                "value": value,
                "value_date": value_date,
            }
        )

    def _org(
        self, el: etree._Element, path: str, key: str, known: frozenset[str], id_attr: str
    ) -> Content:
        if self.careful:
            self._check_attributes(el, path, known)
        get = el.get
        type_ = get("type")
        if type_ is not None:
            self._code(f"{key}/@type", type_, None, el, path)
        return {
            "ref": get("ref"),
            "type": type_,
            "activity_id": get(id_attr),
            "narrative": self._narratives(el, path) if len(el) else {},
        }

    def _transaction(self, el: etree._Element, a: Content) -> None:
        transactions = a["transactions"]
        number = len(transactions) + 1
        path = f"transaction[{number}]"
        careful = self.careful
        get = el.get
        raw = get("humanitarian")
        humanitarian = None if raw is None else self._bool(raw, el, path, "@humanitarian")
        type_: str | None = None
        day: str | None = None
        value: str | None = None
        currency: str | None = None
        value_date: str | None = None
        description: Narratives = {}
        provider: Content | None = None
        receiver: Content | None = None
        channel: str | None = None
        sectors: list[Content] = []
        country: Content | None = None
        region: Content | None = None
        flow: str | None = None
        finance: str | None = None
        aid_types: list[Content] = []
        tied: str | None = None
        if careful:
            seen: set[str] = set()
            self._check_attributes(el, path, _K_TRANSACTION)
        for child in el:
            tag = child.tag
            if careful and self._kept_aside(
                child, tag, path, seen, _TRANSACTION_SINGLETONS, _TRANSACTION_LISTS
            ):
                continue
            if tag == "value":
                value, currency, value_date = self._value(
                    child, "transaction", number, "transaction/value/@currency"
                )
            elif tag == "transaction-type":
                if careful:
                    self._leaf(child, f"{path}/transaction-type", _K_CODE)
                type_ = child.get("code")
                ok = self._ok_transaction_type
                if type_ is not None and ok is not None and type_ not in ok:
                    self._code(
                        "transaction/transaction-type/@code",
                        type_,
                        None,
                        child,
                        path,
                        "transaction-type",
                    )
            elif tag == "transaction-date":
                if careful:
                    self._leaf(child, f"{path}/transaction-date", _K_ISO)
                raw = child.get("iso-date")
                if raw is not None:
                    day = _DATES.get(raw) or self._date(
                        raw, child, path, "transaction-date/@iso-date"
                    )
            elif tag == "description":
                description = self._text_element(child, f"{path}/description")
            elif tag == "provider-org":
                provider = self._org(
                    child,
                    f"{path}/provider-org",
                    "transaction/provider-org",
                    _K_PROVIDER,
                    "provider-activity-id",
                )
            elif tag == "receiver-org":
                receiver = self._org(
                    child,
                    f"{path}/receiver-org",
                    "transaction/receiver-org",
                    _K_RECEIVER,
                    "receiver-activity-id",
                )
            elif tag == "sector":
                sectors.append(
                    self._coded(
                        child, f"{path}/sector[{len(sectors) + 1}]", "transaction/sector", False
                    )
                )
            elif tag == "aid-type":
                aid_types.append(
                    self._aid_type(
                        child, f"{path}/aid-type[{len(aid_types) + 1}]", "transaction/aid-type"
                    )
                )
            elif tag == "recipient-country":
                cpath = f"{path}/recipient-country"
                if careful:
                    self._check_attributes(child, cpath, _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code("transaction/recipient-country/@code", code, None, child, cpath)
                country = {
                    "code": code,
                    "narrative": self._narratives(child, cpath) if len(child) else {},
                    "percentage": None,
                }
            elif tag == "recipient-region":
                region = self._coded(
                    child, f"{path}/recipient-region", "transaction/recipient-region", False
                )
            elif tag in ("disbursement-channel", "flow-type", "finance-type", "tied-status"):
                if careful:
                    self._leaf(child, f"{path}/{tag}", _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code(_TRANSACTION_CODE_KEYS[tag], code, None, child, path, tag)
                if tag == "flow-type":
                    flow = code
                elif tag == "finance-type":
                    finance = code
                elif tag == "tied-status":
                    tied = code
                else:
                    channel = code
        transactions.append(  # keys in sorted order (see _budget)
            {
                "aid_types": aid_types,
                "currency": currency,
                "date": day,
                "description": description,
                "disbursement_channel": channel,
                "finance_type": finance,
                "flow_type": flow,
                "humanitarian": humanitarian,
                "provider_org": provider,
                "receiver_org": receiver,
                "recipient_country": country,
                "recipient_region": region,
                "ref": get("ref"),
                "sectors": sectors,
                "tied_status": tied,
                "type": type_,
                "value": value,
                "value_date": value_date,
            }
        )

    def _location(self, el: etree._Element, a: Content) -> None:
        locations = a["locations"]
        path = f"location[{len(locations) + 1}]"
        careful = self.careful
        if careful:
            self._check_attributes(el, path, _K_LOCATION)
        location_ids: list[Content] = []
        administratives: list[Content] = []
        loc: Content = {
            "ref": el.get("ref"),
            "location_reach": None,
            "location_ids": location_ids,
            "name": {},
            "description": {},
            "activity_description": {},
            "administratives": administratives,
            "point": None,
            "exactness": None,
            "location_class": None,
            "feature_designation": None,
        }
        seen: set[str] = set()
        for child in el:
            tag = child.tag
            if careful and self._kept_aside(
                child, tag, path, seen, _LOCATION_SINGLETONS, _LOCATION_LISTS
            ):
                continue
            if tag == "location-id":
                cpath = f"{path}/location-id[{len(location_ids) + 1}]"
                if careful:
                    self._leaf(child, cpath, _K_CODE_VOCAB)
                code, vocabulary = child.get("code"), child.get("vocabulary")
                if vocabulary is not None:
                    self._code("location/location-id/@vocabulary", vocabulary, None, child, cpath)
                location_ids.append({"code": code, "vocabulary": vocabulary})
            elif tag == "administrative":
                cpath = f"{path}/administrative[{len(administratives) + 1}]"
                if careful:
                    self._leaf(child, cpath, _K_ADMIN)
                code, vocabulary = child.get("code"), child.get("vocabulary")
                if vocabulary is not None:
                    self._code(
                        "location/administrative/@vocabulary", vocabulary, None, child, cpath
                    )
                    if code is not None:
                        self._code("location/administrative/@code", code, vocabulary, child, cpath)
                raw = child.get("level")
                level = None if raw is None else self._int(raw, child, cpath, "@level")
                administratives.append({"code": code, "vocabulary": vocabulary, "level": level})
            elif tag == "name":
                loc["name"] = self._text_element(child, f"{path}/name")
            elif tag == "description":
                loc["description"] = self._text_element(child, f"{path}/description")
            elif tag == "activity-description":
                loc["activity_description"] = self._text_element(
                    child, f"{path}/activity-description"
                )
            elif tag == "point":
                loc["point"] = self._point(child, f"{path}/point")
            elif tag in ("location-reach", "exactness", "location-class", "feature-designation"):
                if careful:
                    self._leaf(child, f"{path}/{tag}", _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code(_LOCATION_CODE_KEYS[tag], code, None, child, path, tag)
                loc[_LOCATION_CODE_FIELDS[tag]] = code
        locations.append(loc)

    def _point(self, el: etree._Element, path: str) -> Content:
        careful = self.careful
        if careful:
            self._check_attributes(el, path, _K_POINT)
        pos: str | None = None
        for child in el:
            tag = child.tag
            if tag == "pos" and pos is None:
                if careful:
                    self._leaf(child, f"{path}/pos", _K_NONE)
                pos = " ".join(_own_text(child).split())
            elif careful and type(tag) is str:
                self.pending.append((path, child))
        srs_name = el.get("srsName")
        if pos is not None and Point(srs_name, pos).latitude_longitude() is None:
            self._warn(f"{path}/pos", el, f"pos '{pos}' is not a latitude and a longitude in range")
        return {"srs_name": srs_name, "pos": pos}

    def _document_link(self, el: etree._Element, a: Content) -> None:
        links = a["document_links"]
        path = f"document-link[{len(links) + 1}]"
        careful = self.careful
        if careful:
            self._check_attributes(el, path, _K_DOCLINK)
        fmt = el.get("format")
        if fmt is not None:
            self._code("document-link/@format", fmt, None, el, path)
        categories: list[str] = []
        languages: list[str] = []
        link: Content = {
            "url": el.get("url"),
            "format": fmt,
            "title": {},
            "description": {},
            "categories": categories,
            "languages": languages,
            "document_date": None,
        }
        seen: set[str] = set()
        for child in el:
            tag = child.tag
            if careful and self._kept_aside(
                child, tag, path, seen, _DOCLINK_SINGLETONS, _DOCLINK_LISTS
            ):
                continue
            if tag == "category" or tag == "language":
                codes = categories if tag == "category" else languages
                cpath = f"{path}/{tag}[{len(codes) + 1}]"
                if careful:
                    self._leaf(child, cpath, _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code(f"document-link/{tag}/@code", code, None, child, cpath)
                codes.append(code or "")
            elif tag == "title":
                link["title"] = self._text_element(child, f"{path}/title")
            elif tag == "description":
                link["description"] = self._text_element(child, f"{path}/description")
            elif tag == "document-date":
                if careful:
                    self._leaf(child, f"{path}/document-date", _K_ISO)
                raw = child.get("iso-date")
                if raw is not None:
                    link["document_date"] = self._date(raw, child, path, "document-date/@iso-date")
        links.append(link)

    def _related_activity(self, el: etree._Element, a: Content) -> None:
        related = a["related_activities"]
        path = f"related-activity[{len(related) + 1}]"
        if self.careful:
            self._leaf(el, path, _K_RELATED)
        type_ = el.get("type")
        if type_ is not None:
            self._code("related-activity/@type", type_, None, el, path)
        related.append({"ref": el.get("ref"), "type": type_})


_RE_BLANK_BETWEEN_TAGS = re.compile(r">\s+<")


def _canonical(el: etree._Element) -> str:
    """Exclusive C14N of ``el`` (stable, declares only the namespaces it uses, no comments),
    with white-space-only text between tags dropped, so that re-indenting a file does not change
    an activity's content. (In C14N output ``<`` never occurs in text or attribute values, so
    ``>\\s+<`` only matches between tags.)

    C14N refuses a relative namespace URI (``xmlns:x="example.org/"``), which XML allows: such
    an element is kept as lxml serialises it, comments left out, which is as stable for the same
    input (and also escapes ``<`` in text and attribute values).

    A namespace declared again further down under another prefix (``ns0`` inside ``ns1`` for
    one URI) is serialised as the writer will put it back: lxml, placing the element in the
    exported document, reuses the outer prefix, so the text stored is the text read back.
    """
    try:
        data = etree.tostring(el, method="c14n", exclusive=True, with_comments=False)
    except etree.C14NError:
        clone = copy.deepcopy(el)
        etree.strip_elements(clone, etree.Comment, with_tail=False)
        data = etree.tostring(clone, encoding="utf-8", with_tail=False)
    else:
        if data.count(b"xmlns") > 1:  # declarations below the top: as the writer places them
            holder = etree.Element("holder")
            holder.append(etree.fromstring(data, _FRAGMENT_PARSER))
            data = etree.tostring(holder[0], method="c14n", exclusive=True, with_comments=False)
    return _RE_BLANK_BETWEEN_TAGS.sub("><", data.decode("utf-8"))


_FRAGMENT_PARSER = etree.XMLParser(**_SAFE)


# =========================================================================== streaming

_RE_BATCH_PATH = re.compile(r"^/iati-activities/iati-activity(?:\[(\d+)\])?(/.*)?$")
_XPATH_STRAY_LANG = (
    "count(//@xml:lang[not(parent::narrative) and not(parent::iati-activity)"
    " and not(parent::iati-activities)])"
)


class _BatchValidator:
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


def _indexed(rest: str) -> str:
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
        rest = _indexed(m.group(2) or "")
        local = SchemaIssue("iati-activity" + rest, issue.line, issue.message, issue.reason)
        by_index.setdefault(index, []).append(local)
    return by_index


_LIBXML2_MAX_LINE = 65535


def _sourceline(el: etree._Element, activity_line: int | None) -> int | None:
    """``el.sourceline``, except that libxml2 cannot tell the line of an element past line
    65535 that has no text around it (minified files): then the activity's line, which lxml
    finds (from the text after it), is the best there is."""
    line: int | None = el.sourceline
    if line == _LIBXML2_MAX_LINE and activity_line is not None and activity_line > line:
        return activity_line
    return line


def _true_lines(el: etree._Element, issues: list[SchemaIssue]) -> list[SchemaIssue]:
    """libxml2 reports at most line 65535 in validation errors; find the real line of the
    element at fault from its path (lxml's ``sourceline`` is not capped)."""
    out: list[SchemaIssue] = []
    for issue in issues:
        if issue.line is not None and issue.line >= _LIBXML2_MAX_LINE:
            relative = issue.path[len("iati-activity/") :] if "/" in issue.path else ""
            line = el.sourceline
            if relative:
                try:
                    found = el.xpath(relative)
                except etree.XPathError:
                    found = []
                if isinstance(found, list) and found and isinstance(found[0], etree._Element):
                    line = _sourceline(found[0], el.sourceline)
            issue = SchemaIssue(issue.path, line, issue.message, issue.reason)
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
    return (_text_of(child) or "").strip() or None


def _refused(el: etree._Element, refusal: _Refuse) -> RefusedActivity:
    return RefusedActivity(
        identifier=_identifier_of(el),
        line=refusal.line or el.sourceline,
        element=refusal.path,
        reason=refusal.reason,
    )


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
    stream = _ActivityStream(path, strict=strict, codelists=codelists, batch_size=batch_size)
    with open(path, "rb") as source:
        yield from stream.read(source, share=share, share_size=share_size, skip=skip)


class _ActivityStream:
    """Reads activities from a file, or from pieces of it, with one compiled schema and one
    activity reader for all of them."""

    def __init__(self, path: PathLike, *, strict: bool, codelists: bool, batch_size: int) -> None:
        self.name = Path(path).name
        self.header, self.head = _probe_header(path)
        self.strict = strict
        self.batch_size = batch_size
        self.reader = _ActivityReader(
            file_language=self.header.language,
            checker=codelist_checker() if codelists else None,
        )
        self.validator = _BatchValidator()

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
        context = etree.iterparse(source, events=("end", "start-ns"), tag="iati-activity", **_SAFE)
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
                    if _is_1x_activity(el):
                        raise _refuse_1x(self.name, el.sourceline)
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
            raise _syntax_error(self.name, exc, self.head) from None

    def _process(
        self, batch: list[tuple[etree._Element, bool]], line_offset: int, stray_lang: bool
    ) -> list[ActivityContent | RefusedActivity]:
        return _process_batch(
            batch, self.reader, self.validator, self.strict, line_offset, stray_lang
        )


def _move_lines(item: ActivityContent | RefusedActivity, offset: int) -> None:
    if isinstance(item, RefusedActivity):
        if item.line is not None:
            item.line += offset
        return
    item.source_line += offset
    for warning in item.warnings:
        if warning.line is not None:
            warning.line += offset


# ------------------------------------------------------------------ reading a file in pieces

# A piece of a file that a reader process parses on its own: about this many bytes of whole
# activities (some 300 of a typical publisher's, one batch). Larger pieces cost the reader more
# memory than they save time: 3 MB ones took each reader from 53 to 62 MB.
PIECE_BYTES = 1024 * 1024
_RE_ACTIVITY_START = re.compile(rb"<iati-activity[ \t\r\n/>]")
_ROOT_END = b"</iati-activities>"
# Encodings in which every "<" is the byte 0x3C and that byte is never part of another
# character: a file in one of them can be cut before any "<".
_RE_CUTTABLE_ENCODING = re.compile(
    r"^(UTF-?8|US-ASCII|ASCII|ISO[-_]?8859-\d+|LATIN-?\d|(WINDOWS|CP)-?125\d)$"
)


@dataclasses.dataclass(frozen=True, slots=True)
class Piece:
    """Bytes ``start`` to ``end`` of a file: whole activities (and what lies between them).
    ``line`` is the line of ``start``."""

    start: int
    end: int
    line: int


@dataclasses.dataclass(frozen=True, slots=True)
class PiecePlan:
    """A file cut into pieces: each is parsed as ``prefix`` (the file up to its first activity:
    the XML declaration and the root start tag) + the piece + the root's end tag."""

    prefix: bytes
    pieces: list[Piece]

    def digest(self) -> str:
        """Tells two plans of a file apart (readers that cut the file at different times)."""
        digest = hashlib.sha256(self.prefix)
        for piece in self.pieces:
            digest.update(f"{piece.start},{piece.end},{piece.line};".encode())
        return digest.hexdigest()


class _RootCounter:
    """Parser target that counts elements and keeps the first one's tag."""

    def __init__(self) -> None:
        self.tags: list[str] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.tags.append(tag)

    def close(self) -> list[str]:
        return self.tags


def plan_pieces(path: PathLike, *, piece_bytes: int = PIECE_BYTES) -> PiecePlan | None:
    """Cut a well-formed activity file into pieces at activity start tags, or None when this
    file cannot be cut safely (then it is read whole).

    A cut is found by looking for the bytes ``<iati-activity``, which may also sit in a comment
    or a CDATA section. A piece whose end cut is such a false one does not parse (the comment is
    not closed, or the element is not), so ``iter_piece_content`` raises ``PieceError`` and its
    caller reads on from there in the whole file; a piece that parses proves that the next cut
    is a true one. The first cut is proven here: the prefix alone must be the root start tag.
    """
    header, _ = _probe_header(path)
    if (
        header.version is None  # the 1.x shape is looked for in the first activity only
        or header.root_tag != "iati-activities"
        or not _RE_CUTTABLE_ENCODING.match(header.encoding)
    ):
        return None
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < 2 * piece_bytes:
            return None  # one piece: nothing to share
        first = _find_cut(f, 0)
        if first is None:
            return None
        f.seek(0)
        prefix = f.read(first)
        if not _is_bare_root(prefix):
            return None
        pieces: list[Piece] = []
        start, line = first, prefix.count(b"\n") + 1
        while start < size:
            end = _find_cut(f, start + piece_bytes)
            end = size if end is None else end
            f.seek(start)
            body = f.read(end - start)
            if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
                return None  # a lone CR ends a line for libxml2 as well: not counted here
            pieces.append(Piece(start, end, line))
            line += body.count(b"\n")
            start = end
    return PiecePlan(prefix, pieces)


def _find_cut(f: BinaryIO, position: int) -> int | None:
    """The offset of the first activity start tag at or after ``position``."""
    window = 64 * 1024
    carry = b""
    f.seek(position)
    offset = position
    while True:
        data = f.read(window)
        if not data:
            return None
        block = carry + data
        m = _RE_ACTIVITY_START.search(block)
        if m:
            return offset - len(carry) + m.start()
        carry = block[-16:]
        offset += len(data)


def _is_bare_root(prefix: bytes) -> bool:
    """Whether ``prefix`` is the start of an activity file up to inside its root element and no
    further: the XML declaration, comments, and the root start tag, with no other element."""
    parser = etree.XMLParser(target=_RootCounter(), **_SAFE)
    try:
        tags = etree.fromstring(prefix + _ROOT_END, parser)
    except etree.XMLSyntaxError:
        return False
    return bool(tags == ["iati-activities"])


class _PieceSource:
    """A file object for the parser: ``prefix``, the piece, then ``suffix``, handed over in the
    sizes the parser asks for."""

    def __init__(self, *parts: bytes) -> None:
        self._parts = [memoryview(part) for part in parts if part]

    def read(self, size: int = -1) -> bytes:
        while self._parts:
            part = self._parts[0]
            if size < 0 or size >= len(part):
                self._parts.pop(0)
                return bytes(part)
            self._parts[0] = part[size:]
            return bytes(part[:size])
        return b""


def _no_stray_lang(body: bytes) -> bool:
    """True when every ``xml:lang`` in ``body`` opens a ``narrative`` or ``iati-activity`` start
    tag (the usual way of writing them): then none sits where the fast reading does not look.
    Anything else (another element, another spelling, the words in a text) says "perhaps"."""
    found = body.count(b"xml:lang")
    return found == body.count(b"<narrative xml:lang") + body.count(b"<iati-activity xml:lang")


class PieceError(Exception):
    """A piece of a file did not parse: its end was not a true cut. Read on in the whole file."""


PIECE_END = None  # yielded by iter_piece_content after the last activity of each piece


def iter_piece_content(
    path: PathLike,
    plan: PiecePlan,
    indexes: Iterable[int],
    *,
    strict: bool = False,
    codelists: bool = True,
    batch_size: int = 64,
) -> Iterator[ActivityContent | RefusedActivity | None]:
    """The activities of the pieces ``indexes`` of ``plan``, each piece followed by
    ``PIECE_END``; exactly what ``iter_activity_content`` yields for them, lines included.

    Raises ``PieceError`` when a piece does not parse (see ``plan_pieces``), after yielding the
    activities of that piece before the point where it failed, which are true ones."""
    stream = _ActivityStream(path, strict=strict, codelists=codelists, batch_size=batch_size)
    prefix_lines = plan.prefix.count(b"\n")
    last = len(plan.pieces) - 1
    with open(path, "rb") as f:
        for index in indexes:
            piece = plan.pieces[index]
            f.seek(piece.start)
            body = f.read(piece.end - piece.start)
            source = _PieceSource(plan.prefix, body, b"" if index == last else _ROOT_END)
            # the first piece follows the prefix in the file too: its offset is 0
            offset = piece.line - prefix_lines - 1
            try:
                yield from stream.read(
                    source, line_offset=offset, stray_lang_possible=not _no_stray_lang(body)
                )
            except IatiFileError as error:
                raise PieceError(f"piece {index}: {error.message}") from None
            yield PIECE_END


def _process_batch(
    batch: list[tuple[etree._Element, bool]],
    reader: _ActivityReader,
    validator: _BatchValidator,
    strict: bool,
    line_offset: int = 0,
    stray_lang_possible: bool = True,
) -> list[ActivityContent | RefusedActivity]:
    """Validate and read a batch; ``line_offset`` is added to every line of the results (the
    batch was parsed from a piece of its file)."""
    root = batch[0][0].getparent()
    assert root is not None
    last = batch[-1][0]
    # Another element between activities (a publisher's own) breaks the root's content model,
    # and libxml2 then leaves the activities after it unvalidated: take such elements out first
    # (only up to the batch's last activity: the parser may still be building what follows).
    foreign = []
    for child in root:
        if child is last:
            break
        if child.tag != "iati-activity" and type(child.tag) is str:
            foreign.append(child)
    for child in foreign:
        root.remove(child)
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
        draft: _Draft | RefusedActivity
        try:
            draft = reader.read(el, careful=careful or bool(own) or stray_lang)
        except _Refuse as refusal:
            draft = _refused(el, refusal)
        if isinstance(draft, RefusedActivity):
            results.append(draft)
            continue
        activity = reader.finish(draft, el.sourceline or 0)
        if own:
            activity.warnings[:0] = [
                DataQualityWarning(issue.path, issue.line, issue.reason) for issue in own
            ]
        results.append(activity)

    # Free the batch: empty the elements and drop everything up to the last one.
    for el, _ in batch:
        el.clear(keep_tail=False)
    del root[: root.index(last) + 1]
    if line_offset:
        for result in results:
            _move_lines(result, line_offset)
    return results
