"""Converting amounts to one reporting currency, at the average rate of their value date's year.

A missing rate is missing: ``RateTable.convert`` returns None, and every total built with it
(``Total``) counts the amounts it could not convert; it never counts them as zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from cbcoord.coordination.models import ExchangeRate
from cbcoord.core.reference import LoadReport, ReferenceDataError, read_csv
from cbcoord.iati import codelists

DATA_FILE = Path(__file__).resolve().parent / "data" / "exchange_rates.csv"
DEFAULT_CURRENCY = "USD"
CENT = Decimal("0.01")
RATE_PLACES = Decimal("1e-10")


class RateTable:
    """Every rate, read once (a few thousand rows): ``{(currency, year): units per USD}``."""

    def __init__(self, rates: dict[tuple[str, int], Decimal]) -> None:
        self.rates = rates

    @classmethod
    def load(cls) -> RateTable:
        return cls(
            {
                (currency, year): rate
                for currency, year, rate in ExchangeRate.objects.values_list(
                    "currency", "year", "units_per_usd"
                )
            }
        )

    def rate(self, currency: str, year: int) -> Decimal | None:
        if currency == DEFAULT_CURRENCY:
            return Decimal(1)
        return self.rates.get((currency, year))

    def convert(
        self, amount: Decimal, currency: str, when: dt.date | int, to: str = DEFAULT_CURRENCY
    ) -> Decimal | None:
        """``amount`` of ``currency`` in ``to``, at the rates of ``when``'s year; None when a
        rate is missing."""
        currency = (currency or "").upper()
        to = to.upper()
        if currency == to:
            return amount
        year = when if isinstance(when, int) else when.year
        source = self.rate(currency, year)
        target = self.rate(to, year)
        if source is None or target is None:
            return None
        return (amount / source * target).quantize(CENT)

    def years(self, currency: str) -> list[int]:
        return sorted(year for code, year in self.rates if code == currency)


@dataclass
class Total:
    """A sum in the reporting currency, and what could not be added to it."""

    currency: str
    amount: Decimal = Decimal(0)
    converted: int = 0
    missing: int = 0
    missing_by_currency: dict[str, Decimal] = field(default_factory=dict)
    rates_used: set[tuple[str, int]] = field(default_factory=set)

    def add(self, table: RateTable, amount: Decimal, currency: str, when: dt.date | int) -> None:
        value = table.convert(amount, currency, when, self.currency)
        if value is None:
            self.missing += 1
            code = (currency or "?").upper()
            self.missing_by_currency[code] = self.missing_by_currency.get(code, Decimal(0)) + amount
            return
        self.amount += value
        self.converted += 1
        if currency.upper() != self.currency:
            year = when if isinstance(when, int) else when.year
            self.rates_used.add((currency.upper(), year))

    @property
    def complete(self) -> bool:
        return self.missing == 0


# --------------------------------------------------------------------------- loading


def _rows(path: Path) -> Iterable[tuple[int, str, Decimal, str]]:
    known = codelists.codes("Currency") | {"XDR"}
    for line, row in read_csv(path, required=("year", "currency", "units_per_usd")):
        currency = row["currency"].upper()
        try:
            year = int(row["year"])
            rate = Decimal(row["units_per_usd"])
        except (ValueError, InvalidOperation) as error:
            raise ReferenceDataError(
                f"{path.name} line {line}: year and units_per_usd must be numbers"
            ) from error
        if not 1950 <= year <= 2100:
            raise ReferenceDataError(f"{path.name} line {line}: year {year} is out of range")
        if currency not in known:
            raise ReferenceDataError(
                f"{path.name} line {line}: {currency!r} is not a currency code"
            )
        if not rate.is_finite() or rate <= 0:
            raise ReferenceDataError(f"{path.name} line {line}: the rate must be above zero")
        # As the column keeps it (10 decimal places), so that loading again changes nothing.
        yield year, currency, rate.quantize(RATE_PLACES), row.get("source", "")[:200]


@transaction.atomic
def load_rates(report: LoadReport, path: Path = DATA_FILE) -> None:
    """Load (or update) the rates of a CSV (``year,currency,units_per_usd[,source]``); the
    whole file or nothing. Rates of other years and currencies are kept."""
    existing = {(rate.currency, rate.year): rate for rate in ExchangeRate.objects.all()}
    new: list[ExchangeRate] = []
    for year, currency, rate, source in _rows(path):
        current = existing.get((currency, year))
        if current is None:
            new.append(
                ExchangeRate(year=year, currency=currency, units_per_usd=rate, source=source)
            )
            report.record("exchangerate", "created")
        elif current.units_per_usd != rate or current.source != source:
            current.units_per_usd = rate
            current.source = source
            current.save(update_fields=["units_per_usd", "source"])
            report.record("exchangerate", "updated")
        else:
            report.record("exchangerate", "unchanged")
    ExchangeRate.objects.bulk_create(new)


def source_note() -> str:
    return _(
        "Amounts converted at the IMF's annual average rate of their value date's year. "
        "Source: International Monetary Fund (IMF Exchange Rates dataset), via "
        "codeforIATI/imf-exchangerates."
    )
