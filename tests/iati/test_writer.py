"""cbcoord.iati.writer: schema order, nothing lost, parse -> write -> parse is the identity."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from cbcoord.iati.reading import check_file, iter_activities
from cbcoord.iati.records import (
    ActivityDate,
    Description,
    ExtraContent,
    OrgRef,
    OtherElement,
    ParsedActivity,
    ParticipatingOrg,
)
from cbcoord.iati.validation import validate_file
from cbcoord.iati.writer import ACTIVITY_CHILD_ORDER, ExportReport, write_activities
from tests.iati.helpers import REFERENCE, needs_reference

EXAMPLE = REFERENCE / "examples-2.03" / "en" / "activity-standard"
EXAMPLE = EXAMPLE / "activity-standard-example-annotated.xml"
PUBLISHERS = REFERENCE / "real-publishers"
SUITE = REFERENCE / "schemas-2.03" / "tests"
WHEN = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)


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


def complete(identifier: str, **fields: Any) -> ParsedActivity:
    """An activity with what the 2.03 schema requires of one (and ``fields``)."""
    return ParsedActivity(
        **{
            "iati_identifier": identifier,
            "reporting_org": OrgRef("XM-DAC-909", "40", {"en": "IDB"}),
            "default_language": "en",
            "title": {"en": "Customs"},
            "descriptions": [Description("1", {"en": "Support to customs."})],
            "participating_orgs": [ParticipatingOrg("XM-DAC-909", "40", "1", None, None, {})],
            "activity_status": "2",
            "activity_dates": [ActivityDate("2", dt.date(2024, 1, 15), {})],
            **fields,
        }
    )


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
    with open(out, "wb") as fh:  # as stored, deviations included
        assert write_activities(first, fh, generated_datetime=WHEN, validate=False) == len(first)
    second = read_all(out)
    assert [a.content_dict() for a in second] == [a.content_dict() for a in first]
    before = [issue.message for issue in validate_file(source)]
    after = [issue.message for issue in validate_file(out)]
    assert after == before  # valid stays valid; an invalid input keeps exactly its faults
    info = check_file(out)
    assert (info.version, info.activity_count, info.warnings) == ("2.03", len(first), [])

    valid = tmp_path / "valid.xml"  # what every export writes
    report = ExportReport()
    with open(valid, "wb") as fh:
        written = write_activities(first, fh, generated_datetime=WHEN, report=report)
    assert validate_file(valid) == []
    assert written == report.written == len(first) - report.omitted
    changed = {entry.identifier for entry in report.activities}
    assert bool(changed) == bool(before)  # a valid input loses nothing
    third = read_all(valid)
    kept = [a.content_dict() for a in first if a.iati_identifier not in changed]
    assert [a.content_dict() for a in third if a.iati_identifier not in changed] == kept


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
        complete(f"XM-DAC-909-PIECE-{i}", title={"en": f"Activity {i}"}) for i in range(5)
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
        write_activities([first], fh, generated_datetime=WHEN, validate=False)
    (second,) = read_all(out)
    assert second.content_dict() == first.content_dict()


def test_text_xml_cannot_hold_is_written_as_a_replacement_character() -> None:
    """Stored before such text was refused (an organisation name copied into an activity): the
    export writes U+FFFD instead of failing as a whole."""
    activity = complete(
        "XM-DAC-909-CTL",
        reporting_org=OrgRef("XM-DAC-909", "40", {"en": "Inter-American\x0bBank"}),
        title={"en": "Tab\x01bed"},
    )
    out = io.BytesIO()
    write_activities([activity], out, generated_datetime=WHEN)
    root = etree.fromstring(out.getvalue())
    assert root.findtext("iati-activity/reporting-org/narrative") == "Inter-American\ufffdBank"
    assert root.findtext("iati-activity/title/narrative") == "Tab\ufffdbed"


# --------------------------------------------------------------------------- valid exports

_DEVIATIONS = (
    '<activity-status code="3"/>'  # a second one
    "<activity-date type='1' iso-date='31/12/2021'/>"  # a value that does not parse
    '<sector vocabulary="1" code="33120" percentage="100" colour="red"/>'  # an unknown attribute
    "<budget type='1' status='1'><period-start iso-date='2024-01-01'/>"
    "<period-end iso-date='2024-12-31'/></budget>"  # no value
    "<document-link format='text/html'><title><narrative>Report</narrative></title>"
    "<category code='A01'/></document-link>"  # no url
    "<zz-unknown>x</zz-unknown>"  # an unknown element
)


def _deviant_file(tmp_path: Path) -> Path:
    source = tmp_path / "deviant.xml"
    source.write_text(
        "<iati-activities version='2.03'><iati-activity xml:lang='en'>"
        "<iati-identifier>XM-DAC-909-DEV-1</iati-identifier>"
        "<reporting-org ref='XM-DAC-909' type='40'><narrative>IDB</narrative></reporting-org>"
        "<title><narrative>Deviant</narrative><narrativ>typo</narrativ></title>"
        "<description><narrative>D</narrative></description>"
        "<participating-org role='1' ref='XM-DAC-909'/>"
        "<activity-status code='2'/><activity-date type='2' iso-date='2024-01-15'/>"
        f"{_DEVIATIONS}</iati-activity></iati-activities>",
        encoding="utf-8",
    )
    return source


def test_an_export_leaves_out_what_the_schema_does_not_allow_and_says_so(tmp_path: Path) -> None:
    """The deviations a tolerant import keeps (the issue's list) are left out of the export,
    element by element, and reported: a comment before the activity, a summary at the end."""
    (activity,) = read_all(_deviant_file(tmp_path))
    out = tmp_path / "export.xml"
    report = ExportReport()
    with open(out, "wb") as fh:
        assert write_activities([activity], fh, generated_datetime=WHEN, report=report) == 1
    assert validate_file(out) == []
    (entry,) = report.activities
    assert (entry.identifier, entry.whole) == ("XM-DAC-909-DEV-1", False)
    assert {item.path: item.reason for item in entry.left_out} == {
        "iati-activity/title/narrativ": (
            "narrativ is not allowed here (expected instead: narrative, an extension element)"
        ),
        "iati-activity/activity-status[2]": (
            "activity-status is not allowed here (expected instead: activity-date)"
        ),
        "iati-activity/activity-date[2]/@iso-date": (
            "activity-date/@iso-date is '31/12/2021', which is not a valid date (YYYY-MM-DD)"
        ),
        "iati-activity/activity-date[2]": (
            "activity-date is missing its required attribute 'iso-date'"
        ),
        "iati-activity/sector[1]/@colour": "sector has an attribute 'colour' that is not allowed",
        "iati-activity/budget[1]": "budget is missing a required child element (expected: value)",
        "iati-activity/document-link[1]": "document-link is missing its required attribute 'url'",
        "iati-activity/zz-unknown": (
            "zz-unknown is not allowed here (expected instead: document-link, related-activity, "
            "legacy-data, conditions, result, crs-add, fss, an extension element)"
        ),
    }
    text = out.read_text(encoding="utf-8")
    root = etree.parse(str(out)).getroot()
    head = root.getprevious()
    assert isinstance(head, etree._Comment) and "validated against the 2.03 schema" in head.text
    before = root[0]
    assert isinstance(before, etree._Comment)
    assert before.text.strip().startswith("XM-DAC-909-DEV-1: left out what IATI 2.03 does not")
    assert isinstance(root[-1], etree._Comment) and root[-1].text.strip() == report.summary()
    assert report.summary().startswith(
        "1 activities written as valid IATI 2.03; 1 of them without what the schema does not "
        "allow:\n  XM-DAC-909-DEV-1: left out what IATI 2.03 does not allow: "
    )
    assert text.count("<iati-activity ") == 1
    (again,) = read_all(out)  # what is left reads back, without warnings of the schema
    assert not [w for w in again.warnings if w.code.startswith("schema.")]
    assert (again.activity_status, [s.code for s in again.sectors]) == ("2", ["33120"])
    assert again.budgets == [] and again.document_links == []


@needs_reference
def test_a_real_publishers_document_link_without_url_is_left_out(tmp_path: Path) -> None:
    activities = read_all(PUBLISHERS / "unops-at-activity.xml")
    report = ExportReport()
    out = tmp_path / "unops.xml"
    with open(out, "wb") as fh:
        write_activities(activities, fh, generated_datetime=WHEN, report=report)
    assert validate_file(out) == []
    assert [(e.identifier, [i.path for i in e.left_out]) for e in report.activities] == [
        (a.iati_identifier, ["iati-activity/document-link[1]"]) for a in activities
    ]


def test_an_activity_nothing_smaller_makes_valid_is_left_out_whole(tmp_path: Path) -> None:
    """No description (required): the activity is left out, with a comment in its place."""
    fine = complete("XM-DAC-909-FINE")
    bare = complete("XM-DAC-909-BARE", descriptions=[])
    out = tmp_path / "export.xml"
    report = ExportReport()
    with open(out, "wb") as fh:
        assert write_activities([bare, fine], fh, generated_datetime=WHEN, report=report) == 1
    assert validate_file(out) == []
    (entry,) = report.activities
    assert (entry.identifier, entry.whole, report.omitted, report.changed) == (
        "XM-DAC-909-BARE",
        True,
        1,
        0,
    )
    assert entry.left_out[0].path == "iati-activity"
    assert report.summary().startswith("1 activities written as valid IATI 2.03; 1 left out whole:")
    assert "expected: description" in entry.left_out[0].reason
    root = etree.parse(str(out)).getroot()
    assert "XM-DAC-909-BARE: the activity is left out" in root[0].text
    assert [a.iati_identifier for a in read_all(out)] == ["XM-DAC-909-FINE"]


def test_comments_hold_any_identifier_safely(tmp_path: Path) -> None:
    """XML forbids "--" in a comment; a "<iati-activity" in one would look like a cut to the
    reader processes."""
    odd = complete("XM--<iati-activity x='1'>--", descriptions=[])
    out = tmp_path / "export.xml"
    with open(out, "wb") as fh:
        write_activities([odd, complete("XM-DAC-909-FINE")], fh, generated_datetime=WHEN)
    data = out.read_bytes()
    assert b"<iati-activity x=" not in data and b"XM--" not in data
    assert check_file(out).activity_count == 1
    assert [a.iati_identifier for a in read_all(out)] == ["XM-DAC-909-FINE"]


def test_unvalidated_writing_is_as_stored_and_says_nothing(tmp_path: Path) -> None:
    (activity,) = read_all(_deviant_file(tmp_path))
    out = io.BytesIO()
    write_activities([activity], out, generated_datetime=WHEN, validate=False)
    assert b"<!--" not in out.getvalue()
    assert b"<zz-unknown>x</zz-unknown>" in out.getvalue()
