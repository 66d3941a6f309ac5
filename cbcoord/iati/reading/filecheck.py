"""File checks: is this a well-formed IATI 2.01-2.03 activity file, before anything is read?

``check_file(path)`` is the pre-pass over the whole file, run before anything is written: it
proves that the file is well-formed XML in its declared encoding, has no DOCTYPE, is an
``iati-activities`` file of a supported version (a file without a version that has the 1.x
shape is refused), counts the activities and hashes the bytes; it raises ``IatiFileError`` (one
English sentence naming the file and, where known, the line) otherwise. Counting, it parses
exactly as ``iter_activities`` does (``iterparse``, clearing as it goes); without counting (the
importer's way) libxml2 parses without a tree, and the file is parsed again with one when its
bytes show something only a tree checks. Either way a file it accepts cannot fail half-way
through the import for a reason of XML.

``probe_header`` reads no further than the root start tag (refusing a DOCTYPE before the parser
reaches its internal subset); the stream and the piece planner start with it too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from cbcoord.iati.diagnostics import warning
from cbcoord.iati.reading.common import (
    CHUNK_SIZE,
    CUTTABLE_ENCODING,
    SAFE,
    XML_LANG,
    PathLike,
    local_name,
)
from cbcoord.iati.reading.values import parse_datetime
from cbcoord.iati.records import DataQualityWarning, FileInfo, IatiFileError
from cbcoord.iati.validation import (
    SchemaIssue,
    activity_schema_document,
    issues_from_log,
    safe_parser,
)

SUPPORTED_VERSIONS: tuple[str, ...] = ("2.01", "2.02", "2.03")

__all__ = ["SUPPORTED_VERSIONS", "check_file"]


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


class Header:
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


def syntax_error(name: str, exc: etree.XMLSyntaxError, head: bytes) -> IatiFileError:
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
    if "XML_PARSE_HUGE" in msg:  # libxml2's limits: its advice (a parser option) is not ours
        return _beyond_limits(name, at, line, msg)
    return IatiFileError(f"{name} is not well-formed XML{at}: {msg.splitlines()[0]}.", line=line)


def _beyond_limits(name: str, at: str, line: int | None, msg: str) -> IatiFileError:
    """A file past one of the limits the parser keeps (so that no file can take all memory),
    said in a publisher's words: libxml2's advice (a parser option) is for programmers."""
    if "depth" in msg.lower():
        what = "nests its elements more than 256 levels deep, where an IATI activity needs ten"
    elif "text" in msg.lower():
        what = (
            "has more than 10,000,000 characters of text in one element, where IATI texts are "
            "a few pages at most"
        )
    else:
        what = "is larger in one place than IATI data ever needs to be"
    return IatiFileError(
        f"{name} is refused{at}: it {what}. The file is damaged, or was not written as IATI data.",
        line=line,
    )


def probe_header(path: PathLike, *, check_root: bool = True) -> tuple[Header, bytes]:
    """Read just enough to see the root start tag; refuse a DOCTYPE, and unless ``check_root``
    is false, a wrong root element or version."""
    name = Path(path).name
    parser = etree.XMLParser(target=_HeaderTarget(), **SAFE)
    head = b""
    header: Header | None = None
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
        header = Header(seen.tag, seen.attrib, seen.nsmap, _sniff_encoding(head))
        start = head.find(b"<" + local_name(seen.tag).encode("utf-8"))
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
        raise syntax_error(name, exc, head) from None
    if header is None:
        raise IatiFileError(f"{name} is empty: it contains no XML element.")
    if check_root:
        _check_root(name, header)
    return header, head


def _check_root(name: str, header: Header) -> None:
    tag = header.root_tag
    if tag == "iati-organisations":
        raise IatiFileError(
            f"{name}: this is an IATI organisation file, not an activity file "
            "(its root element is <iati-organisations>)."
        )
    if tag != "iati-activities":
        if local_name(tag) == "iati-activities":  # the right name in a namespace: say which
            namespace = tag[1:].split("}", 1)[0]
            raise IatiFileError(
                f"{name} is not an IATI activity file: its root element <iati-activities> is "
                f"in the namespace {namespace}; IATI elements are in no namespace."
            )
        raise IatiFileError(
            f"{name} is not an IATI activity file: its root element is <{local_name(tag)}>, "
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


def is_1x_activity(activity: etree._Element) -> bool:
    """True when the activity has the 1.x shape: text directly in title/description/org names,
    and no ``narrative`` element anywhere."""
    for _ in activity.iter("narrative"):
        return False
    for tag in ("title", "description", "reporting-org", "participating-org"):
        for el in activity.iterfind(tag):
            if el.text and el.text.strip():
                return True
    return False


def refuse_1x(name: str, line: int | None) -> IatiFileError:
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
            or not CUTTABLE_ENCODING.match(encoding)
        )


def _parse_generated(raw: str | None) -> tuple[dt.datetime | None, str | None]:
    """The root's generated-datetime, and the code of the warning to give about it, if any."""
    if raw is None:
        return None, None
    try:
        return parse_datetime(raw)
    except ValueError:
        return None, "file.generated-datetime-ignored"


_MINIMAL_ACTIVITY = (
    b"<iati-activity><iati-identifier>XX-1</iati-identifier>"
    b'<reporting-org ref="XX" type="10"><narrative>x</narrative></reporting-org>'
    b"<title><narrative>x</narrative></title><description><narrative>x</narrative></description>"
    b'<participating-org role="1"/><activity-status code="2"/>'
    b'<activity-date type="1" iso-date="2020-01-01"/></iati-activity>'
)


def _root_issues(header: Header) -> list[SchemaIssue]:
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
        dataclasses.replace(i, line=header.line)
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
    parser = etree.XMLParser(target=_NoCallbacks(), **SAFE)
    try:
        etree.parse(source, parser)
    except etree.XMLSyntaxError as exc:
        raise syntax_error(name, exc, head) from None
    for entry in parser.error_log:
        if entry.level >= etree.ErrorLevels.ERROR:
            line = entry.line if entry.line > 0 else 0
            logged = etree.XMLSyntaxError(entry.message.strip(), entry.type, line, entry.column)
            raise syntax_error(name, logged, head) from None


def _count_activities(
    source: _HashingReader, name: str, head: bytes
) -> tuple[int, bool | None, int | None]:
    """Parse ``source`` to its end as ``iter_activities`` does (building and clearing the tree);
    return the number of activities, whether the first has the 1.x shape, and its line."""
    count = 0
    first_is_1x: bool | None = None
    first_line: int | None = None
    context = etree.iterparse(source, events=("end",), tag="iati-activity", **SAFE)
    try:
        for _, el in context:
            parent = el.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # nested in something else: not an activity of this file
            count += 1
            if first_is_1x is None:
                first_is_1x, first_line = is_1x_activity(el), el.sourceline
            el.clear(keep_tail=False)
            while el.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise syntax_error(name, exc, head) from None
    return count, first_is_1x, first_line


def _first_activity_shape(path: PathLike) -> tuple[bool | None, int | None]:
    """Whether the first activity of a well-formed file has the 1.x shape, and its line; reads
    no further than that activity."""
    with open(path, "rb") as f:
        for _, el in etree.iterparse(f, events=("end",), tag="iati-activity", **SAFE):
            parent = el.getparent()
            if parent is not None and parent.getparent() is None:
                return is_1x_activity(el), el.sourceline
    return None, None


def _root_warnings(name: str, header: Header, *, strict: bool) -> list[DataQualityWarning]:
    """The schema deviations of the root element's attributes (with ``strict``, the first
    raises ``IatiFileError``), and a missing version."""
    root_issues = _root_issues(header)
    if strict and root_issues:
        first = root_issues[0]
        raise IatiFileError(
            f"{name}: schema error in the root element iati-activities: {first.reason}.",
            line=first.line,
        )
    warnings: list[DataQualityWarning] = []
    for issue in root_issues:
        if header.version is None and "'version'" in issue.reason:
            continue  # said below, in the words the import shows
        warnings.append(
            DataQualityWarning(
                "iati-activities", issue.line, issue.reason, issue.code, issue.params
            )
        )
    if header.version is None:
        warnings.append(warning("iati-activities", header.line, "file.no-version"))
    return warnings


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
    header, head = probe_header(path, check_root=False)  # DOCTYPE: refused before parsing on
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

    if header.version is None and first_is_1x:
        raise refuse_1x(name, first_line)
    warnings = _root_warnings(name, header, strict=strict)
    generated, note = _parse_generated(header.generated_datetime)
    if note:
        warnings.append(
            warning(
                "iati-activities/@generated-datetime",
                header.line,
                note,
                attribute="generated-datetime",
                value=header.generated_datetime or "",
            )
        )
    if count == 0:
        warnings.append(warning("iati-activities", header.line, "file.no-activity"))
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
