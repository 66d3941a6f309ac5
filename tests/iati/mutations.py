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
import random
import re
from pathlib import Path

from lxml import etree

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


def _mutate_tree(root: etree._Element, rnd: random.Random) -> None:
    elements = list(root.iter())
    for _ in range(rnd.randint(2, 8)):
        el = rnd.choice(elements)
        if not isinstance(el.tag, str):
            continue
        parent = el.getparent()
        op = rnd.randrange(10)
        if op == 0 and parent is not None:
            parent.remove(el)
        elif op == 1 and parent is not None:
            parent.insert(parent.index(el) + rnd.randint(0, 1), copy.deepcopy(el))
        elif op == 2 and el.attrib:
            el.set(rnd.choice(list(el.attrib)), rnd.choice(VALUES))
        elif op == 3 and el.attrib:
            del el.attrib[rnd.choice(list(el.attrib))]
        elif op == 4:
            el.text = rnd.choice(TEXTS + VALUES)
        elif op == 5:
            el.set(rnd.choice(ATTRIBUTES), rnd.choice(VALUES))
        elif op == 6:
            etree.SubElement(el, rnd.choice(CHILDREN)).text = rnd.choice(TEXTS)
        elif op == 7 and parent is not None and len(parent) > 1:
            parent.remove(el)
            parent.insert(rnd.randrange(len(parent) + 1), el)
        elif op == 8:
            el.append(etree.Comment(" a comment "))
        elif op == 9:
            el.tail = rnd.choice(["", "text", "  "])


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
