"""Value parsing: the numbers, dates, date-times and booleans of IATI attributes and texts.

Each function takes the text as published and returns the value as the content stores it (the
canonical text of a decimal, ``YYYY-MM-DD`` for a date, an ISO date-time), or None when the
text is not one: what then happens (a warning, or with ``strict`` a refusal) is the reader's
business. Dates and date-times repeat a great deal within a file (budget periods, transaction
dates, the activities' stamps): valid ones are remembered, up to a bound.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from cbcoord.iati.records import decimal_to_str

_RE_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
_RE_INT = re.compile(r"[+-]?[0-9]+\Z")
_RE_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?\Z")
_RE_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)
_BOOLEANS = {"1": True, "true": True, "0": False, "false": False}

_fromisoformat = dt.date.fromisoformat
#: Dates read so far (as published -> ``YYYY-MM-DD``): the reader looks here first, inline.
DATES: dict[str, str] = {}
_DATETIMES: dict[str, tuple[str, str | None]] = {}  # ISO text, and the code to warn with
_CACHE_MAX = 20_000

__all__ = [
    "DATES",
    "boolean",
    "date_text",
    "datetime_text",
    "decimal_text",
    "parse_datetime",
    "whole_number",
]


def decimal_text(raw: str) -> str | None:
    """The number as its canonical ``xsd:decimal`` text (``decimal_to_str``: no exponent, the
    digits as published), or None."""
    if raw.isdigit() and raw.isascii():
        return raw if raw[0] != "0" or len(raw) == 1 else (raw.lstrip("0") or "0")
    s = raw.strip()
    if not _RE_DECIMAL.match(s):
        return None
    return decimal_to_str(Decimal(s))


def date_text(raw: str) -> str | None:
    """The date as ``YYYY-MM-DD`` (a time zone, which ``xsd:date`` allows, is dropped), or
    None."""
    known = DATES.get(raw)
    if known is not None:
        return known
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return _remember_date(raw, _fromisoformat(raw).isoformat())
        except ValueError:
            pass
    m = _RE_DATE.match(raw.strip())
    if m:
        try:
            value = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return _remember_date(raw, value.isoformat())
        except ValueError:
            pass
    return None


def _remember_date(raw: str, iso: str) -> str:
    if len(DATES) < _CACHE_MAX:
        DATES[raw] = iso
    return iso


def boolean(raw: str) -> bool | None:
    """``xsd:boolean``: 1, true, 0 or false (white space around allowed), or None."""
    return _BOOLEANS.get(raw.strip())


def whole_number(raw: str) -> int | None:
    """An ``xsd:int`` (the type of the whole-number attributes read), or None. A longer number
    is not one (and Python refuses to convert one of over 4,300 digits)."""
    s = raw.strip()
    value = int(s) if _RE_INT.match(s) and len(s) <= 11 else None
    if value is None or not -(2**31) <= value < 2**31:
        return None
    return value


def datetime_text(raw: str) -> tuple[str, str | None] | None:
    """The date-time as ISO text with its offset, and the code of the warning to give when
    something had to be assumed (``datetime.no-time``, ...); None when it is not a date-time or
    cannot be stored (does not fit in UTC)."""
    known = _DATETIMES.get(raw)
    if known is None:
        try:
            value, note = parse_datetime(raw)
        except ValueError:
            return None
        known = (value.isoformat(), note)
        if len(_DATETIMES) < _CACHE_MAX:
            _DATETIMES[raw] = known
    return known


def _parse_tz(raw: str | None) -> dt.tzinfo | None:
    if raw is None:
        return None
    if raw == "Z":
        return dt.UTC
    sign = 1 if raw[0] == "+" else -1
    hours, minutes = int(raw[1:3]), int(raw[4:6])
    if hours > 14 or minutes > 59:
        raise ValueError(raw)
    offset = dt.timedelta(hours=hours, minutes=minutes) * sign
    return dt.UTC if not offset else dt.timezone(offset)


def parse_datetime(raw: str) -> tuple[dt.datetime, str | None]:
    """An aware datetime, and the code of the warning to give when something had to be assumed
    (``datetime.no-time``, ``datetime.no-time-zone``, ``datetime.no-time-no-time-zone``; None
    when nothing was). ValueError if unusable."""
    s = raw.strip()
    m = _RE_DATETIME.match(s)
    if not m:
        raise ValueError(raw)
    year, month, day, hh, mm, ss, frac, tz = m.groups()
    tzinfo = _parse_tz(tz)
    no_time = hh is None
    if no_time:
        hour = minute = second = 0
    else:
        hour, minute, second = int(hh), int(mm), int(ss)
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    no_zone = tzinfo is None
    if tzinfo is None:
        tzinfo = dt.UTC
    value = dt.datetime(int(year), int(month), int(day), hour, minute, second, micro, tzinfo=tzinfo)
    try:
        value.astimezone(dt.UTC)  # what the database stores: 9999-12-31T23:00-05:00 is not one
    except OverflowError:
        raise ValueError(raw) from None
    if no_time:
        return value, "datetime.no-time-no-time-zone" if no_zone else "datetime.no-time"
    return value, "datetime.no-time-zone" if no_zone else None
