"""The activity page: totals in every currency, money and dates in the reader's language,
transactions in date order, and a history that says what changed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cbcoord.activities import services
from cbcoord.activities.edits import ActivityEdit
from cbcoord.activities.models import Activity
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory

NBSP = "\u00a0"


def _transaction(kind: str, date: str, value: str, currency: str | None = None) -> dict[str, Any]:
    return {
        "ref": None,
        "humanitarian": None,
        "type": kind,
        "date": date,
        "value": value,
        "currency": currency,
        "value_date": date,
        "description": {},
        "provider_org": None,
        "receiver_org": None,
        "disbursement_channel": None,
        "sectors": [],
        "recipient_country": None,
        "recipient_region": None,
        "flow_type": None,
        "finance_type": None,
        "aid_types": [],
        "tied_status": None,
    }


def _budget(value: str, currency: str | None, start: str = "2024-01-01") -> dict[str, Any]:
    return {
        "type": "1",
        "status": "1",
        "period_start": start,
        "period_end": start[:4] + "-12-31",
        "value": value,
        "currency": currency,
        "value_date": start,
    }


def _with(activity: Activity, **content: Any) -> Activity:
    Activity.objects.filter(pk=activity.pk).update(data=dict(activity.data, **content))
    activity.refresh_from_db()
    return activity


def _page(client: Client, activity: Activity, language: str = "en") -> str:
    client.cookies["django_language"] = language
    response = client.get(reverse("activity-detail", args=[activity.iati_identifier]))
    assert response.status_code == 200
    return response.content.decode()


def _fact(html: str, label: str) -> str:
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    assert match is not None, label
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_totals_show_every_currency(client: Client, idb: Organisation) -> None:
    """IFAD's page showed 10,086,263 USD of commitments and left out 12,760,000 XDR."""
    ifad = _with(
        ImportedActivityFactory(iati_identifier="XM-DAC-909-IFAD", reporting_org=idb),
        default_currency="USD",
        budgets=[_budget("2000000", None), _budget("500000", "XDR", "2025-01-01")],
        transactions=[
            _transaction("2", "2019-03-01", "10086263"),
            _transaction("2", "2019-03-01", "12760000", "XDR"),
            _transaction("3", "2019-06-01", "1000.5", "EUR"),
        ],
    )
    html = _page(client, ifad)
    assert _fact(html, "Total commitments") == f"10,086,263{NBSP}USD · 12,760,000{NBSP}XDR"
    assert _fact(html, "Total budget") == f"2,000,000{NBSP}USD · 500,000{NBSP}XDR"
    assert _fact(html, "Total disbursements and expenditure") == f"1,000.50{NBSP}EUR"


def test_a_budget_only_in_another_currency_still_has_its_total(
    client: Client, idb: Organisation
) -> None:
    activity = _with(
        ImportedActivityFactory(iati_identifier="XM-DAC-909-GBP", reporting_org=idb),
        default_currency=None,
        budgets=[_budget("750000", "GBP")],
    )
    assert _fact(_page(client, activity), "Total budget") == f"750,000{NBSP}GBP"


@pytest.mark.parametrize(
    ("language", "amount", "day", "label"),
    [
        ("en", f"2,500,000{NBSP}USD", "Jan. 15, 2018", "Planned start"),
        ("es", f"2{NBSP}500{NBSP}000{NBSP}USD", "15 de enero de 2018", "Inicio previsto"),
        ("fr", f"2{NBSP}500{NBSP}000{NBSP}USD", "15 janvier 2018", "Début prévu"),
        ("pt", f"2.500.000{NBSP}USD", "15 de janeiro de 2018", "Início previsto"),
    ],
)
def test_money_and_dates_in_the_readers_language(
    client: Client, idb: Organisation, language: str, amount: str, day: str, label: str
) -> None:
    activity = ImportedActivityFactory(
        iati_identifier="XM-DAC-909-L10N", reporting_org=idb, start="2018-01-15"
    )
    activity = _with(
        activity,
        budgets=[_budget("2500000.00", "USD", "2018-01-15")],
        transactions=[_transaction("3", "2019-03-01", "2500000.00")],
    )
    html = _page(client, activity, language)
    assert _fact(html, label) == day
    budgets = html[html.index('id="budgets"') :]
    assert f"{day} – " in budgets  # the budget's period
    assert amount in budgets
    transactions = html[html.index('id="transactions"') :]
    assert amount in transactions
    assert "2500000.00" not in html and "2018-01-15" not in html


def test_transactions_are_in_date_order_then_by_type(client: Client, idb: Organisation) -> None:
    activity = _with(
        ImportedActivityFactory(iati_identifier="XM-DAC-909-ORDER", reporting_org=idb),
        transactions=[
            _transaction("4", "2024-05-01", "4"),
            _transaction("3", "2023-01-01", "3"),
            _transaction("3", "2024-05-01", "33"),
            _transaction("2", "2024-05-01", "2"),
        ],
    )
    html = _page(client, activity)
    section = html[html.index('id="transactions"') :]
    values = re.findall(r'<td class="num">([\d,]+)', section)
    assert values == ["3", "2", "33", "4"]


def test_history_says_what_each_change_changed(
    client_for: Callable[[Any], Client],
    secretariat: Any,
    partner_editor: Any,
    idb: Organisation,
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-HIST", reporting_org=idb)
    services.activity_update(
        user=partner_editor,
        activity=activity,
        edit=ActivityEdit(title={"es": "Título"}, planned_end="2026-03-31", default_currency="EUR"),
    )
    services.activity_update(
        user=partner_editor,
        activity=activity,
        edit=ActivityEdit(visibility="wco", recipient_countries=[{"code": "JM"}]),
    )
    html = _page(client_for(secretariat), activity)
    history = html[html.index('class="history"') :]
    changed = [
        re.sub(r"\s+", " ", cell).strip()
        for cell in re.findall(r'<td class="changed">(.*?)</td>', history, re.S)
    ]
    assert changed == [
        "recipient countries, visibility",
        "title, dates, default currency, edited by hand",
        "—",  # created
    ]
    assert "Changed" in history


def test_a_hand_edit_keeps_the_publishers_last_update(
    client_for: Callable[[Any], Client], secretariat: Any, idb: Organisation
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-STAMP", reporting_org=idb)
    Activity.objects.filter(pk=activity.pk).update(
        last_updated_datetime="2024-06-01T10:00:00+00:00"
    )
    activity.refresh_from_db()
    services.activity_update(
        user=secretariat, activity=activity, edit=ActivityEdit(title={"en": "Edited"})
    )
    html = _page(client_for(secretariat), activity)
    assert _fact(html, "Last updated (publisher)") == "June 1, 2024, 10:00"
    assert _fact(html, "Last edited in cbcoord")  # and when it was edited here
