"""Money and dates in the reader's language (``{% load formatting %}``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from cbcoord.core.templatetags.formatting import day, moment, money, number

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "whole", "cents", "date"),
    [
        ("en", "2,500,000", "1,234.50", "Jan. 15, 2018"),
        ("es", f"2{NBSP}500{NBSP}000", f"1{NBSP}234,50", "15 de enero de 2018"),
        ("fr", f"2{NBSP}500{NBSP}000", f"1{NBSP}234,50", "15 janvier 2018"),
        ("pt", "2.500.000", "1.234,50", "15 de janeiro de 2018"),
    ],
)
def test_by_locale(language: str, whole: str, cents: str, date: str) -> None:
    with translation.override(language):
        assert money("2500000.00", "USD") == f"{whole}{NBSP}USD"
        assert money(Decimal("1234.5"), "EUR") == f"{cents}{NBSP}EUR"
        assert money(2500000) == whole
        assert day("2018-01-15") == date
        assert day(dt.date(2018, 1, 15)) == date
        assert moment(dt.datetime(2018, 1, 15, 9, 5, tzinfo=dt.UTC)) == f"{date}, 09:05"


def test_odd_values_are_shown_as_they_are() -> None:
    assert money(None) == "" and money("") == ""
    assert money("a lot", "USD") == f"a lot{NBSP}USD"
    assert money("-12.345", "USD") == f"-12.345{NBSP}USD"
    assert number("33.5") == "33.5"
    assert number("100") == "100"
    assert day("2018-13-45") == "2018-13-45"
    assert day(None) == ""
    assert moment("yesterday") == "yesterday"


def test_in_a_template() -> None:
    template = Template("{% load formatting %}{{ value|money:currency }} · {{ when|day }}")
    with translation.override("fr"):
        text = template.render(Context({"value": "10.5", "currency": "XDR", "when": "2024-03-01"}))
    assert text == f"10,50{NBSP}XDR · 1 mars 2024"
