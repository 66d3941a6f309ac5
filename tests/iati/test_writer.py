"""cbcoord.iati.writer: schema order, nothing lost, parse -> write -> parse is the identity."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from cbcoord.iati.reading import check_file, iter_activities
from cbcoord.iati.records import (
    ExtraContent,
    OrgRef,
    OtherElement,
    ParsedActivity,
)
from cbcoord.iati.validation import validate_file
from cbcoord.iati.writer import ACTIVITY_CHILD_ORDER, write_activities
from tests.iati.helpers import REFERENCE

EXAMPLE = REFERENCE / "examples-2.03" / "en" / "activity-standard"
EXAMPLE = EXAMPLE / "activity-standard-example-annotated.xml"
PUBLISHERS = REFERENCE / "real-publishers"
SUITE = REFERENCE / "schemas-2.03" / "tests"
WHEN = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)

needs_reference = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason="shared/reference/iati is absent"
)


def _suite_should_pass() -> list[Path]:
    if not SUITE.is_dir():
        return []
    return sorted((SUITE / "activity-tests" / "should-pass").rglob("*.xml")) + sorted(
        (SUITE / "should-pass" / "iati-activities").rglob("*.xml")
    )


def _inputs() -> list[Path]:
    if not REFERENCE.is_dir():
        return []
    return [EXAMPLE, *sorted(PUBLISHERS.glob("*.xml")), *_suite_should_pass()]


def _id(path: Path) -> str:
    return str(path.relative_to(REFERENCE))


def prepared(path: Path, tmp_path: Path) -> Path:
    """The suite's placeholders (version "xx", empty identifiers) made importable; see
    test_schema_suite.py. Other files are used as they are."""
    if SUITE not in path.parents:
        return path
    data = path.read_bytes().replace(
        b"<iati-identifier></iati-identifier>", b"<iati-identifier>XM-SUITE-1</iati-identifier>"
    )
    data = re.sub(rb'(<iati-activities\b[^>]*?\bversion=")xx(")', rb"\g<1>2.03\g<2>", data, count=1)
    out = tmp_path / "input.xml"
    out.write_bytes(data)
    return out


def read_all(path: Path) -> list[ParsedActivity]:
    results = list(iter_activities(path))
    assert all(isinstance(r, ParsedActivity) for r in results), results
    return results  # type: ignore[return-value]


@needs_reference
@pytest.mark.parametrize("source", _inputs(), ids=_id)
def test_round_trip(source: Path, tmp_path: Path) -> None:
    source = prepared(source, tmp_path)
    first = read_all(source)
    out = tmp_path / "written.xml"
    with open(out, "wb") as fh:
        assert write_activities(first, fh, generated_datetime=WHEN) == len(first)
    second = read_all(out)
    assert [a.content_dict() for a in second] == [a.content_dict() for a in first]
    before = [issue.message for issue in validate_file(source)]
    after = [issue.message for issue in validate_file(out)]
    assert after == before  # valid stays valid; an invalid input keeps exactly its faults
    info = check_file(out)
    assert (info.version, info.activity_count, info.warnings) == ("2.03", len(first), [])


@needs_reference
def test_written_example_is_valid_and_ordered(tmp_path: Path) -> None:
    (activity,) = read_all(EXAMPLE)
    out = io.BytesIO()
    write_activities([activity], out, generated_datetime=WHEN, pretty_print=False)
    root = etree.fromstring(out.getvalue())
    assert root.get("version") == "2.03"
    assert root.get("generated-datetime") == "2026-01-15T12:00:00+00:00"
    tags = [child.tag for child in root[0]]
    positions = [ACTIVITY_CHILD_ORDER.index(tag) for tag in tags]
    assert positions == sorted(positions)
    assert set(tags) == set(ACTIVITY_CHILD_ORDER)  # the example has every element
    path = tmp_path / "example.xml"
    path.write_bytes(out.getvalue())
    assert validate_file(path) == []


@needs_reference
def test_extension_content_goes_back_where_it_was(tmp_path: Path) -> None:
    (activity,) = read_all(PUBLISHERS / "usaid-activity.xml")
    out = io.BytesIO()
    write_activities([activity], out, generated_datetime=WHEN)
    root = etree.fromstring(out.getvalue())
    act = root[0]
    assert act.get("{http://d-portal.org/xmlns/dstore}dataset") == "usaid-multiple-15"
    assert act[-1].tag.startswith("{https://explorer.usaid.gov}")
    first_transaction = act.find("transaction")
    assert first_transaction is not None
    assert first_transaction[-1].tag.startswith("{https://explorer.usaid.gov}")


def test_modelled_content_written_from_scratch_is_valid(tmp_path: Path) -> None:
    """What the database layer builds (no source file) comes out valid, in schema order, with
    extra content and other elements put back; reading it back gives the same content."""
    activity = ParsedActivity(
        iati_identifier="XM-DAC-909-CB-9",
        reporting_org=OrgRef("XM-DAC-909", "40", {"en": "IDB", "es": "BID"}),
        default_language="en",
        default_currency="USD",
        last_updated_datetime=dt.datetime(
            2025, 6, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))
        ),
        title={"en": "Single window", "pt": "Janela única"},
        other_elements=[
            OtherElement(
                "contact-info", "<contact-info><email>a@example.org</email></contact-info>"
            ),
            OtherElement("{urn:x}note", '<x:note xmlns:x="urn:x">kept</x:note>'),
        ],
        extra_content=[
            ExtraContent("title", {"{urn:x}source": "form"}, []),
            ExtraContent("title/narrative[2]", {"{urn:x}checked": "1"}, []),
        ],
    )
    from cbcoord.iati.records import ActivityDate, Budget, Description, ParticipatingOrg

    activity.descriptions.append(Description("1", {"en": "Customs."}))
    activity.participating_orgs.append(ParticipatingOrg(None, "10", "4", None, None, {"es": "SAT"}))
    activity.activity_status = "2"
    activity.activity_dates.append(ActivityDate("2", dt.date(2024, 1, 1), {}))
    activity.budgets.append(
        Budget(
            "1",
            "1",
            dt.date(2024, 1, 1),
            dt.date(2024, 12, 31),
            Decimal("0.0000001"),
            None,
            dt.date(2024, 1, 1),
        )
    )
    path = tmp_path / "scratch.xml"
    with open(path, "wb") as fh:
        write_activities([activity], fh, generated_datetime=WHEN)
    assert validate_file(path) == []
    text = path.read_text(encoding="utf-8")
    assert '<value value-date="2024-01-01">0.0000001</value>' in text
    assert text.index("<contact-info") > text.index("<activity-date")
    (again,) = read_all(path)
    assert again.content_dict() == activity.content_dict()


def test_generated_datetime_must_be_aware() -> None:
    with pytest.raises(ValueError, match="time zone"):
        write_activities([], io.BytesIO(), generated_datetime=dt.datetime(2026, 1, 1))  # noqa: DTZ001


def test_narratives_are_written_in_language_order_whatever_the_dict_order() -> None:
    """PostgreSQL's jsonb gives keys back shortest first, not in the stored order: narratives go
    out sorted by language, the order in which the reader numbered ``narrative[n]``."""
    from cbcoord.iati.writer import activity_element

    activity = ParsedActivity(
        iati_identifier="XM-DAC-909-CB-7",
        reporting_org=OrgRef("XM-DAC-909", "40", {"en": "IDB"}),
        default_language="en",
        title={"fr": "Guichet unique", "en-gb": "Single window", "es": "Ventanilla única"},
        extra_content=[ExtraContent("title/narrative[3]", {"{urn:x}checked": "1"}, [])],
    )
    narratives = activity_element(activity).findall("title/narrative")
    langs = [n.get("{http://www.w3.org/XML/1998/namespace}lang") for n in narratives]
    assert langs == ["en-gb", "es", "fr"]
    assert [n.get("{urn:x}checked") for n in narratives] == [None, None, "1"]


def test_the_file_comes_in_pieces_as_it_is_written() -> None:
    """What a download streams is, joined, exactly what write_activities writes."""
    from cbcoord.iati.writer import iter_activities_xml

    activities = [
        ParsedActivity(
            iati_identifier=f"XM-DAC-909-PIECE-{i}",
            reporting_org=OrgRef("XM-DAC-909", "40", {"en": "IDB"}),
            default_language="en",
            title={"en": f"Activity {i}"},
        )
        for i in range(5)
    ]
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    out = io.BytesIO()
    assert write_activities(activities, out, generated_datetime=when) == 5
    pieces = list(iter_activities_xml(activities, generated_datetime=when, piece_bytes=1))
    assert len(pieces) >= 5  # a piece after each activity, the end tag last
    assert b"".join(pieces) == out.getvalue()
    assert etree.fromstring(out.getvalue()).findall("iati-activity")[4] is not None


# Odd but readable activities, each once met by a fuzzer that mutates the reference files: read,
# written and read again, each must give the same content (it did not before).
_ODD = {
    "value-with-a-child-element": (
        "<budget><period-start iso-date='2021-01-01'/><period-end iso-date='2021-12-31'/>"
        "<value value-date='2021-01-01'>2377500<pos>12</pos></value></budget>",
        lambda a: a.budgets[0].value == Decimal("2377500"),
    ),
    "pos-with-a-child-element": (
        "<location><point srsName='http://www.opengis.net/def/crs/EPSG/0/4326'>"
        "<pos>31.6 <x:n xmlns:x='urn:x'>9</x:n>65.7</pos></point></location>",
        lambda a: a.locations[0].point.pos == "31.6 65.7",
    ),
    "an-empty-narrative-beside-another-in-its-language": (
        "<activity-date type='1' iso-date='2012-04-15'><narrative>Start</narrative>"
        "<narrative>  </narrative></activity-date>",
        lambda a: a.activity_dates[0].narrative == {"en": "Start"},
    ),
    "a-second-activity-status-after-an-empty-one": (
        "<activity-status/><activity-status code='2'/>",
        lambda a: a.activity_status is None and a.other_elements[0].tag == "activity-status",
    ),
    "a-second-transaction-type-after-an-empty-one": (
        "<transaction><transaction-type/><transaction-type code='3'/>"
        "<transaction-date iso-date='2021-06-01'/><value value-date='2021-06-01'>5</value>"
        "</transaction>",
        lambda a: a.transactions[0].type is None,
    ),
    "other-elements-out-of-schema-order": (
        "<humanitarian-scope type='1' vocabulary='1-2' code='EQ'/>"
        "<contact-info><email>a@example.org</email></contact-info><zz-unknown/>"
        "<capital-spend percentage='0'/>",
        lambda a: (
            [o.tag for o in a.other_elements]
            == ["contact-info", "humanitarian-scope", "capital-spend", "zz-unknown"]
        ),
    ),
    "a-finance-type-without-code-but-with-an-attribute": (
        "<transaction><transaction-type code='3'/><transaction-date iso-date='2021-06-01'/>"
        "<value value-date='2021-06-01'>5</value><finance-type codex='410'/></transaction>",
        lambda a: a.transactions[0].finance_type is None,
    ),
    "an-element-in-a-relative-namespace": (  # which C14N refuses
        "<contact-info xmlns:x='example.org/' x:a='1'><!-- c --><x:n>kept</x:n></contact-info>",
        lambda a: (
            a.other_elements[0].xml
            == '<contact-info xmlns:x="example.org/" x:a="1"><x:n>kept</x:n></contact-info>'
        ),
    ),
    "one-namespace-under-two-prefixes": (  # the writer's lxml reuses the outer prefix
        "<contact-info xmlns:a='urn:x' a:k='1'><b:email xmlns:b='urn:x'>e</b:email></contact-info>",
        lambda a: (
            a.other_elements[0].xml
            == '<contact-info xmlns:a="urn:x" a:k="1"><a:email>e</a:email></contact-info>'
        ),
    ),
    "extension-attributes-met-out-of-schema-order": (
        "<description><narrative x:n='1' xmlns:x='urn:x'>D</narrative></description>"
        "<activity-date type='1' iso-date='2012-04-15' x:a='2' xmlns:x='urn:x'/>",
        lambda a: (
            [e.path for e in a.extra_content] == ["activity-date[1]", "description[1]/narrative[1]"]
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(_ODD))
def test_odd_activities_read_back_the_same(case: str, tmp_path: Path) -> None:
    body, expect = _ODD[case]
    source = tmp_path / "odd.xml"
    source.write_text(
        "<iati-activities version='2.03'><iati-activity xml:lang='en'>"
        "<iati-identifier>XM-DAC-909-ODD-1</iati-identifier>"
        "<reporting-org ref='XM-DAC-909' type='40'><narrative>IDB</narrative></reporting-org>"
        "<title><narrative>Odd</narrative></title>"
        f"{body}</iati-activity></iati-activities>",
        encoding="utf-8",
    )
    (first,) = read_all(source)
    assert expect(first), first
    out = tmp_path / "written.xml"
    with open(out, "wb") as fh:
        write_activities([first], fh, generated_datetime=WHEN)
    (second,) = read_all(out)
    assert second.content_dict() == first.content_dict()


def test_text_xml_cannot_hold_is_written_as_a_replacement_character() -> None:
    """Stored before such text was refused (an organisation name copied into an activity): the
    export writes U+FFFD instead of failing as a whole."""
    activity = ParsedActivity(
        iati_identifier="XM-DAC-909-CTL",
        reporting_org=OrgRef("XM-DAC-909", "40", {"en": "Inter-American\x0bBank"}),
        default_language="en",
        title={"en": "Tab\x01bed"},
    )
    out = io.BytesIO()
    write_activities([activity], out, generated_datetime=WHEN)
    root = etree.fromstring(out.getvalue())
    assert root.findtext("iati-activity/reporting-org/narrative") == "Inter-American\ufffdBank"
    assert root.findtext("iati-activity/title/narrative") == "Tab\ufffdbed"
