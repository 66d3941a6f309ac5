"""Hostile and broken input: every case is refused quickly, with a specific message.

Also the encodings that must work: UTF-16 with a byte-order mark and ISO-8859-1.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cbcoord.iati.reading import check_file, iter_activities
from cbcoord.iati.records import IatiFileError, ParsedActivity

VALID = """<?xml version="1.0" encoding="{encoding}"?>
<iati-activities version="2.03" generated-datetime="2024-05-01T10:00:00Z">
 <iati-activity xml:lang="es" default-currency="USD">
  <iati-identifier>XM-DAC-909-GT-1</iati-identifier>
  <reporting-org ref="XM-DAC-909" type="40"><narrative>Banco Interamericano</narrative>
  </reporting-org>
  <title><narrative>Modernización aduanera en Perú</narrative>
   <narrative xml:lang="fr">Modernisation douanière au Pérou</narrative></title>
  <description><narrative>Señalización y capacitación</narrative></description>
  <participating-org role="1" ref="XM-DAC-909" type="40"/>
  <activity-status code="2"/>
  <activity-date type="2" iso-date="2024-01-15"/>
  <recipient-country code="PE" percentage="100"/>
 </iati-activity>
</iati-activities>
"""


def refuse(path: Path) -> IatiFileError:
    """Every entry point refuses ``path`` in well under a second; return check_file's error.

    check_file proves the file with a tree when it counts, without one when it does not (the
    importer's way): both must refuse the same files in the same words.
    """
    errors = []
    for call in (
        check_file,
        lambda p: check_file(p, count_activities=False),
        lambda p: list(iter_activities(p)),
    ):
        start = time.perf_counter()
        with pytest.raises(IatiFileError) as caught:
            call(path)
        assert time.perf_counter() - start < 1.0
        errors.append(caught.value)
    counted, uncounted, _ = errors
    # libxml2 words some limits differently with and without a tree ("depth: 256," / "257")
    assert (_digitless(uncounted), uncounted.line) == (_digitless(counted), counted.line)
    return counted


def _digitless(error: IatiFileError) -> str:
    return re.sub(r"\d+,?", "N", str(error))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record (and block) any attempt to open a socket from Python."""
    import socket

    attempts: list[str] = []

    def guard(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args))
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "create_connection", guard)
    monkeypatch.setattr(socket.socket, "connect", guard)
    yield attempts
    assert attempts == []


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE iati-activities [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<iati-activities version="2.03"><iati-activity><iati-identifier>&lol9;</iati-identifier>
</iati-activity></iati-activities>
"""


def test_billion_laughs(tmp_path: Path, no_network: list[str]) -> None:
    path = tmp_path / "laughs.xml"
    path.write_text(BILLION_LAUGHS)
    error = refuse(path)
    assert str(error).startswith("laughs.xml contains a DOCTYPE declaration at line 2;")
    assert error.line == 2


@pytest.mark.parametrize(
    "system_id", ["file:///etc/passwd", "http://127.0.0.1:9/evil.dtd", "https://example.org/x"]
)
def test_external_entities(tmp_path: Path, no_network: list[str], system_id: str) -> None:
    path = tmp_path / "xxe.xml"
    path.write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE iati-activities [<!ENTITY xxe SYSTEM "{system_id}">]>\n'
        '<iati-activities version="2.03"><iati-activity><iati-identifier>&xxe;'
        "</iati-identifier></iati-activity></iati-activities>\n"
    )
    assert "DOCTYPE" in str(refuse(path))
    external_dtd = tmp_path / "dtd.xml"
    external_dtd.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE iati-activities SYSTEM "{system_id}">\n'
        '<iati-activities version="2.03"/>\n'
    )
    assert "DOCTYPE" in str(refuse(external_dtd))


def test_no_entity_without_doctype(tmp_path: Path) -> None:
    # an earlier error in this thread must not be reported instead (lxml keeps a per-thread log)
    earlier = tmp_path / "earlier.xml"
    earlier.write_text('<iati-activities version="2.03">\n<b>\n</c></iati-activities>')
    with pytest.raises(IatiFileError):
        list(iter_activities(earlier))
    path = tmp_path / "entity.xml"
    path.write_text(VALID.format(encoding="UTF-8").replace("XM-DAC-909-GT-1", "&undefined;"))
    error = refuse(path)
    assert "entity.xml" in str(error)
    assert error.line == 4


def test_truncated_file(tmp_path: Path) -> None:
    data = VALID.format(encoding="UTF-8").encode("utf-8")
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: data.index(b"<activity-status")])
    error = refuse(path)
    assert str(error).startswith("cut.xml is truncated or not well-formed XML")
    assert error.line is not None
    assert f"at line {error.line}" in str(error)


def test_bytes_not_matching_the_declared_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.xml"
    path.write_bytes(VALID.format(encoding="UTF-8").encode("iso-8859-1"))
    error = refuse(path)
    assert "latin.xml: the bytes at line 7 do not match the encoding the file declares (UTF-8)" in (
        str(error)
    )


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
            "is not an XML file; it looks like a PNG image",
        ),
        (b'{"iati-activities": []}', "is not an XML file; it looks like JSON"),
        (b"PK\x03\x04" + bytes(30), "is not an XML file; it looks like a ZIP archive"),
        (b"iati-identifier,title\nXM-1,Customs\n", "is not an XML file; it looks like text"),
        (b"", "is empty (0 bytes)"),
        (b"  \n\t ", "is empty: it contains only white space"),
        (b'<?xml version="1.0"?>\n', "is empty: it contains no XML element"),
    ],
)
def test_not_xml(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "upload.xml"
    path.write_bytes(data)
    assert words in str(refuse(path))


def test_nesting_bomb(tmp_path: Path) -> None:
    path = tmp_path / "deep.xml"
    path.write_text(
        '<iati-activities version="2.03">'
        + "<a>" * 100_000
        + "</a>" * 100_000
        + "</iati-activities>"
    )
    message = str(refuse(path))
    assert message.startswith("deep.xml is refused at line 1: it nests its elements more than 256")
    assert "XML_PARSE_HUGE" not in message


def test_huge_text_node(tmp_path: Path) -> None:
    """A text node over libxml2's 10 MB limit (huge_tree=False) is refused, not swallowed."""
    path = tmp_path / "huge.xml"
    path.write_text(
        '<iati-activities version="2.03"><iati-activity><iati-identifier>'
        + "x" * 11_000_000
        + "</iati-identifier></iati-activity></iati-activities>"
    )
    assert "more than 10,000,000 characters of text in one element" in str(refuse(path))


def test_huge_text_node_made_of_cdata_sections(tmp_path: Path) -> None:
    """CDATA sections join the text around them: no run of bytes without "<" is long, yet the
    text node is over the limit."""
    path = tmp_path / "cdata.xml"
    sections = "".join(f"<![CDATA[{'x' * 3_000_000}]]>" for _ in range(4))
    path.write_text(
        '<iati-activities version="2.03"><iati-activity><iati-identifier>'
        + sections
        + "</iati-identifier></iati-activity></iati-activities>"
    )
    assert "more than 10,000,000 characters of text in one element" in str(refuse(path))


def test_huge_text_node_in_utf16(tmp_path: Path) -> None:
    """In UTF-16 the byte 0x3C is also part of other characters (U+4E3C is 3C 4E), so runs of
    bytes without it say nothing: 4 million such characters are 12 MB of UTF-8."""
    path = tmp_path / "wide.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-16"?><iati-activities version="2.03"><iati-activity>'
        "<iati-identifier>" + "\u4e3c" * 4_000_000 + "</iati-identifier>"
        "</iati-activity></iati-activities>",
        encoding="utf-16",
    )
    assert "more than 10,000,000 characters of text in one element" in str(refuse(path))


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ('<title xml:id="1bad">', "xml:id : attribute value 1bad is not an NCName"),
        ('<title xml:id="same">', "ID same already defined"),
    ],
)
def test_xml_id_errors(tmp_path: Path, title: str, words: str) -> None:
    """libxml2 checks xml:id only when it builds a tree."""
    path = tmp_path / "ids.xml"
    text = VALID.format(encoding="UTF-8")
    activity = text[text.index(" <iati-activity") : text.index("</iati-activities>")]
    second = activity.replace("XM-DAC-909-GT-1", "XM-DAC-909-GT-2")
    text = text.replace(activity, activity + second).replace("<title>", title)
    path.write_text(text, encoding="utf-8")
    assert words in str(refuse(path))


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
def test_long_text_within_the_limit(tmp_path: Path, encoding: str) -> None:
    """A long run of text under the limit makes the check build a tree, and it passes."""
    path = tmp_path / "long.xml"
    path.write_text(
        VALID.format(encoding=encoding).replace(
            "Señalización y capacitación", "Señalización " + "x" * 4_000_000
        ),
        encoding=encoding.lower(),
    )
    info = check_file(path, count_activities=False)
    assert (info.activity_count, info.byte_size) == (None, path.stat().st_size)
    assert len([a for a in iter_activities(path) if isinstance(a, ParsedActivity)]) == 1


def test_undefined_namespace_prefix(tmp_path: Path) -> None:
    """A real publisher error. Without a tree libxml2 only logs it, so check_file must read its
    log, or the import would fail half-way."""
    path = tmp_path / "prefix.xml"
    path.write_text(
        VALID.format(encoding="UTF-8").replace(
            "<activity-status", "<usg:mechanism>1</usg:mechanism><activity-status"
        ),
        encoding="utf-8",
    )
    error = refuse(path)
    assert "Namespace prefix usg on mechanism is not defined" in str(error)
    assert error.line == 11


def test_xml_prefix_bound_elsewhere(tmp_path: Path) -> None:
    """Another error libxml2 only logs when it builds no tree."""
    path = tmp_path / "xmlns.xml"
    path.write_text(
        VALID.format(encoding="UTF-8").replace(
            "<iati-activities ", '<iati-activities xmlns:xml="http://example.org/" '
        ),
        encoding="utf-8",
    )
    assert "xml namespace prefix mapped to wrong URI" in str(refuse(path))


def _roundtrip_encoding(tmp_path: Path, encoding: str, codec: str) -> ParsedActivity:
    path = tmp_path / f"{codec}.xml"
    path.write_bytes(VALID.format(encoding=encoding).encode(codec))
    info = check_file(path)
    assert info.activity_count == 1
    assert info.warnings == []
    (activity,) = iter_activities(path)
    assert isinstance(activity, ParsedActivity)
    assert activity.warnings == []
    return activity


def test_utf16_with_bom(tmp_path: Path) -> None:
    a = _roundtrip_encoding(tmp_path, "UTF-16", "utf-16")  # Python writes the BOM
    assert (tmp_path / "utf-16.xml").read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert check_file(tmp_path / "utf-16.xml").encoding.startswith("UTF-16")
    assert a.title == {
        "es": "Modernización aduanera en Perú",
        "fr": "Modernisation douanière au Pérou",
    }
    assert a.descriptions[0].narratives == {"es": "Señalización y capacitación"}


def test_iso_8859_1(tmp_path: Path) -> None:
    a = _roundtrip_encoding(tmp_path, "ISO-8859-1", "iso-8859-1")
    assert check_file(tmp_path / "iso-8859-1.xml").encoding == "ISO-8859-1"
    assert a.title["es"] == "Modernización aduanera en Perú"


def test_utf8_bom(tmp_path: Path) -> None:
    a = _roundtrip_encoding(tmp_path, "UTF-8", "utf-8-sig")
    assert a.title["fr"] == "Modernisation douanière au Pérou"


@pytest.mark.parametrize(
    ("encoding", "codec"),
    [("windows-1252", "cp1252"), ("UTF-16BE", "utf-16-be"), ("GB18030", "gb18030")],
)
def test_other_declared_encodings(tmp_path: Path, encoding: str, codec: str) -> None:
    a = _roundtrip_encoding(tmp_path, encoding, codec)
    assert a.title["es"] == "Modernización aduanera en Perú"


def test_utf32_is_refused_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "utf-32.xml"
    path.write_bytes(VALID.format(encoding="UTF-32").encode("utf-32"))  # with its BOM
    assert "is encoded in UTF-32, which the importer does not read" in str(refuse(path))


def test_many_generators_at_once(tmp_path: Path) -> None:
    """Imports running in several threads at once do not mix their results."""
    path = tmp_path / "ok.xml"
    path.write_text(VALID.format(encoding="UTF-8"), encoding="utf-8")
    bad = tmp_path / "bad.xml"
    bad.write_text(
        VALID.format(encoding="UTF-8").replace('<activity-status code="2"/>', ""),
        encoding="utf-8",
    )
    outcomes: dict[str, list[int]] = {}

    def run(name: str, target: Path) -> None:
        counts = []
        for _ in range(30):
            (a,) = iter_activities(target)
            assert isinstance(a, ParsedActivity)
            counts.append(len(a.warnings))
        outcomes[name] = counts

    threads: list[threading.Thread] = []
    for i in range(4):
        for name, target in ((f"ok{i}", path), (f"bad{i}", bad)):
            threads.append(threading.Thread(target=run, args=(name, target)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 8
    for name, counts in outcomes.items():
        assert set(counts) == ({0} if name.startswith("ok") else {1}), (name, counts)
