"""Money and dates in the reader's language: ``{% load formatting %}``.

``{{ value|money:currency }}`` writes an amount with the locale's grouping and decimal mark
(2,500,000 USD; 2 500 000 USD in Spanish and French; 2.500.000 USD in Portuguese), cents only
when there are any (``{{ value|number }}``: the same without a currency). ``{{ value|day }}`` writes a date as the locale writes it in full (Jan. 15,
2018; 15 de enero de 2018; 15 de janeiro de 2018), from a date or the ISO text of IATI content; ``{{ value|moment }}``
a moment as that date and a 24-hour time in the server's time zone. Anything else comes back
as it was, so a publisher's odd value is still shown.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language

register = template.Library()

NBSP = "\u00a0"
#: Languages that write the names of months in lower case where Django's catalogue has them
#: capitalised: Portuguese since its 1990 spelling agreement ("15 de janeiro de 2018").
LOWER_CASE_MONTHS = frozenset({"pt"})


def _date_text(value: dt.date) -> str:
    text = formats.date_format(value, "DATE_FORMAT", use_l10n=True)
    language = (get_language() or "").split("-")[0]
    return text.lower() if language in LOWER_CASE_MONTHS else text


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def format_amount(value: Any, *, cents: bool = True) -> str:
    """A number in the active locale, grouped; a whole number without decimals, else with its
    own (at least two for an amount of money: cents)."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    if number == number.to_integral_value():
        places = 0
    else:
        exponent = number.normalize().as_tuple().exponent
        places = -exponent if isinstance(exponent, int) else 0
        places = max(2, places) if cents else places
    return formats.number_format(number, places, use_l10n=True, force_grouping=True)


@register.filter
def number(value: Any) -> str:
    """A number (a percentage, say) with the locale's decimal mark and grouping."""
    return format_amount(value, cents=False)


@register.filter
def money(value: Any, currency: Any = "") -> str:
    """``2500000.00`` and ``"USD"`` → ``2,500,000 USD`` (in the reader's locale)."""
    amount = format_amount(value)
    if not amount:
        return ""
    return f"{amount}{NBSP}{currency}" if currency else amount


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


@register.filter
def day(value: Any) -> str:
    """A date (or ISO date text) as the reader's locale writes it."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    found = _date(value)
    if found is None:
        return "" if value is None else str(value)
    return _date_text(found)


@register.filter
def moment(value: Any) -> str:
    """A date and time: the locale's date, then the time on the 24-hour clock."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if not isinstance(value, dt.datetime):
        return "" if value is None else str(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{_date_text(value)}, {formats.time_format(value, 'H:i', use_l10n=True)}"
