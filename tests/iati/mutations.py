"""Seeded mutations of real IATI files, for tests that must hold whatever a publisher sends.

``mutated(seed)`` takes one of the reference files (the official example, the real publishers'
files, a sample of the schema suite's should-pass files) and changes it the way broken exports
do: elements removed, duplicated, moved or nested where they do not belong; attributes dropped
or given odd values (empty, huge, negative, out-of-range dates, other scripts); text replaced;
comments and extension content added; or, for a fifth of the seeds, bytes flipped, cut or
repeated. The same seed always gives the same bytes.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from cbcoord.iati.reading import check_file, iter_activities
from cbcoord.iati.records import IatiFileError, ParsedActivity, RefusedActivity
from cbcoord.iati.validation import validate_element, validate_file
from cbcoord.iati.writer import ExportReport, valid_activity_element, write_activities
from tests.iati.helpers import REFERENCE


def sources() -> list[Path]:
    if not REFERENCE.is_dir():
        return []
    example = (
        REFERENCE / "examples-2.03/en/activity-standard/activity-standard-example-annotated.xml"
    )
    suite = sorted((REFERENCE / "schemas-2.03/tests/activity-tests/should-pass").rglob("*.xml"))
    return [example, *sorted((REFERENCE / "real-publishers").glob("*.xml")), *suite[:40]]


VALUES = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "１２",
    "12.50",
    "-0.0",
    "2020-02-30",
    "2020-13-01",
    "9999-12-31",
    "0001-01-01",
    "2020-01-01T25:00:00",
    "9999-12-31T23:00:00-05:00",
    "2020-01-01Z",
    "x" * 300,
    "ä ö ü",
    "\u202e",
    "<b>x</b>",
    "true",
    "2",
    "99",
    "XX",
    "USD",
    "en",
    "zz-ZZ",
    " 10 ",
    "+5",
    ".5",
    "5.",
    "00012",
    "١٢٣",
    "javascript:alert(1)",
    "100000",
    "2147483648",
    "123456789012345678901234567890",
    "999.9999",
    "A\nB\tC",
]
TEXTS = ["", "  ", "plain", "<script>alert(1)</script>", "emoji 😀", "a\nb\tc", "12", "x" * 3000]
ATTRIBUTES = [
    "code",
    "type",
    "vocabulary",
    "percentage",
    "iso-date",
    "currency",
    "value-date",
    "ref",
    "role",
    "status",
    "hierarchy",
    "humanitarian",
    "significance",
    "last-updated-datetime",
    "{http://www.w3.org/XML/1998/namespace}lang",
    "{urn:x}ext",
]
CHILDREN = [
    "narrative",
    "value",
    "sector",
    "location",
    "{urn:x}ext",
    "transaction",
    "budget",
    "period-start",
    "title",
    "point",
    "pos",
    "activity-status",
    "transaction-type",
]


# One way of damaging an element; each does nothing when it does not apply (no parent, no
# attributes), so that a seed always makes the same file.
Mutation = Callable[[etree._Element, etree._Element | None, random.Random], None]


def _remove(el: etree._Element, parent: etree._Element | None, rnd: random.Random) -> None:
    if parent is not None:
        parent.remove(el)


def _duplicate(el: etree._Element, parent: etree._Element | None, rnd: random.Random) -> None:
    if parent is not None:
        parent.insert(parent.index(el) + rnd.randint(0, 1), copy.deepcopy(el))


def _change_attribute(
    el: etree._Element, parent: etree._Element | None, rnd: random.Random
) -> None:
    if el.attrib:
        el.set(rnd.choice(list(el.attrib)), rnd.choice(VALUES))


def _drop_attribute(el: etree._Element, parent: etree._Element | None, rnd: random.Random) -> None:
    if el.attrib:
        del el.attrib[rnd.choice(list(el.attrib))]


def _set_text(el: etree._Element, parent: etree._Element | None, rnd: random.Random) -> None:
    el.text = rnd.choice(TEXTS + VALUES)


def _add_attribute(el: etree._Element, parent: etree._Element | None, rnd: random.Random) -> None:
    el.set(rnd.choice(ATTRIBUTES), rnd.choice(VALUES))


def _add_child(el: etree._Element, parent: etree._Element | None, rnd: random.Random) -> None:
    etree.SubElement(el, rnd.choice(CHILDREN)).text = rnd.choice(TEXTS)


def _move(el: etree._Element, parent: etree._Element | None, rnd: random.Random) -> None:
    if parent is not None and len(parent) > 1:
        parent.remove(el)
        parent.insert(rnd.randrange(len(parent) + 1), el)


def _add_comment(el: etree._Element, parent: etree._Element | None, rnd: random.Random) -> None:
    el.append(etree.Comment(" a comment "))


def _set_tail(el: etree._Element, parent: etree._Element | None, rnd: random.Random) -> None:
    el.tail = rnd.choice(["", "text", "  "])


# The order matters: a seed picks a mutation by its position.
MUTATIONS: list[Mutation] = [
    _remove,
    _duplicate,
    _change_attribute,
    _drop_attribute,
    _set_text,
    _add_attribute,
    _add_child,
    _move,
    _add_comment,
    _set_tail,
]


def _mutate_tree(root: etree._Element, rnd: random.Random) -> None:
    elements = list(root.iter())
    for _ in range(rnd.randint(2, 8)):
        el = rnd.choice(elements)
        if not isinstance(el.tag, str):
            continue
        mutation = MUTATIONS[rnd.randrange(len(MUTATIONS))]
        mutation(el, el.getparent(), rnd)


def _mutate_bytes(data: bytes, rnd: random.Random) -> bytes:
    b = bytearray(data)
    op = rnd.randrange(4)
    i = rnd.randrange(len(b))
    if op == 0:
        for _ in range(rnd.randint(1, 5)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
    elif op == 1:
        del b[i : i + rnd.randint(1, 50)]
    elif op == 2:
        j = rnd.randrange(len(b))
        b[i:i] = b[j : j + rnd.randint(1, 200)]
    else:
        b[i:i] = rnd.choice([b"&amp;", b"&#0;", b"]]>", b"<!-- x -->", b"<?pi x?>", b"\xc3"])
    return bytes(b)


def mutated(seed: int) -> tuple[Path, bytes]:
    """The source file chosen by ``seed``, and its mutated bytes."""
    rnd = random.Random(seed)
    source = rnd.choice(sources())
    data = source.read_bytes()
    # The suite's placeholders made importable, as test_schema_suite.py does.
    data = data.replace(
        b"<iati-identifier></iati-identifier>", b"<iati-identifier>XM-SUITE-1</iati-identifier>"
    )
    data = re.sub(rb'(<iati-activities\b[^>]*?\bversion=")xx(")', rb"\g<1>2.03\g<2>", data)
    if rnd.random() < 0.8:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        _mutate_tree(root, rnd)
        encoding = rnd.choice(["utf-8", "utf-8", "utf-8", "iso-8859-1", "utf-16"])
        return source, etree.tostring(root, xml_declaration=True, encoding=encoding)
    return source, _mutate_bytes(data, rnd)


# What the mutation tests check of the files they read and export.

WHEN = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)


def read_or_none(path: Path) -> list[ParsedActivity | RefusedActivity] | None:
    """The file's activities, or None if it is refused as a whole."""
    try:
        check_file(path)
        return list(iter_activities(path))
    except IatiFileError:
        return None


def assert_exports_valid(parsed: list[ParsedActivity], path: Path, name: str) -> ExportReport:
    """Every activity exports valid or is left out whole; the file validates; what the report
    does not name reads back unchanged."""
    for activity in parsed:
        el, entry = valid_activity_element(activity)
        if el is None:
            assert entry is not None and entry.whole, (name, activity.iati_identifier)
        else:
            assert validate_element(el) == [], (name, activity.iati_identifier)
    report = ExportReport()
    with open(path, "wb") as out:
        written = write_activities(parsed, out, generated_datetime=WHEN, report=report)
    assert written == report.written == len(parsed) - report.omitted, name
    issues = [issue.reason for issue in validate_file(path)]
    if written:
        assert issues == [], name
    else:  # the schema wants an activity at least: a file left without any cannot be valid
        assert issues == [
            "iati-activities is missing a required child element (expected: iati-activity)"
        ], name
        assert report.summary().startswith("No activity written, and a file without one is not")
    again = read_or_none(path)
    assert again is not None, name
    assert all(isinstance(item, ParsedActivity) for item in again), name
    named = {entry.identifier for entry in report.activities}
    untouched = [a.content_dict() for a in parsed if a.iati_identifier not in named]
    assert [
        item.content_dict()
        for item in again
        if isinstance(item, ParsedActivity) and item.iati_identifier not in named
    ] == untouched, name
    return report


PYTHON_ERROR = re.compile(r"^\w+(Error|Exception)\b")
