"""cbcoord.iati.reading.values and what the reader makes of a value that does not parse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    ("body", "element", "reason"),
    [
        (
            '<budget><period-start iso-date="2024-01-01"/><period-end iso-date="2024-12-31"/>'
            '<value value-date="2024-01-01">1,000</value></budget>',
            "iati-activity/budget[1]/value",
            "value '1,000' is not a number",
        ),
        (
            '<budget><period-start iso-date="2024-02-30"/><period-end iso-date="2024-12-31"/>'
            '<value value-date="2024-01-01">1000</value></budget>',
            "iati-activity/budget[1]/period-start/@iso-date",
            "iso-date '2024-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            '<transaction humanitarian="yes"><transaction-type code="3"/>'
            '<transaction-date iso-date="2024-01-01"/><value value-date="2024-01-01">5</value>'
            "</transaction>",
            "iati-activity/transaction[1]/@humanitarian",
            "humanitarian 'yes' is not a boolean",
        ),
        (
            '<recipient-region code="489" percentage="abc"/>',
            "iati-activity/recipient-region[1]/@percentage",
            "percentage 'abc' is not a number",
        ),
        (
            '<transaction><transaction-type code="3"/><transaction-date iso-date="2024-01-01"/>'
            '<value value-date="2024-01-01">NaN</value></transaction>',
            "iati-activity/transaction[1]/value",
            "value 'NaN' is not a number",
        ),
        (
            '<transaction><transaction-type code="3"/><transaction-date iso-date="2024-W01-1"/>'
            '<value value-date="2024-01-01">5</value></transaction>',
            "iati-activity/transaction[1]/transaction-date/@iso-date",
            "iso-date '2024-W01-1' is not a date (YYYY-MM-DD)",
        ),
    ],
)
def test_values_that_do_not_parse_refuse_the_activity(
    tmp_path: Path, body: str, element: str, reason: str
) -> None:
    r = refused(write(tmp_path, body=body))
    assert (r.identifier, r.element, r.reason) == ("XM-DAC-909-CB-1", element, reason)
    assert r.line is not None


def test_bad_last_updated_datetime_refuses_and_date_only_warns(tmp_path: Path) -> None:
    r = refused(write(tmp_path, attrs='last-updated-datetime="yesterday"'))
    assert r.element == "iati-activity/@last-updated-datetime"
    a = only(write(tmp_path, attrs='last-updated-datetime="2024-03-01"'))
    assert a.last_updated_datetime == dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    assert "has no time of day" in a.warnings[-1].reason
    offset = only(write(tmp_path, attrs='last-updated-datetime="2024-03-01T10:00:00-05:00"'))
    assert offset.last_updated_datetime == dt.datetime(2024, 3, 1, 15, tzinfo=dt.UTC)
