"""Columns and index rows derived from an activity's IATI content."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from cbcoord.activities import derive, tags


def _content(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "default_currency": "USD",
        "title": {"es": "Aduanas", "en": "Customs"},
        "activity_status": "2",
        "hierarchy": 1,
        "last_updated_datetime": "2025-01-02T03:04:05+00:00",
        "activity_dates": [
            {"type": "1", "iso_date": "2024-01-01", "narrative": {}},
            {"type": "2", "iso_date": "2024-02-01", "narrative": {}},
            {"type": "3", "iso_date": "2026-12-31", "narrative": {}},
            {"type": "2", "iso_date": "2099-01-01", "narrative": {}},  # the first of a type counts
        ],
        "budgets": [
            {
                "type": "1",
                "period_start": "2024-01-01",
                "period_end": "2024-12-31",
                "value": "1000",
                "currency": None,
            },
            {
                "type": "2",
                "period_start": "2024-01-01",
                "period_end": "2024-12-31",
                "value": "1200.50",
                "currency": "USD",
            },  # revised: replaces the original
            {
                "type": "1",
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "value": "500",
                "currency": "EUR",
            },  # another currency: not converted, not added
            {
                "type": "1",
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
                "value": "300",
                "currency": None,
            },
        ],
        "transactions": [
            {
                "type": "2",
                "value": "5000",
                "currency": None,
                "sectors": [],
                "recipient_country": None,
            },
            {
                "type": "3",
                "value": "250.25",
                "currency": None,
                "sectors": [{"code": "15114", "vocabulary": "1"}],
                "recipient_country": {"code": "ht"},
            },
            {
                "type": "4",
                "value": "100",
                "currency": "USD",
                "sectors": [],
                "recipient_country": {"code": "DO"},
            },
            {
                "type": "1",
                "value": "999",
                "currency": None,
                "sectors": [],
                "recipient_country": None,
            },
        ],
        "recipient_countries": [
            {"code": "do", "percentage": "60"},
            {"code": "JM", "percentage": None},
        ],
        "recipient_regions": [
            {"code": "489", "vocabulary": "1", "percentage": "40"},
            {"code": None, "vocabulary": "1", "percentage": "1"},
        ],
        "sectors": [{"code": "33120", "vocabulary": "1", "percentage": "100"}],
        "participating_orgs": [
            {"ref": "XM-DAC-909", "type": "40", "role": "1", "name": {"en": "IDB"}},
            {"ref": None, "type": "10", "role": "4", "name": {"es": "DGA"}},
        ],
    }
    data.update(changes)
    return data


def test_columns() -> None:
    columns = derive.columns(_content())
    assert columns == {
        "title_text": "Customs",
        "status": "2",
        "planned_start": "2024-01-01",
        "actual_start": "2024-02-01",
        "planned_end": "2026-12-31",
        "actual_end": None,
        "start_date": "2024-02-01",
        "end_date": "2026-12-31",
        "default_currency": "USD",
        "hierarchy": 1,
        "last_updated_datetime": "2025-01-02T03:04:05+00:00",
        "total_budget": Decimal("1500.50"),
        "total_commitment": Decimal("5000"),
        "total_spend": Decimal("350.25"),
    }
    assert tuple(columns) == derive.COLUMN_NAMES


def test_columns_of_an_empty_activity() -> None:
    columns = derive.columns({})
    assert columns["title_text"] == ""
    assert columns["status"] == ""
    assert columns["total_budget"] is None and columns["total_spend"] is None
    assert columns["start_date"] is None


def test_index_rows() -> None:
    rows = derive.index_rows(_content())
    # Countries upper-cased; those only named in transactions indexed without a percentage.
    assert rows.countries == [("DO", "60"), ("JM", None), ("HT", None)]
    assert rows.regions == [("489", "1", "40")]
    assert rows.sectors == [("33120", "1", "100"), ("15114", "1", None)]
    assert rows.participants == [
        ("XM-DAC-909", "IDB", "40", "1"),
        (None, "DGA", "10", "4"),
    ]


def test_percentages_are_canonical_decimal_text() -> None:
    rows = derive.index_rows(
        _content(recipient_countries=[{"code": "DO", "percentage": "+050.50"}])
    )
    assert rows.countries[0] == ("DO", "50.50")


def test_totals_add_whole_and_fractional_values_exactly() -> None:
    data = {
        "default_currency": "EUR",
        "budgets": [
            {"type": "1", "period_start": "2024-01-01", "period_end": "2024-12-31", "value": "7"},
            {
                "type": "1",
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "value": "0.10",
            },
            {"type": "1", "period_start": "2026-01-01", "period_end": "2026-12-31", "value": "x"},
        ],
        "transactions": [
            {"type": "2", "value": "12", "currency": "EUR"},
            {"type": "2", "value": "3", "currency": None},
            {"type": "3", "value": "1e2", "currency": None},
            {"type": "4", "value": "", "currency": None},
        ],
    }
    result = derive.totals(data)
    assert str(result["total_budget"]) == "7.10"  # as Decimal("7") + Decimal("0.10")
    assert (result["total_commitment"], type(result["total_commitment"])) == (Decimal(15), Decimal)
    assert result["total_spend"] == Decimal(100)
    assert derive.totals({"transactions": [{"type": "3", "value": ""}]})["total_spend"] is None
    # as Decimal("-0.0") + Decimal("0"): zero, not minus zero
    spend = [{"type": "3", "value": "-0.0"}, {"type": "3", "value": "0"}]
    assert str(derive.totals({"transactions": spend})["total_spend"]) == "0.0"


def test_derive_is_columns_and_index_rows_in_one_pass() -> None:
    """The importer's one-pass ``derive`` agrees with the two functions hand edits call, with
    countries and sectors given only at transaction level too."""
    data = _content()
    data["recipient_countries"] = []
    data["sectors"] = []
    data["transactions"][0]["recipient_country"] = {"code": "gt", "percentage": None}
    data["transactions"][0]["sectors"] = [{"code": "33120", "vocabulary": "1"}]
    for case in (_content(), data, {}):
        assert derive.derive(case) == (derive.columns(case), derive.index_rows(case))
    assert ("GT", None) in derive.index_rows(data).countries
    assert ("33120", "1", None) in derive.index_rows(data).sectors


def test_whole_percentages_keep_their_text_and_others_are_normalised() -> None:
    rows = derive.index_rows(
        _content(
            recipient_countries=[
                {"code": "GT", "percentage": "100"},
                {"code": "HN", "percentage": "050"},
                {"code": "SV", "percentage": "0"},
                {"code": "BZ", "percentage": "12.50"},
            ]
        )
    )
    assert rows.countries[:4] == [("GT", "100"), ("HN", "50"), ("SV", "0"), ("BZ", "12.50")]


@pytest.mark.parametrize(
    ("values", "total"),
    [
        (["99999999999999999"], Decimal("99999999999999999")),
        (["100000000000000000"], None),
        (["99999999999999999.99"], Decimal("99999999999999999.99")),
        (["99999999999999999.996"], None),  # the column rounds it to 10^17
        (["99999999999999999", "0.5"], Decimal("99999999999999999.5")),
        (["9" * 5000], None),  # more digits than Python converts to int
        (["1" + "0" * 40, "1.5"], None),
    ],
)
def test_totals_past_the_column_are_left_out(values: list[str], total: Decimal | None) -> None:
    data = {"budgets": [{"value": v, "period_start": str(i)} for i, v in enumerate(values)]}
    assert derive.totals(data)["total_budget"] == total


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("100", "100"),
        ("999.999", "999.999"),
        ("999.9996", "999.9996"),
        ("999.9999996", None),  # rounds to 1000.000000
        ("1000", None),
        ("-5", "-5"),
        ("33.33333333", "33.333333"),  # as the column rounds it
        ("999.99999949999999", "999.999999"),
        ("0100", "100"),
    ],
)
def test_percentages_past_the_column_are_left_out(raw: str, stored: str | None) -> None:
    data = {"recipient_countries": [{"code": "MX", "percentage": raw}]}
    assert derive.country_rows(data) == [("MX", stored)]


@pytest.mark.parametrize(("raw", "stored"), [(1, 1), (32767, 32767), (32768, None), (-1, None)])
def test_hierarchy_past_the_column_is_left_out(raw: int, stored: int | None) -> None:
    assert derive.columns({"hierarchy": raw})["hierarchy"] == stored


@pytest.mark.django_db
def test_a_ten_thousandth_of_a_percent_is_kept_in_the_index(reference: None) -> None:
    """Percentages keep six decimals: 0.0001 % is not stored as 0 (issue 11, point 14)."""
    from cbcoord.activities.models import ActivityCountry
    from tests.factories import ImportedActivityFactory

    rows = derive.index_rows(_content(recipient_countries=[{"code": "DO", "percentage": "0.0001"}]))
    assert rows.countries[0] == ("DO", "0.0001")
    made = ImportedActivityFactory(
        countries=[
            {"code": "DO", "percentage": "0.0001", "narrative": {}},
            {"code": "JM", "percentage": "99.9999", "narrative": {}},
        ]
    )
    stored = dict(ActivityCountry.objects.filter(activity=made).values_list("code", "percentage"))
    assert stored == {"DO": Decimal("0.0001"), "JM": Decimal("99.9999")}


def test_the_readers_send_the_tagging_as_compact_items() -> None:
    """``_for_pipeline`` sends the evidence as short arrays (``Evidence.to_data``), the
    writer's ``_from_pipeline`` gets them back as ``tagged`` made them, and ``tagged``
    remembers what it made of the same texts and codes."""
    content = _content(
        title={"en": "Customs single window"},
        descriptions=[{"type": "1", "narratives": {"en": "Risk management at the border."}}],
    )
    derive.reload_tagger()  # an empty memo
    found = derive.tagged(content)
    assert derive.tagged(dict(content)).evidence is found.evidence  # remembered
    assert ["t", "r", 1, "en", "customs"] in found.evidence
    (window,) = [tag for tag in found.suggested if tag.code == "TFA-10.4"]
    assert window.evidence == [["t", "p", 1, "en", "single window", "TFA-10.4"]]

    values, index = derive._for_pipeline(content)
    sent = orjson.dumps([values, index], default=str)  # as the pipeline sends it
    assert b"occurs in the text" not in sent
    columns, _ = derive._from_pipeline(*orjson.loads(sent))
    received = columns["tagging"]
    # The evidence arrives as the JSON text its column stores, written by the writer as is.
    assert isinstance(received.evidence, derive.EvidenceJson)
    assert orjson.loads(tags._json(received.evidence)) == found.evidence
    assert [(t.code, t.confidence, orjson.loads(str(t.evidence))) for t in received.suggested] == [
        tuple(tag) for tag in found.suggested
    ]
    assert (received.relevant, received.score, received.read) == (
        found.relevant,
        found.score,
        found.read,
    )

    nothing = derive.tagged(_content(title={"en": "Annual report"}, sectors=[], transactions=[]))
    assert (nothing.relevant, nothing.evidence) == (False, [derive.NO_EVIDENCE])
