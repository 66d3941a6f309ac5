"""cbcoord.iati.reading.values and what the reader makes of a value that does not parse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from cbcoord.iati.reading import iter_activity_content
from cbcoord.iati.reading.values import (
    boolean,
    date_text,
    datetime_text,
    decimal_text,
    whole_number,
)
from cbcoord.iati.records import ActivityContent, RefusedActivity
from tests.iati.helpers import (
    only,
    refused,
    write,
)


def test_comment_inside_text_does_not_cut_it(tmp_path: Path) -> None:
    body = (
        '<budget type="1" status="1"><period-start iso-date="2024-01-01"/>'
        '<period-end iso-date="2024-12-31"/><value value-date="2024-01-01">12<!-- x -->34</value>'
        "</budget>"
    )
    a = only(write(tmp_path, body=body))
    assert a.budgets[0].value == Decimal(1234)


# (body, element of the warning, attribute kept in the extra content or None, reason)
UNREADABLE = [
    (
        '<budget><period-start iso-date="2024-01-01"/><period-end iso-date="2024-12-31"/>'
        '<value value-date="2024-01-01">1,000</value></budget>',
        "iati-activity/budget[1]/value",
        None,
        "value '1,000' is not a number; imported without it",
    ),
    (
        '<budget><period-start iso-date="2024-02-30"/><period-end iso-date="2024-12-31"/>'
        '<value value-date="2024-01-01">1000</value></budget>',
        "iati-activity/budget[1]/period-start",
        "iso-date",
        "iso-date '2024-02-30' is not a date (YYYY-MM-DD); imported without it",
    ),
    (
        '<transaction humanitarian="yes"><transaction-type code="3"/>'
        '<transaction-date iso-date="2024-01-01"/><value value-date="2024-01-01">5</value>'
        "</transaction>",
        "iati-activity/transaction[1]",
        "humanitarian",
        "humanitarian 'yes' is not a boolean; imported without it",
    ),
    (
        '<recipient-region code="489" percentage="abc"/>',
        "iati-activity/recipient-region[1]",
        "percentage",
        "percentage 'abc' is not a number; imported without it",
    ),
    (
        '<sector vocabulary="1" code="33110" percentage="abc"/>',
        "iati-activity/sector[2]",
        "percentage",
        "percentage 'abc' is not a number; imported without it",
    ),
    (
        '<transaction><transaction-type code="3"/><transaction-date iso-date="2024-01-01"/>'
        '<value value-date="2024-01-01">NaN</value></transaction>',
        "iati-activity/transaction[1]/value",
        None,
        "value 'NaN' is not a number; imported without it",
    ),
    (
        '<transaction><transaction-type code="3"/><transaction-date iso-date="2024-W01-1"/>'
        '<value value-date="2024-01-01">5</value></transaction>',
        "iati-activity/transaction[1]/transaction-date",
        "iso-date",
        "iso-date '2024-W01-1' is not a date (YYYY-MM-DD); imported without it",
    ),
    (
        '<transaction><transaction-type code="3"/><transaction-date iso-date="2024-01-01"/>'
        '<value value-date="31/12/2021">5</value></transaction>',
        "iati-activity/transaction[1]/value",
        "value-date",
        "value-date '31/12/2021' is not a date (YYYY-MM-DD); imported without it",
    ),
    (
        '<activity-date type="1" iso-date="31/12/2021"/>',
        "iati-activity/activity-date[2]",
        "iso-date",
        "iso-date '31/12/2021' is not a date (YYYY-MM-DD); imported without it",
    ),
    (
        '<location><administrative vocabulary="G1" code="1" level="top"/></location>',
        "iati-activity/location[1]/administrative[1]",
        "level",
        "level 'top' is not a whole number; imported without it",
    ),
    (
        '<document-link url="http://x.org" format="text/html"><title><narrative>t</narrative>'
        '</title><category code="A01"/><document-date iso-date="soon"/></document-link>',
        "iati-activity/document-link[1]/document-date",
        "iso-date",
        "iso-date 'soon' is not a date (YYYY-MM-DD); imported without it",
    ),
]


@pytest.mark.parametrize(("body", "element", "attribute", "reason"), UNREADABLE)
def test_an_unreadable_value_is_a_warning_and_the_activity_is_read_without_it(
    tmp_path: Path, body: str, element: str, attribute: str | None, reason: str
) -> None:
    path = write(tmp_path, body=body)
    (item,) = iter_activity_content(path)
    assert isinstance(item, ActivityContent), item
    (warning,) = [w for w in item.warnings if w.code.startswith("value.")]
    assert (warning.element, warning.reason) == (element, reason)
    assert warning.line is not None
    raw = warning.params["value"]
    assert raw in body
    extras = {e["path"]: e["attributes"] for e in item.content["extra_content"]}
    if attribute is None:
        assert raw not in repr(item.content)  # an element's text is left out
    else:  # an attribute's value stays as published, beside the field it did not fill
        assert extras[element.removeprefix("iati-activity/")] == {attribute: raw}
    again = item.parsed()  # the dataclasses read the content: nothing unreadable is in a field
    assert again.content_dict() == item.content
    # --strict refuses it (the schema refuses all of these before the reader sees them)
    assert isinstance(refused(path, strict=True), RefusedActivity)


@pytest.mark.parametrize(
    ("attrs", "field", "reason"),
    [
        (
            'hierarchy="x"',
            "hierarchy",
            "hierarchy 'x' is not a whole number; imported without it",
        ),
        (
            'hierarchy="2147483648"',
            "hierarchy",
            "hierarchy '2147483648' is not a whole number; imported without it",
        ),
        (
            'humanitarian="maybe"',
            "humanitarian",
            "humanitarian 'maybe' is not a boolean; imported without it",
        ),
        (
            'last-updated-datetime="yesterday"',
            "last_updated_datetime",
            "last-updated-datetime 'yesterday' is not a date-time (or is out of range); "
            "imported without it",
        ),
    ],
)
def test_unreadable_attributes_of_the_activity(
    tmp_path: Path, attrs: str, field: str, reason: str
) -> None:
    a = only(write(tmp_path, attrs=f'xml:lang="en" {attrs}'))
    assert getattr(a, field) is None
    (warning,) = [w for w in a.warnings if w.code.startswith("value.")]
    assert (warning.element, warning.line, warning.reason) == ("iati-activity", 3, reason)
    name, _, value = attrs.partition("=")
    assert {e.path: e.attributes for e in a.extra_content} == {"": {name: value.strip('"')}}


def test_strict_refuses_a_value_the_schema_accepts_but_that_cannot_be_stored(
    tmp_path: Path,
) -> None:
    """9999-12-31T23:00:00-05:00 is an xsd:dateTime, but not one in UTC: tolerantly a warning,
    strictly a refusal with the reader's reason."""
    path = write(tmp_path, attrs='xml:lang="en" last-updated-datetime="9999-12-31T23:00:00-05:00"')
    a = only(path)
    assert a.last_updated_datetime is None
    assert [w.code for w in a.warnings] == ["value.not-a-datetime"]
    r = refused(path, strict=True)
    assert (r.element, r.reason) == (
        "iati-activity/@last-updated-datetime",
        "last-updated-datetime '9999-12-31T23:00:00-05:00' is not a date-time (or is out of range)",
    )


def test_an_empty_value_is_a_warning(tmp_path: Path) -> None:
    body = (
        '<budget><period-start iso-date="2024-01-01"/><period-end iso-date="2024-12-31"/>'
        '<value currency="USD" value-date="2024-01-01"> </value></budget>'
    )
    a = only(write(tmp_path, body=body))
    assert (a.budgets[0].value, a.budgets[0].currency) == (None, "USD")
    assert [(w.element, w.code) for w in a.warnings if w.code.startswith("value.")] == [
        ("iati-activity/budget[1]/value", "value.empty")
    ]


def test_a_budget_that_ends_before_it_starts_is_a_warning(tmp_path: Path) -> None:
    body = (
        '<budget type="1" status="1"><period-start iso-date="2024-12-31"/>'
        '<period-end iso-date="2024-01-01"/><value value-date="2024-01-01">5</value></budget>'
        '<budget type="1" status="1"><period-start iso-date="2025-01-01"/>'
        '<period-end iso-date="2025-12-31"/><value value-date="2025-01-01">5</value></budget>'
    )
    a = only(write(tmp_path, body=body))
    (warning,) = [w for w in a.warnings if w.code == "budget.ends-before-start"]
    assert (warning.element, warning.reason) == (
        "iati-activity/budget[1]",
        "budget ends (2024-01-01) before it starts (2024-12-31)",
    )
    assert warning.params == {"start": "2024-12-31", "end": "2024-01-01"}
    assert warning.line is not None


def test_date_only_and_zoneless_stamps_warn(tmp_path: Path) -> None:
    a = only(write(tmp_path, attrs='last-updated-datetime="2024-03-01"'))
    assert a.last_updated_datetime == dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    assert a.warnings[-1].reason == (
        "last-updated-datetime '2024-03-01' has no time of day; read as midnight, UTC"
    )
    offset = only(write(tmp_path, attrs='last-updated-datetime="2024-03-01T10:00:00-05:00"'))
    assert offset.last_updated_datetime == dt.datetime(2024, 3, 1, 15, tzinfo=dt.UTC)


def test_the_value_functions() -> None:
    assert [decimal_text(v) for v in ("007", " +5 ", ".5", "5.", "-0.0", "1e3", "1,0", "")] == [
        "7",
        "5",
        "0.5",
        "5",
        "-0.0",
        None,
        None,
        None,
    ]
    assert decimal_text("0.0001") == "0.0001"  # the precision published is kept
    assert [date_text(v) for v in ("2024-02-29", "2024-02-30", "2024-01-01Z", "31/12/2021")] == [
        "2024-02-29",
        None,
        "2024-01-01",
        None,
    ]
    assert [boolean(v) for v in ("1", " true ", "0", "false", "yes", "")] == [
        True,
        True,
        False,
        False,
        None,
        None,
    ]
    assert [
        whole_number(v) for v in ("12", " -3 ", "2147483647", "2147483648", "x", "9" * 5000)
    ] == [
        12,
        -3,
        2147483647,
        None,
        None,
        None,
    ]
    assert datetime_text("2024-03-01T10:00:00Z") == ("2024-03-01T10:00:00+00:00", None)
    assert datetime_text("2024-03-01T10:00:00") == (
        "2024-03-01T10:00:00+00:00",
        "datetime.no-time-zone",
    )
    assert datetime_text("9999-12-31T23:00:00-05:00") is None
