"""Exchange rates: shipped, loaded again from a CSV, and amounts converted at their year's
rate, a missing rate shown as missing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cbcoord.coordination.models import ExchangeRate
from cbcoord.coordination.rates import RateTable, Total


def test_the_shipped_rates_are_loaded(reference: None) -> None:
    assert ExchangeRate.objects.filter(year=2019, currency="EUR").exists()
    assert ExchangeRate.objects.values("currency").distinct().count() > 100


def test_an_amount_is_converted_at_its_years_rate(reference: None) -> None:
    table = RateTable.load()
    eur_2019 = table.rate("EUR", 2019)
    assert eur_2019 is not None
    assert table.convert(Decimal("1000"), "EUR", dt.date(2019, 6, 1)) == (
        Decimal(1000) / eur_2019
    ).quantize(Decimal("0.01"))
    # Into another reporting currency: through the dollar, same year.
    gbp_2019 = table.rate("GBP", 2019)
    assert table.convert(Decimal("1000"), "EUR", 2019, to="GBP") == (
        Decimal(1000) / eur_2019 * gbp_2019
    ).quantize(Decimal("0.01"))
    assert table.convert(Decimal("5"), "USD", 2030) == Decimal("5")


def test_a_missing_rate_is_missing_never_zero(reference: None) -> None:
    table = RateTable.load()
    assert table.convert(Decimal("1000"), "EUR", 2031) is None
    total = Total("USD")
    total.add(table, Decimal("100"), "USD", 2019)
    total.add(table, Decimal("1000"), "EUR", 2031)
    assert total.amount == Decimal("100") and total.missing == 1 and not total.complete
    assert total.missing_by_currency == {"EUR": Decimal("1000")}


def test_rates_load_again_from_a_csv(tmp_path: Path, reference: None) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("year,currency,units_per_usd,source\n2025,EUR,0.9,OECD DAC\n", encoding="utf-8")
    out = io.StringIO()
    call_command("load_exchange_rates", str(path), stdout=out)
    assert "created: 1" in out.getvalue()
    assert ExchangeRate.objects.get(year=2025, currency="EUR").units_per_usd == Decimal("0.9")
    call_command("load_exchange_rates", str(path), stdout=out)
    assert ExchangeRate.objects.filter(year=2025, currency="EUR").count() == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2025,EUR,0,x", "above zero"),
        ("2025,ZZZ,1,x", "not a currency code"),
        ("twenty,EUR,1,x", "must be numbers"),
    ],
)
def test_a_bad_rate_file_changes_nothing(
    tmp_path: Path, reference: None, row: str, message: str
) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(
        f"year,currency,units_per_usd,source\n2026,GBP,0.8,x\n{row}\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match=message):
        call_command("load_exchange_rates", str(path), stdout=io.StringIO())
    assert not ExchangeRate.objects.filter(year=2026, currency="GBP").exists()
