"""Schema and codelist checks for IATI activities.

* ``validate_element(el)`` validates one ``iati-activity`` element against the shipped 2.03
  ``iati-activities-schema.xsd``; ``validate_file(path)`` a whole (small) file. The streaming
  parser validates its activities a batch at a time instead: the document root
  (``iati-activities`` holding the batch) is validated in one libxml2 call, which is the same as
  wrapping each activity in ``<iati-activities version="2.03">``; each error keeps its source line
  and a path such as ``/iati-activities/iati-activity[3]/location[2]/point``, which the parser
  turns into ``iati-activity/location[2]/point``.
* ``CodelistChecker`` checks codes against the shipped codelists, using ``mapping.xml`` to know
  which codelist applies where, and under which ``@vocabulary`` (codes of other vocabularies are
  not checked).

The schema is parsed once per process (lazily) with ``no_network=True``; its include and import
(``iati-common.xsd``, ``xml.xsd``) resolve to the files next to it.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from pathlib import Path

from lxml import etree

from cbcoord.iati.codelists import MAPPING_FILE, CodelistNotFound, load_codelist
from cbcoord.iati.diagnostics import reason_of

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
ACTIVITY_SCHEMA_FILE = SCHEMA_DIR / "iati-activities-schema.xsd"

_schema_lock = threading.Lock()
_schema_doc: etree._ElementTree | None = None


def safe_parser(**extra: bool) -> etree.XMLParser:
    """The only kind of parser cbcoord uses for IATI data: no entities, no DTD, no network."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, **extra
    )


def activity_schema_document() -> etree._ElementTree:
    """The parsed ``iati-activities-schema.xsd`` (kept for the process). ``XMLSchema(doc)``
    compiles it in a few milliseconds: a validator that runs in its own thread gets its own."""
    global _schema_doc
    if _schema_doc is None:
        with _schema_lock:
            if _schema_doc is None:
                _schema_doc = etree.parse(str(ACTIVITY_SCHEMA_FILE), safe_parser())
    return _schema_doc


_local = threading.local()


def activity_schema() -> etree.XMLSchema:
    """The IATI 2.03 activity schema, compiled once per thread (an ``XMLSchema`` keeps its error
    log on itself, so threads must not share one)."""
    schema: etree.XMLSchema | None = getattr(_local, "schema", None)
    if schema is None:
        schema = _local.schema = etree.XMLSchema(activity_schema_document())
    return schema


@dataclasses.dataclass(slots=True, frozen=True)
class SchemaIssue:
    path: str  # "iati-activity/location[2]/point"
    line: int | None
    message: str  # libxml2's message, as is
    reason: str  # the message rewritten in plain English, naming the element
    code: str = "schema.other"  # the kind of issue (cbcoord.iati.diagnostics)
    params: dict[str, str] = dataclasses.field(default_factory=dict)  # what ``reason`` names


_RE_ELEMENT = re.compile(r"^Element '([^']*)'(?:, attribute '([^']*)')?: (.*)$", re.S)
_RE_EXPECTED = re.compile(r"Expected is(?: one of)? \( (.*?) \)\.")
_RE_TYPE = re.compile(r"^'(.*)' is not a valid value of the (?:atomic|list|union) type '([^']*)'\.")
_TYPE_NAMES = {
    "xs:date": "date (YYYY-MM-DD)",
    "xs:dateTime": "date-time (YYYY-MM-DDThh:mm:ss)",
    "xs:decimal": "decimal number",
    "xs:boolean": "boolean (0, 1, true or false)",
    "xs:int": "whole number",
    "xs:nonNegativeInteger": "non-negative whole number",
    "xs:positiveInteger": "positive whole number",
    "xs:anyURI": "URI",
    "xs:NMTOKEN": "name token",
}


def _short(name: str) -> str:
    """``{ns}local`` -> ``local`` for messages (the namespace stays in the path)."""
    return name.rsplit("}", 1)[-1]


# Messages that name nothing but the element: how each starts, and its warning code.
_ELEMENT_ONLY_MESSAGES = (
    ("Character content other than whitespace is not allowed", "schema.text-not-allowed"),
    ("Element content is not allowed", "schema.children-not-allowed"),
    ("No matching global declaration available for the validation root", "schema.unknown-element"),
)


def describe_message(message: str) -> tuple[str, dict[str, str]]:
    """A libxml2 schema message as a warning code and its parameters (``diagnostics``)."""
    message = " ".join(message.split())
    m = _RE_ELEMENT.match(message)
    if not m:
        return "schema.message", {"message": message}
    element, attribute, rest = _short(m.group(1)), m.group(2), m.group(3)
    if rest.startswith("Missing child element(s)."):
        return "schema.missing-child", {"element": element, "expected": _expected(rest)}
    if rest.startswith("This element is not expected."):
        expected = _expected(rest)
        if expected:
            return "schema.unexpected-element", {"element": element, "expected": expected}
        return "schema.no-more-children", {"element": element}
    if "is required but missing" in rest:
        missing = re.search(r"The attribute '([^']*)'", rest)
        name = missing.group(1) if missing else "?"
        return "schema.missing-attribute", {"element": element, "attribute": name}
    if rest.startswith("The attribute") and rest.endswith("is not allowed."):
        return "schema.attribute-not-allowed", {"element": element, "attribute": attribute or ""}
    where = f"{element}/@{attribute}" if attribute else element
    typed = _RE_TYPE.match(rest)
    if typed:
        kind = _TYPE_NAMES.get(typed.group(2), typed.group(2))
        return "schema.invalid-value", {
            "element": where,
            "value": typed.group(1),
            "type": typed.group(2),
            "kind": kind,
        }
    for start, code in _ELEMENT_ONLY_MESSAGES:
        if rest.startswith(start):
            return code, {"element": element}
    return "schema.other", {"element": where, "message": rest}


def _expected(rest: str) -> str:
    """The elements a message says were expected, each once ("" when it names none)."""
    expected = _RE_EXPECTED.search(rest)
    if not expected:
        return ""
    names = [n.strip() for n in expected.group(1).split(",")]
    names = ["an extension element" if n.startswith("##other") else n for n in names]
    return ", ".join(dict.fromkeys(names))


def rewrite_message(message: str) -> str:
    """Turn a libxml2 schema message into an English sentence that names the element."""
    return reason_of(*describe_message(message))


def issues_from_log(log: etree._ListErrorLog) -> list[SchemaIssue]:
    out: list[SchemaIssue] = []
    for entry in log:
        path = (entry.path or "").lstrip("/")
        line = entry.line if entry.line and entry.line > 0 else None
        code, params = describe_message(entry.message)
        out.append(SchemaIssue(path, line, entry.message, reason_of(code, params), code, params))
    return out


def validate_element(activity: etree._Element) -> list[SchemaIssue]:
    """Schema issues of one ``iati-activity`` element (empty list: valid)."""
    schema = activity_schema()
    if schema.validate(activity):
        return []
    return issues_from_log(schema.error_log)


def validate_file(path: str | Path) -> list[SchemaIssue]:
    """Schema issues of a whole (small) file. Loads it into memory: for tests and tools only."""
    doc = etree.parse(str(path), safe_parser())
    schema = activity_schema()
    if schema.validate(doc):
        return []
    return issues_from_log(schema.error_log)


# --------------------------------------------------------------------------- codelists


@dataclasses.dataclass(slots=True, frozen=True)
class CodelistRule:
    codelist: str
    vocabularies: frozenset[str] | None  # None: applies whatever the vocabulary
    without_vocabulary: bool  # also applies when @vocabulary is absent


_RE_VOCAB = re.compile(r"@vocabulary\s*=\s*'([^']*)'")


def _load_mapping() -> dict[str, list[CodelistRule]]:
    """mapping.xml as ``{"sector/@code": [rules]}``, paths relative to iati-activity."""
    root = etree.parse(str(MAPPING_FILE), safe_parser()).getroot()
    rules: dict[str, list[CodelistRule]] = {}
    for mapping in root.iterfind("mapping"):
        xpath = (mapping.findtext("path") or "").strip()
        codelist_el = mapping.find("codelist")
        if codelist_el is None:
            continue
        name = codelist_el.get("ref") or ""
        if xpath.startswith("//iati-activity/"):
            key = xpath[len("//iati-activity/") :]
        elif xpath == "//@xml:lang":
            key = "@xml:lang"
        else:
            continue  # iati-activities/@version, organisation files
        condition = (mapping.findtext("condition") or "").strip()
        if condition:
            vocabularies: frozenset[str] | None = frozenset(_RE_VOCAB.findall(condition))
            without = "not(@vocabulary)" in condition.replace(" ", "")
        else:
            vocabularies, without = None, True
        rules.setdefault(key, []).append(CodelistRule(name, vocabularies, without))
    return rules


class CodelistChecker:
    """Checks codes of the attributes that ``mapping.xml`` maps to a shipped codelist."""

    def __init__(self) -> None:
        self.rules = _load_mapping()
        self._codes: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        for rules in self.rules.values():
            for rule in rules:
                if rule.codelist not in self._codes:
                    try:
                        codelist = load_codelist(rule.codelist)
                    except CodelistNotFound:
                        continue
                    self._codes[rule.codelist] = (
                        codelist.active_codes,
                        codelist.withdrawn_codes,
                    )

    def has_rule(self, key: str) -> bool:
        return key in self.rules

    def allowed(self, key: str, vocabulary: str | None = None) -> frozenset[str] | None:
        """The active codes for ``key`` under ``vocabulary``, or None when nothing is checked
        (no mapping, a vocabulary without an IATI codelist, or a codelist not shipped)."""
        for rule in self.rules.get(key, ()):
            if rule.vocabularies is None:
                applies = True
            elif vocabulary is None:
                applies = rule.without_vocabulary
            else:
                applies = vocabulary in rule.vocabularies
            if applies:
                codes = self._codes.get(rule.codelist)
                return codes[0] if codes is not None else None
        return None

    def check(self, key: str, code: str, vocabulary: str | None = None) -> str | None:
        """None if fine (or not checkable), else the reason, e.g. "code 'X' is not in ..."."""
        problem = self.problem(key, code, vocabulary)
        return None if problem is None else reason_of(*problem)

    def problem(
        self, key: str, code: str, vocabulary: str | None = None
    ) -> tuple[str, dict[str, str]] | None:
        """None if fine (or not checkable), else the warning's code and parameters
        (``codelist.unknown-code`` or ``codelist.withdrawn-code``)."""
        rules = self.rules.get(key)
        if not rules:
            return None
        for rule in rules:
            if rule.vocabularies is None:
                applies = True
            elif vocabulary is None:
                applies = rule.without_vocabulary
            else:
                applies = vocabulary in rule.vocabularies
            if not applies:
                continue
            codes = self._codes.get(rule.codelist)
            if codes is None:
                return None
            active, withdrawn = codes
            if code in active:
                return None
            params = {"attribute": key.rsplit("/", 1)[-1], "code": code, "codelist": rule.codelist}
            if code in withdrawn:
                return "codelist.withdrawn-code", params
            return "codelist.unknown-code", params
        return None


_checker_lock = threading.Lock()
_checker: CodelistChecker | None = None


def codelist_checker() -> CodelistChecker:
    """The process-wide checker (codelists parsed on first use)."""
    global _checker
    if _checker is None:
        with _checker_lock:
            if _checker is None:
                _checker = CodelistChecker()
    return _checker


__all__ = [
    "ACTIVITY_SCHEMA_FILE",
    "CodelistChecker",
    "CodelistRule",
    "SchemaIssue",
    "activity_schema",
    "activity_schema_document",
    "codelist_checker",
    "describe_message",
    "issues_from_log",
    "rewrite_message",
    "safe_parser",
    "validate_element",
    "validate_file",
]
