"""The needs and TFA downloads: the files hold the rows of the filtered list, typed, and only
what the reader may see."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from cbcoord.accounts.actors import SYSTEM
from cbcoord.frameworks.models import Provision
from cbcoord.needs import selectors, services
from cbcoord.needs.filters import NeedFilters
from tests.factories import NeedFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def needs(reference: None) -> list[Any]:
    return [
        NeedFactory(
            member="DO",
            provisions=("TFA-7.4",),
            priority="high",
            visibility="public",
            estimated_cost=Decimal("250000.50"),
            currency="USD",
        ),
        NeedFactory(
            member="DO",
            provisions=("TFA-10.4",),
            description="Single window.",
            priority="low",
            visibility="public",
        ),
        NeedFactory(
            member="JM",
            provisions=("TFA-7.4", "RKC-GA-6.3"),
            description="Risk in Jamaica.",
            priority="high",
            visibility="public",
        ),
        NeedFactory(
            member="JM",
            provisions=("TFA-7.4",),
            description="Secret one.",
            priority="high",
            visibility="wco",
        ),
    ]


def _xlsx_rows(content: bytes) -> tuple[list[str], list[list[Any]]]:
    sheet = load_workbook(io.BytesIO(content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header_index = next(i for i, row in enumerate(values) if row and row[0] == "Key")
    return values[header_index], [row for row in values[header_index + 1 :] if any(row)]


def test_xlsx_rows_match_the_filtered_list(needs: list[Any], secretariat: Any) -> None:
    client = Client()
    client.force_login(secretariat)
    response = client.get("/exports/needs.xlsx?priority=high&provision=TFA-7")
    assert response.status_code == 200
    header, data = _xlsx_rows(b"".join(response.streaming_content))
    listed = selectors.need_list(
        user=secretariat, filters=NeedFilters(priority="high", provision="TFA-7")
    )
    assert [row[0] for row in data] == [need.key for need in listed]
    assert len(data) == 3
    by_key = {row[0]: dict(zip(header, row, strict=True)) for row in data}
    first = by_key[needs[0].key]
    assert first["Estimated cost"] == 250000.5 and first["Currency"] == "USD"
    assert isinstance(first["Date identified"], dt.datetime)
    assert (
        by_key[needs[2].key]["Provisions"] == "TFA-7.4; RKC-GA-6.3"
        or by_key[needs[2].key]["Provisions"] == "RKC-GA-6.3; TFA-7.4"
    )


def test_csv_for_the_public_holds_only_public_needs(needs: list[Any]) -> None:
    response = Client().get("/exports/needs.csv?priority=high")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))
    keys = [row[0] for row in rows[2:] if row]
    assert keys == [
        n.key for n in selectors.need_list(user=None, filters=NeedFilters(priority="high"))
    ]
    assert needs[3].key not in keys and needs[0].key in keys
    assert "# Filter: Priority,high" in text


def test_bad_filters_are_named(needs: list[Any]) -> None:
    response = Client().get("/exports/needs.csv?region=ZZZ")
    assert response.status_code == 400
    assert "region=ZZZ" in response.content.decode()


def test_api_export_and_command(needs: list[Any], tmp_path: Any) -> None:
    response = Client().get("/api/exports/needs?format=csv&member=JM")
    assert response.status_code == 200
    out = tmp_path / "needs.xlsx"
    call_command("export", "-o", str(out), "needs", "--member", "JM")
    _header, data = _xlsx_rows(out.read_bytes())
    assert {row[0] for row in data} == {needs[2].key, needs[3].key}  # the command reads all


def test_tfa_commitments_export(reference: None, idb: Any) -> None:
    for measure, category in (("10.2", "C"), ("1.1", "A")):
        services.tfa_commitment_save(
            user=SYSTEM,
            member=member("DO"),
            measure=Provision.objects.get(code=f"TFA-{measure}"),
            category=category,
            values={"definitive_date": dt.date(2023, 6, 1), "source": "https://tfadatabase.org/x"},
        )
    response = Client().get("/exports/tfa-commitments.xlsx?member=DO")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[0]]
    header_index = next(i for i, row in enumerate(values) if row[0] == "Member")
    header = values[header_index]
    rows = [dict(zip(header, row, strict=True)) for row in values[header_index + 1 :]]
    assert [(r["Measure"], r["Category"], r["Confirmed support"]) for r in rows] == [
        ("TFA-1.1", "A", None),
        ("TFA-10.2", "C", False),
    ]
    assert rows[1]["Need"].startswith("NEED-DO-")
