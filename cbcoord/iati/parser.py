"""Streaming, safe, tolerant reading of IATI 2.01-2.03 activity files.

``check_file(path)`` is a fast pre-pass over the whole file: it proves that the file is
well-formed XML in its declared encoding, has no DOCTYPE, is an ``iati-activities`` file of a
supported version, and counts the activities; it raises ``IatiFileError`` otherwise. Run it before
writing anything.

``iter_activities(path)`` then streams ``ParsedActivity`` (or ``RefusedActivity``) objects with
``lxml.etree.iterparse``, clearing each activity once read, so memory stays flat whatever the
file size. Every activity is validated against the 2.03 schema and its codes against the
codelists; deviations become ``DataQualityWarning``s (or, with ``strict=True``, schema errors
refuse the activity). An activity is refused when it cannot be read faithfully: no identifier, no
usable reporting-org, or a number, date or boolean that does not parse.

All parsing uses ``resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False``,
and any DOCTYPE is refused before the parser reaches its internal subset, so entity expansion
(billion laughs) and external entities (XXE) never happen.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from cbcoord.iati.model import (
    ActivityDate,
    Administrative,
    Budget,
    CodeVocabulary,
    DataQualityWarning,
    Description,
    DocumentLink,
    ExtraContent,
    FileInfo,
    IatiFileError,
    Location,
    Narratives,
    OrgRef,
    OtherElement,
    ParsedActivity,
    ParticipatingOrg,
    Point,
    PolicyMarker,
    RecipientCountry,
    RecipientRegion,
    RefusedActivity,
    RelatedActivity,
    Sector,
    Tag,
    Transaction,
    TransactionOrg,
)
from cbcoord.iati.validation import (
    CodelistChecker,
    SchemaIssue,
    activity_schema,
    codelist_checker,
    issues_from_log,
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
    def __init__(self, tag: str, attrib: dict[str, str]) -> None:
        super().__init__(tag)
        self.tag = tag
        self.attrib = attrib


class _HeaderTarget:
    """Parser target that stops at the DOCTYPE (refused) or at the root start tag."""

    def doctype(self, name: str | None, pubid: str | None, system: str | None) -> None:
        raise _DoctypeSeen()

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        raise _RootSeen(tag, dict(attrib))

    def close(self) -> None:
        return None


class _NullTarget:
    """Parser target without callbacks: libxml2 checks well-formedness and calls no Python."""

    def close(self) -> None:
        return None


class _Header:
    __slots__ = ("attrib", "encoding", "generated_datetime", "language", "root_tag", "version")

    def __init__(self, root_tag: str, attrib: dict[str, str], encoding: str) -> None:
        self.root_tag = root_tag
        self.attrib = attrib
        self.encoding = encoding
        version = attrib.get("version")
        self.version = version.strip() if version is not None else None
        lang = attrib.get(XML_LANG)
        self.language = lang.strip().lower() if lang and lang.strip() else None
        self.generated_datetime = attrib.get("generated-datetime")


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
    at = f" at line {line}" if line else ""
    if msg.startswith("Document is empty"):
        return IatiFileError(f"{name} is empty: it contains no XML element.", line=line)
    if msg.startswith("Start tag expected") and line == 1:
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
    if "Detected an entity reference loop" in msg or "entity" in msg.lower():
        return IatiFileError(
            f"{name} uses XML entities{at}, which IATI files never do; refused ({msg}).",
            line=line,
        )
    return IatiFileError(
        f"{name} is not well-formed XML{at}: {msg.splitlines()[0]}.", line=line
    )


def _probe_header(path: PathLike) -> tuple[_Header, bytes]:
    """Read just enough to see the root start tag; refuse DOCTYPE, wrong root, wrong version."""
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
        header = _Header(seen.tag, seen.attrib, _sniff_encoding(head))
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


def _first_activity_is_1x(path: PathLike) -> tuple[bool, int | None]:
    context = etree.iterparse(str(path), events=("end",), tag="iati-activity", **_SAFE)
    for _, el in context:
        return _is_1x_activity(el), el.sourceline
    return False, None


class _ActivityCounter:
    """Counts ``<iati-activity`` start tags in raw bytes (or decoded text), skipping comments,
    CDATA sections and processing instructions. Exact on a well-formed document (elsewhere a
    raw ``<`` cannot occur), and about 100 times cheaper than a Python call per element."""

    _TERMINATORS: dict[str, str] = {"<!--": "-->", "<![CDATA[": "]]>", "<?": "?>"}

    def __init__(self, encoding: str) -> None:
        self.count = 0
        self._decoder: codecs.IncrementalDecoder | None = None
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            info = codecs.lookup("utf-8")
        ascii_safe = info.name in ("utf-8", "ascii", "latin-1", "utf-8-sig") or (
            info.name.startswith(("iso8859", "cp125"))
        )
        if not ascii_safe:
            name = info.name
            if name.startswith("utf-16"):
                name = "utf-16"  # handles the BOM
            elif name.startswith("utf-32"):
                name = "utf-32"
            self._decoder = codecs.getincrementaldecoder(name)(errors="replace")
        self._re = re.compile(r"<!--|<!\[CDATA\[|<\?|<iati-activity[\s/>]")
        self._re_b = re.compile(rb"<!--|<!\[CDATA\[|<\?|<iati-activity[\s/>]")
        self._buf_s = ""
        self._buf_b = b""
        self._term: str | None = None

    def feed(self, data: bytes) -> None:
        if self._decoder is not None:
            self._buf_s = self._scan_s(self._buf_s + self._decoder.decode(data))
        else:
            self._buf_b = self._scan_b(self._buf_b + data)

    def _scan_b(self, buf: bytes) -> bytes:
        pos, n = 0, len(buf)
        search = self._re_b.search
        while True:
            if self._term is not None:
                term = self._term.encode("ascii")
                i = buf.find(term, pos)
                if i < 0:
                    return buf[max(pos, n - len(term) + 1) :]
                pos = i + len(term)
                self._term = None
            m = search(buf, pos)
            if m is None:
                return buf[max(pos, n - 15) :]
            token = m.group()
            pos = m.end()
            if token.startswith(b"<i"):
                self.count += 1
            else:
                self._term = self._TERMINATORS[token.decode("ascii")]

    def _scan_s(self, buf: str) -> str:
        pos, n = 0, len(buf)
        search = self._re.search
        while True:
            if self._term is not None:
                term = self._term
                i = buf.find(term, pos)
                if i < 0:
                    return buf[max(pos, n - len(term) + 1) :]
                pos = i + len(term)
                self._term = None
            m = search(buf, pos)
            if m is None:
                return buf[max(pos, n - 15) :]
            token = m.group()
            pos = m.end()
            if token.startswith("<i"):
                self.count += 1
            else:
                self._term = self._TERMINATORS[token]


def _parse_generated(raw: str | None) -> tuple[dt.datetime | None, str | None]:
    if raw is None:
        return None, None
    try:
        value, note = _parse_datetime(raw)
    except ValueError:
        return None, f"generated-datetime '{raw}' is not a date-time; ignored"
    return value, note


def check_file(path: PathLike) -> FileInfo:
    """Prove that ``path`` is a well-formed IATI 2.01-2.03 activity file, without keeping any of
    it; count its activities and hash it. Raises ``IatiFileError`` with a sentence for the user.
    """
    name = Path(path).name
    header, head = _probe_header(path)
    parser = etree.XMLParser(target=_NullTarget(), **_SAFE)
    counter = _ActivityCounter(header.encoding)
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(CHUNK_SIZE)
                if not chunk:
                    break
                size += len(chunk)
                digest.update(chunk)
                counter.feed(chunk)
                parser.feed(chunk)
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(name, exc, head) from None

    warnings: list[DataQualityWarning] = []
    if header.version is None:
        is_1x, line = _first_activity_is_1x(path)
        if is_1x:
            raise _refuse_1x(name, line)
        warnings.append(
            DataQualityWarning("iati-activities", 1, "no version attribute, read as 2.03")
        )
    generated, note = _parse_generated(header.generated_datetime)
    if note:
        warnings.append(DataQualityWarning("iati-activities/@generated-datetime", 1, note))
    if counter.count == 0:
        warnings.append(DataQualityWarning("iati-activities", 1, "the file has no iati-activity"))
    return FileInfo(
        path=str(path),
        root_tag=header.root_tag,
        version=header.version,
        generated_datetime=generated,
        default_language=header.language,
        encoding=header.encoding,
        activity_count=counter.count,
        byte_size=size,
        sha256=digest.hexdigest(),
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
    value = dt.datetime(
        int(year), int(month), int(day), hour, minute, second, micro, tzinfo=tzinfo
    )
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
_K_SECTOR = _K_REGION
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

# Children of iati-activity that the model holds at most once.
_SINGLETONS = frozenset(
    {
        "iati-identifier",
        "reporting-org",
        "title",
        "activity-status",
        "activity-scope",
        "collaboration-type",
        "default-flow-type",
        "default-finance-type",
        "default-tied-status",
    }
)


class _ActivityReader:
    """Reads one ``iati-activity`` element into a ``ParsedActivity``. One instance per file."""

    def __init__(
        self,
        *,
        file_language: str | None,
        checker: CodelistChecker | None,
    ) -> None:
        self.file_language = file_language
        self.checker = checker
        self._lang_cache: dict[str, str | None] = {}
        self._handlers: dict[str, Callable[[etree._Element, ParsedActivity], None]] = {
            "iati-identifier": self._identifier,
            "reporting-org": self._reporting_org,
            "title": self._title,
            "description": self._description,
            "participating-org": self._participating_org,
            "activity-status": self._activity_status,
            "activity-date": self._activity_date,
            "activity-scope": self._activity_scope,
            "recipient-country": self._recipient_country,
            "recipient-region": self._recipient_region,
            "location": self._location,
            "sector": self._sector,
            "tag": self._tag,
            "policy-marker": self._policy_marker,
            "collaboration-type": self._collaboration_type,
            "default-flow-type": self._default_flow_type,
            "default-finance-type": self._default_finance_type,
            "default-aid-type": self._default_aid_type,
            "default-tied-status": self._default_tied_status,
            "budget": self._budget,
            "transaction": self._transaction,
            "document-link": self._document_link,
            "related-activity": self._related_activity,
        }
        # per-activity state
        self.lang = ""
        self.warnings: list[DataQualityWarning] = []
        self.extras: dict[str, ExtraContent] = {}
        self.pending: list[tuple[str, etree._Element]] = []
        self.others: list[etree._Element] = []

    # ------------------------------------------------------------------ entry point

    def read(self, el: etree._Element) -> ParsedActivity:
        """Extract the model. Raises ``_Refuse``. Keeps element references in ``self.others``
        and ``self.pending`` until ``finish()`` serialises them (after validation)."""
        self.warnings = []
        self.extras = {}
        self.pending = []
        self.others = []
        own_lang = el.get(XML_LANG)
        lang = own_lang.strip().lower() if own_lang and own_lang.strip() else None
        if lang is None:
            lang = self.file_language
        self.lang = lang or ""
        line = el.sourceline
        activity = ParsedActivity(
            iati_identifier="",
            reporting_org=OrgRef(None, None, {}),
            default_language=lang,
            source_line=line or 0,
        )
        self._check_attributes(el, "", _K_ACTIVITY)
        if lang is not None:
            self._language(lang, el, "")
        get = el.get
        currency = get("default-currency")
        activity.default_currency = currency
        if currency is not None:
            self._code("@default-currency", currency, None, el, "")
        raw = get("last-updated-datetime")
        if raw is not None:
            try:
                value, note = _parse_datetime(raw)
            except ValueError:
                raise _Refuse(
                    "iati-activity/@last-updated-datetime",
                    line,
                    f"last-updated-datetime '{raw}' is not a date-time",
                ) from None
            activity.last_updated_datetime = value
            if note:
                self._warn("", el, f"last-updated-datetime {note}")
        activity.hierarchy = self._int(get("hierarchy"), "@hierarchy", el, "hierarchy")
        activity.humanitarian = self._bool(get("humanitarian"), "@humanitarian", el)
        activity.linked_data_uri = get("linked-data-uri")
        activity.budget_not_provided = get("budget-not-provided")
        if activity.budget_not_provided is not None:
            self._code("@budget-not-provided", activity.budget_not_provided, None, el, "")

        seen: set[str] = set()
        handlers = self._handlers
        for child in el:
            tag = child.tag
            if type(tag) is not str:
                continue  # comment or processing instruction
            handler = handlers.get(tag)
            if handler is None:
                self.others.append(child)
                continue
            if tag in _SINGLETONS:
                if tag in seen:
                    self.others.append(child)
                    continue
                seen.add(tag)
            handler(child, activity)

        if not activity.iati_identifier:
            reason = (
                "iati-identifier is empty"
                if "iati-identifier" in seen
                else "the activity has no iati-identifier"
            )
            raise _Refuse("iati-activity/iati-identifier", line, reason)
        if "reporting-org" not in seen:
            raise _Refuse("iati-activity/reporting-org", line, "the activity has no reporting-org")
        org = activity.reporting_org
        if not (org.ref and org.ref.strip()) and not any(t for t in org.name.values()):
            raise _Refuse(
                "iati-activity/reporting-org",
                line,
                "reporting-org has neither a ref nor a name",
            )
        return activity

    def finish(self, activity: ParsedActivity) -> None:
        """Serialise the kept elements. Call only when no other thread uses the tree."""
        for child in self.others:
            activity.other_elements.append(OtherElement(child.tag, _canonical(child)))
        for path, child in self.pending:
            self._extra(path).elements.append(_canonical(child))
        activity.extra_content = list(self.extras.values())
        activity.warnings = self.warnings

    # ------------------------------------------------------------------ helpers

    def _warn(self, path: str, el: etree._Element, reason: str) -> None:
        self.warnings.append(DataQualityWarning(_full(path), el.sourceline, reason))

    def _extra(self, path: str) -> ExtraContent:
        extra = self.extras.get(path)
        if extra is None:
            extra = self.extras[path] = ExtraContent(path)
        return extra

    def _check_attributes(self, el: etree._Element, path: str, known: frozenset[str]) -> None:
        keys = el.keys()
        if keys and not known.issuperset(keys):
            attributes = self._extra(path).attributes
            for key in keys:
                if key not in known:
                    attributes[key] = el.get(key) or ""

    def _check_children(self, el: etree._Element, path: str) -> None:
        """For elements without modelled children: keep any child element."""
        if len(el):
            for child in el:
                if type(child.tag) is str:
                    self.pending.append((path, child))

    def _leaf(self, el: etree._Element, path: str, known: frozenset[str]) -> None:
        self._check_attributes(el, path, known)
        if len(el):
            self._check_children(el, path)

    def _code(
        self, key: str, code: str, vocabulary: str | None, el: etree._Element, path: str
    ) -> None:
        checker = self.checker
        if checker is not None:
            reason = checker.check(key, code, vocabulary)
            if reason is not None:
                self._warn(path, el, reason)

    def _language(self, lang: str, el: etree._Element, path: str) -> None:
        checker = self.checker
        if checker is None or not lang:
            return
        cache = self._lang_cache
        if lang in cache:
            reason = cache[lang]
        else:
            reason = checker.check("@xml:lang", lang)
            cache[lang] = reason
        if reason is not None:
            self._warn(path, el, reason.replace("@xml:lang", "xml:lang"))

    def _decimal(self, raw: str | None, path: str, el: etree._Element, what: str) -> Decimal | None:
        if raw is None:
            return None
        s = raw.strip()
        if not _RE_DECIMAL.match(s):
            raise _Refuse(_full(path), el.sourceline, f"{what} '{raw}' is not a number")
        return Decimal(s)

    def _date(self, raw: str | None, path: str, el: etree._Element, what: str) -> dt.date | None:
        if raw is None:
            return None
        m = _RE_DATE.match(raw.strip())
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
        raise _Refuse(_full(path), el.sourceline, f"{what} '{raw}' is not a date (YYYY-MM-DD)")

    def _bool(self, raw: str | None, path: str, el: etree._Element) -> bool | None:
        if raw is None:
            return None
        value = _BOOLEANS.get(raw.strip())
        if value is None:
            raise _Refuse(
                _full(path), el.sourceline, f"{path.rsplit('@', 1)[-1]} '{raw}' is not a boolean"
            )
        return value

    def _int(self, raw: str | None, path: str, el: etree._Element, what: str) -> int | None:
        if raw is None:
            return None
        s = raw.strip()
        if not _RE_INT.match(s):
            raise _Refuse(_full(path), el.sourceline, f"{what} '{raw}' is not a whole number")
        return int(s)

    def _narratives(self, el: etree._Element, path: str) -> Narratives:
        """The ``narrative`` children; other child elements are kept as extra content."""
        out: Narratives = {}
        default = self.lang
        for child in el:
            tag = child.tag
            if tag == "narrative":
                raw_lang = child.get(XML_LANG)
                if raw_lang:
                    lang = raw_lang.strip().lower()
                    if lang != default:
                        self._language(lang, child, path)
                else:
                    lang = default
                if len(child):
                    text = "".join(child.itertext()).strip()
                else:
                    text = (child.text or "").strip()
                if lang in out:
                    out[lang] = out[lang] + "\n" + text
                else:
                    out[lang] = text
                keys = child.keys()
                if keys and not _K_LANG.issuperset(keys):
                    index = list(out).index(lang) + 1
                    self._check_attributes(child, f"{path}/narrative[{index}]", _K_LANG)
            elif type(tag) is str:
                self.pending.append((path, child))
        return out

    # ------------------------------------------------------------------ activity children

    def _identifier(self, el: etree._Element, a: ParsedActivity) -> None:
        self._leaf(el, "iati-identifier", _K_NONE)
        a.iati_identifier = (el.text or "").strip()

    def _reporting_org(self, el: etree._Element, a: ParsedActivity) -> None:
        path = "reporting-org"
        self._check_attributes(el, path, _K_REPORTING)
        type_ = el.get("type")
        if type_ is not None:
            self._code("reporting-org/@type", type_, None, el, path)
        a.reporting_org = OrgRef(
            ref=el.get("ref"),
            type=type_,
            name=self._narratives(el, path),
            secondary_reporter=self._bool(el.get("secondary-reporter"), path + "/@secondary-reporter", el),
        )

    def _title(self, el: etree._Element, a: ParsedActivity) -> None:
        self._check_attributes(el, "title", _K_NONE)
        a.title = self._narratives(el, "title")

    def _description(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"description[{len(a.descriptions) + 1}]"
        self._check_attributes(el, path, _K_TYPE)
        type_ = el.get("type")
        if type_ is not None:
            self._code("description/@type", type_, None, el, path)
        a.descriptions.append(Description(type_, self._narratives(el, path)))

    def _participating_org(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"participating-org[{len(a.participating_orgs) + 1}]"
        self._check_attributes(el, path, _K_PARTICIPATING)
        get = el.get
        role, type_, channel = get("role"), get("type"), get("crs-channel-code")
        if role is not None:
            self._code("participating-org/@role", role, None, el, path)
        if type_ is not None:
            self._code("participating-org/@type", type_, None, el, path)
        if channel is not None:
            self._code("participating-org/@crs-channel-code", channel, None, el, path)
        a.participating_orgs.append(
            ParticipatingOrg(
                ref=get("ref"),
                type=type_,
                role=role,
                activity_id=get("activity-id"),
                crs_channel_code=channel,
                name=self._narratives(el, path),
            )
        )

    def _simple_code(self, el: etree._Element, tag: str) -> str | None:
        self._leaf(el, tag, _K_CODE)
        code = el.get("code")
        if code is not None:
            self._code(f"{tag}/@code", code, None, el, tag)
        return code

    def _activity_status(self, el: etree._Element, a: ParsedActivity) -> None:
        a.activity_status = self._simple_code(el, "activity-status")

    def _activity_scope(self, el: etree._Element, a: ParsedActivity) -> None:
        a.activity_scope = self._simple_code(el, "activity-scope")

    def _collaboration_type(self, el: etree._Element, a: ParsedActivity) -> None:
        a.collaboration_type = self._simple_code(el, "collaboration-type")

    def _default_flow_type(self, el: etree._Element, a: ParsedActivity) -> None:
        a.default_flow_type = self._simple_code(el, "default-flow-type")

    def _default_finance_type(self, el: etree._Element, a: ParsedActivity) -> None:
        a.default_finance_type = self._simple_code(el, "default-finance-type")

    def _default_tied_status(self, el: etree._Element, a: ParsedActivity) -> None:
        a.default_tied_status = self._simple_code(el, "default-tied-status")

    def _activity_date(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"activity-date[{len(a.activity_dates) + 1}]"
        self._check_attributes(el, path, _K_ACTIVITY_DATE)
        type_ = el.get("type")
        if type_ is not None:
            self._code("activity-date/@type", type_, None, el, path)
        a.activity_dates.append(
            ActivityDate(
                type=type_,
                iso_date=self._date(el.get("iso-date"), path + "/@iso-date", el, "iso-date"),
                narrative=self._narratives(el, path),
            )
        )

    def _recipient_country(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"recipient-country[{len(a.recipient_countries) + 1}]"
        self._check_attributes(el, path, _K_COUNTRY)
        code = el.get("code")
        if code is not None:
            self._code("recipient-country/@code", code, None, el, path)
        a.recipient_countries.append(
            RecipientCountry(
                code=code,
                percentage=self._decimal(el.get("percentage"), path, el, "percentage"),
                narrative=self._narratives(el, path),
            )
        )

    def _region(self, el: etree._Element, path: str, key: str, with_percentage: bool) -> RecipientRegion:
        self._check_attributes(el, path, _K_REGION if with_percentage else _K_TAG)
        get = el.get
        code, vocabulary = get("code"), get("vocabulary")
        if code is not None:
            self._code(f"{key}/@code", code, vocabulary, el, path)
        if vocabulary is not None:
            self._code(f"{key}/@vocabulary", vocabulary, None, el, path)
        return RecipientRegion(
            code=code,
            vocabulary=vocabulary,
            vocabulary_uri=get("vocabulary-uri"),
            percentage=(
                self._decimal(get("percentage"), path, el, "percentage") if with_percentage else None
            ),
            narrative=self._narratives(el, path),
        )

    def _recipient_region(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"recipient-region[{len(a.recipient_regions) + 1}]"
        a.recipient_regions.append(self._region(el, path, "recipient-region", True))

    def _sector_of(self, el: etree._Element, path: str, key: str, with_percentage: bool) -> Sector:
        self._check_attributes(el, path, _K_SECTOR if with_percentage else _K_TAG)
        get = el.get
        code, vocabulary = get("code"), get("vocabulary")
        if code is not None:
            self._code(f"{key}/@code", code, vocabulary, el, path)
        if vocabulary is not None:
            self._code(f"{key}/@vocabulary", vocabulary, None, el, path)
        return Sector(
            code=code,
            vocabulary=vocabulary,
            vocabulary_uri=get("vocabulary-uri"),
            percentage=(
                self._decimal(get("percentage"), path, el, "percentage") if with_percentage else None
            ),
            narrative=self._narratives(el, path),
        )

    def _sector(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"sector[{len(a.sectors) + 1}]"
        a.sectors.append(self._sector_of(el, path, "sector", True))

    def _tag(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"tag[{len(a.tags) + 1}]"
        self._check_attributes(el, path, _K_TAG)
        get = el.get
        code, vocabulary = get("code"), get("vocabulary")
        if code is not None:
            self._code("tag/@code", code, vocabulary, el, path)
        if vocabulary is not None:
            self._code("tag/@vocabulary", vocabulary, None, el, path)
        a.tags.append(
            Tag(
                code=code,
                vocabulary=vocabulary,
                vocabulary_uri=get("vocabulary-uri"),
                narrative=self._narratives(el, path),
            )
        )

    def _policy_marker(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"policy-marker[{len(a.policy_markers) + 1}]"
        self._check_attributes(el, path, _K_POLICY)
        get = el.get
        code, vocabulary, significance = get("code"), get("vocabulary"), get("significance")
        if code is not None:
            self._code("policy-marker/@code", code, vocabulary, el, path)
        if vocabulary is not None:
            self._code("policy-marker/@vocabulary", vocabulary, None, el, path)
        if significance is not None:
            self._code("policy-marker/@significance", significance, None, el, path)
        a.policy_markers.append(
            PolicyMarker(
                code=code,
                vocabulary=vocabulary,
                vocabulary_uri=get("vocabulary-uri"),
                significance=significance,
                narrative=self._narratives(el, path),
            )
        )

    def _aid_type(self, el: etree._Element, path: str, key: str) -> CodeVocabulary:
        self._leaf(el, path, _K_CODE_VOCAB)
        code, vocabulary = el.get("code"), el.get("vocabulary")
        if code is not None:
            self._code(f"{key}/@code", code, vocabulary, el, path)
        if vocabulary is not None:
            self._code(f"{key}/@vocabulary", vocabulary, None, el, path)
        return CodeVocabulary(code, vocabulary)

    def _default_aid_type(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"default-aid-type[{len(a.default_aid_types) + 1}]"
        a.default_aid_types.append(self._aid_type(el, path, "default-aid-type"))

    def _value(
        self, el: etree._Element, path: str, key: str
    ) -> tuple[Decimal | None, str | None, dt.date | None]:
        self._leaf(el, path, _K_VALUE)
        currency = el.get("currency")
        if currency is not None:
            self._code(f"{key}/@currency", currency, None, el, path)
        text = el.text
        if text is None or not text.strip():
            raise _Refuse(_full(path), el.sourceline, "value is empty")
        amount = self._decimal(text, path, el, "value")
        value_date = self._date(el.get("value-date"), path + "/@value-date", el, "value-date")
        return amount, currency, value_date

    def _budget(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"budget[{len(a.budgets) + 1}]"
        self._check_attributes(el, path, _K_BUDGET)
        type_, status = el.get("type"), el.get("status")
        if type_ is not None:
            self._code("budget/@type", type_, None, el, path)
        if status is not None:
            self._code("budget/@status", status, None, el, path)
        start = end = value_date = None
        value: Decimal | None = None
        currency: str | None = None
        seen: set[str] = set()
        for child in el:
            tag = child.tag
            if type(tag) is not str:
                continue
            if tag in seen or tag not in ("period-start", "period-end", "value"):
                self.pending.append((path, child))
                continue
            seen.add(tag)
            if tag == "value":
                value, currency, value_date = self._value(child, f"{path}/value", "budget/value")
            elif tag == "period-start":
                self._leaf(child, f"{path}/period-start", _K_ISO)
                start = self._date(child.get("iso-date"), f"{path}/period-start", child, "iso-date")
            else:
                self._leaf(child, f"{path}/period-end", _K_ISO)
                end = self._date(child.get("iso-date"), f"{path}/period-end", child, "iso-date")
        a.budgets.append(Budget(type_, status, start, end, value, currency, value_date))

    def _org(
        self, el: etree._Element, path: str, key: str, known: frozenset[str], id_attr: str
    ) -> TransactionOrg:
        self._check_attributes(el, path, known)
        type_ = el.get("type")
        if type_ is not None:
            self._code(f"{key}/@type", type_, None, el, path)
        return TransactionOrg(
            ref=el.get("ref"),
            type=type_,
            activity_id=el.get(id_attr),
            narrative=self._narratives(el, path),
        )

    def _transaction(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"transaction[{len(a.transactions) + 1}]"
        self._check_attributes(el, path, _K_TRANSACTION)
        t = Transaction(
            ref=el.get("ref"),
            humanitarian=self._bool(el.get("humanitarian"), path + "/@humanitarian", el),
            type=None,
            date=None,
            value=None,
            currency=None,
            value_date=None,
            description={},
            provider_org=None,
            receiver_org=None,
            disbursement_channel=None,
            sectors=[],
            recipient_country=None,
            recipient_region=None,
            flow_type=None,
            finance_type=None,
            aid_types=[],
            tied_status=None,
        )
        seen: set[str] = set()
        for child in el:
            tag = child.tag
            if type(tag) is not str:
                continue
            if tag == "sector":
                t.sectors.append(
                    self._sector_of(
                        child, f"{path}/sector[{len(t.sectors) + 1}]", "transaction/sector", False
                    )
                )
                continue
            if tag == "aid-type":
                t.aid_types.append(
                    self._aid_type(
                        child, f"{path}/aid-type[{len(t.aid_types) + 1}]", "transaction/aid-type"
                    )
                )
                continue
            if tag in seen or tag not in _TRANSACTION_SINGLETONS:
                self.pending.append((path, child))
                continue
            seen.add(tag)
            cpath = f"{path}/{tag}"
            if tag == "transaction-type":
                self._leaf(child, cpath, _K_CODE)
                t.type = child.get("code")
                if t.type is not None:
                    self._code("transaction/transaction-type/@code", t.type, None, child, cpath)
            elif tag == "transaction-date":
                self._leaf(child, cpath, _K_ISO)
                t.date = self._date(child.get("iso-date"), cpath + "/@iso-date", child, "iso-date")
            elif tag == "value":
                t.value, t.currency, t.value_date = self._value(child, cpath, "transaction/value")
            elif tag == "description":
                self._check_attributes(child, cpath, _K_NONE)
                t.description = self._narratives(child, cpath)
            elif tag == "provider-org":
                t.provider_org = self._org(
                    child, cpath, "transaction/provider-org", _K_PROVIDER, "provider-activity-id"
                )
            elif tag == "receiver-org":
                t.receiver_org = self._org(
                    child, cpath, "transaction/receiver-org", _K_RECEIVER, "receiver-activity-id"
                )
            elif tag == "recipient-country":
                self._check_attributes(child, cpath, _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code("transaction/recipient-country/@code", code, None, child, cpath)
                t.recipient_country = RecipientCountry(code, None, self._narratives(child, cpath))
            elif tag == "recipient-region":
                t.recipient_region = self._region(child, cpath, "transaction/recipient-region", False)
            else:  # disbursement-channel, flow-type, finance-type, tied-status
                self._leaf(child, cpath, _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code(f"transaction/{tag}/@code", code, None, child, cpath)
                if tag == "disbursement-channel":
                    t.disbursement_channel = code
                elif tag == "flow-type":
                    t.flow_type = code
                elif tag == "finance-type":
                    t.finance_type = code
                else:
                    t.tied_status = code
        a.transactions.append(t)

    def _location(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"location[{len(a.locations) + 1}]"
        self._check_attributes(el, path, _K_LOCATION)
        loc = Location(
            ref=el.get("ref"),
            location_reach=None,
            location_ids=[],
            name={},
            description={},
            activity_description={},
            administratives=[],
            point=None,
            exactness=None,
            location_class=None,
            feature_designation=None,
        )
        seen: set[str] = set()
        for child in el:
            tag = child.tag
            if type(tag) is not str:
                continue
            if tag == "location-id":
                cpath = f"{path}/location-id[{len(loc.location_ids) + 1}]"
                self._leaf(child, cpath, _K_CODE_VOCAB)
                code, vocabulary = child.get("code"), child.get("vocabulary")
                if vocabulary is not None:
                    self._code("location/location-id/@vocabulary", vocabulary, None, child, cpath)
                loc.location_ids.append(CodeVocabulary(code, vocabulary))
                continue
            if tag == "administrative":
                cpath = f"{path}/administrative[{len(loc.administratives) + 1}]"
                self._leaf(child, cpath, _K_ADMIN)
                code, vocabulary = child.get("code"), child.get("vocabulary")
                if vocabulary is not None:
                    self._code("location/administrative/@vocabulary", vocabulary, None, child, cpath)
                    if code is not None:
                        self._code("location/administrative/@code", code, vocabulary, child, cpath)
                level = self._int(child.get("level"), cpath + "/@level", child, "level")
                loc.administratives.append(Administrative(code, vocabulary, level))
                continue
            if tag in seen or tag not in _LOCATION_SINGLETONS:
                self.pending.append((path, child))
                continue
            seen.add(tag)
            cpath = f"{path}/{tag}"
            if tag in ("name", "description", "activity-description"):
                self._check_attributes(child, cpath, _K_NONE)
                narratives = self._narratives(child, cpath)
                if tag == "name":
                    loc.name = narratives
                elif tag == "description":
                    loc.description = narratives
                else:
                    loc.activity_description = narratives
            elif tag == "point":
                loc.point = self._point(child, cpath)
            else:  # location-reach, exactness, location-class, feature-designation
                self._leaf(child, cpath, _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code(f"location/{tag}/@code", code, None, child, cpath)
                if tag == "location-reach":
                    loc.location_reach = code
                elif tag == "exactness":
                    loc.exactness = code
                elif tag == "location-class":
                    loc.location_class = code
                else:
                    loc.feature_designation = code
        a.locations.append(loc)

    def _point(self, el: etree._Element, path: str) -> Point:
        self._check_attributes(el, path, _K_POINT)
        pos: str | None = None
        for child in el:
            tag = child.tag
            if type(tag) is not str:
                continue
            if tag == "pos" and pos is None:
                self._leaf(child, f"{path}/pos", _K_NONE)
                pos = " ".join((child.text or "").split())
            else:
                self.pending.append((path, child))
        point = Point(el.get("srsName"), pos)
        if pos is not None and point.latitude_longitude() is None:
            self._warn(
                f"{path}/pos", el, f"pos '{pos}' is not a latitude and a longitude in range"
            )
        return point

    def _document_link(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"document-link[{len(a.document_links) + 1}]"
        self._check_attributes(el, path, _K_DOCLINK)
        fmt = el.get("format")
        if fmt is not None:
            self._code("document-link/@format", fmt, None, el, path)
        link = DocumentLink(
            url=el.get("url"),
            format=fmt,
            title={},
            description={},
            categories=[],
            languages=[],
            document_date=None,
        )
        seen: set[str] = set()
        for child in el:
            tag = child.tag
            if type(tag) is not str:
                continue
            if tag == "category":
                cpath = f"{path}/category[{len(link.categories) + 1}]"
                self._leaf(child, cpath, _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code("document-link/category/@code", code, None, child, cpath)
                link.categories.append(code or "")
                continue
            if tag == "language":
                cpath = f"{path}/language[{len(link.languages) + 1}]"
                self._leaf(child, cpath, _K_CODE)
                code = child.get("code")
                if code is not None:
                    self._code("document-link/language/@code", code, None, child, cpath)
                link.languages.append(code or "")
                continue
            if tag in seen or tag not in ("title", "description", "document-date"):
                self.pending.append((path, child))
                continue
            seen.add(tag)
            cpath = f"{path}/{tag}"
            if tag == "title":
                self._check_attributes(child, cpath, _K_NONE)
                link.title = self._narratives(child, cpath)
            elif tag == "description":
                self._check_attributes(child, cpath, _K_NONE)
                link.description = self._narratives(child, cpath)
            else:
                self._leaf(child, cpath, _K_ISO)
                link.document_date = self._date(
                    child.get("iso-date"), cpath + "/@iso-date", child, "iso-date"
                )
        a.document_links.append(link)

    def _related_activity(self, el: etree._Element, a: ParsedActivity) -> None:
        path = f"related-activity[{len(a.related_activities) + 1}]"
        self._leaf(el, path, _K_RELATED)
        type_ = el.get("type")
        if type_ is not None:
            self._code("related-activity/@type", type_, None, el, path)
        a.related_activities.append(RelatedActivity(el.get("ref"), type_))


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


def _canonical(el: etree._Element) -> str:
    """Exclusive C14N (stable, only the namespaces the element uses, no comments) after dropping
    white space that only indents (text or tails that are blank, in elements that have element
    children): so re-indenting a file does not change an activity's content. Mutates ``el``,
    which is about to be cleared anyway."""
    for node in el.iter():
        if len(node):
            text = node.text
            if text is not None and not text.strip():
                node.text = None
            for child in node:
                tail = child.tail
                if tail is not None and not tail.strip():
                    child.tail = None
    data = etree.tostring(el, method="c14n", exclusive=True, with_comments=False)
    return data.decode("utf-8")


# =========================================================================== streaming


def _schema_refusal(identifier: str | None, line: int | None, issues: list[SchemaIssue]) -> RefusedActivity:
    first = issues[0]
    where = f" (line {first.line})" if first.line else ""
    more = f"; and {len(issues) - 1} more schema error(s)" if len(issues) > 1 else ""
    return RefusedActivity(
        identifier=identifier,
        line=first.line or line,
        element=first.path or "iati-activity",
        reason=f"schema error in {first.path}{where}: {first.message.strip()}{more}",
    )


def iter_activities(
    path: PathLike, *, strict: bool = False, codelists: bool = True
) -> Iterator[ParsedActivity | RefusedActivity]:
    """Stream the activities of ``path``.

    Yields a ``ParsedActivity`` for each activity that can be read faithfully (schema and codelist
    deviations are in its ``warnings``), or a ``RefusedActivity`` saying why not. With
    ``strict=True`` any schema error refuses the activity. ``codelists=False`` skips the codelist
    checks. Raises ``IatiFileError`` for what ``check_file`` refuses (it re-checks the start of
    the file, and a file that turns out broken mid-way raises when the break is reached: run
    ``check_file`` first so that nothing is written from such a file).
    """
    name = Path(path).name
    header, head = _probe_header(path)
    reader = _ActivityReader(
        file_language=header.language,
        checker=codelist_checker() if codelists else None,
    )
    schema = activity_schema()
    need_structure_check = header.version is None
    context = etree.iterparse(str(path), events=("end",), tag="iati-activity", **_SAFE)
    try:
        for _, el in context:
            parent = el.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # an iati-activity nested in something else: part of that thing
            if need_structure_check:
                need_structure_check = False
                if _is_1x_activity(el):
                    raise _refuse_1x(name, el.sourceline)
            result = _read_one(reader, schema, el, strict)
            el.clear(keep_tail=False)
            while el.getprevious() is not None:
                del parent[0]
            yield result
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(name, exc, head) from None


def _read_one(
    reader: _ActivityReader, schema: etree.XMLSchema, el: etree._Element, strict: bool
) -> ParsedActivity | RefusedActivity:
    line = el.sourceline
    issues: list[SchemaIssue] = []
    if not schema.validate(el):
        issues = issues_from_log(schema.error_log)
    if strict and issues:
        return _schema_refusal(_identifier_of(el), line, issues)
    try:
        activity = reader.read(el)
    except _Refuse as refusal:
        return RefusedActivity(
            identifier=_identifier_of(el) or None,
            line=refusal.line or line,
            element=refusal.path,
            reason=refusal.reason,
        )
    reader.finish(activity)
    if issues:
        schema_warnings = [
            DataQualityWarning(issue.path or "iati-activity", issue.line, issue.reason)
            for issue in issues
        ]
        activity.warnings = schema_warnings + activity.warnings
    return activity


def _identifier_of(el: etree._Element) -> str | None:
    text = el.findtext("iati-identifier")
    if text is None:
        return None
    return text.strip() or None
