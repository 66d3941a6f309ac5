"""The IDB's partner editor enters an activity by hand: adds rows with htmx, gets every
problem at once beside its field, fixes them and reads the activity page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_partner_editor_enters_an_activity(
    page: Any, live_server: Any, demo_passwords: dict[str, str]
) -> None:
    log_in(page, live_server.url, "demo-partner", demo_passwords["demo-partner"])
    page.goto(f"{live_server.url}/activities/new/")

    # Their organisation is the only choice, its prefix filled in.
    assert page.locator("#id_reporting_org option").count() == 1
    assert page.input_value("#id_iati_identifier") == "XM-DAC-909-"
    page.fill("#id_iati_identifier", "XM-DAC-909-HAND-2025")
    page.fill("#id_title_en", "Post-clearance audit coaching")
    page.fill("#id_description_en", "Coaching the audit unit.")
    page.select_option("#id_activity_status", "2")
    page.fill("#id_planned_start", "2025-03-01")
    page.select_option("#id_default_currency", "XDR")

    # One country row to begin with; "Add a row" brings another, keeping what was typed.
    page.select_option("select[name=countries-0-code]", "DO")
    page.fill("input[name=countries-0-percentage]", "50")
    page.click("#rows-countries button[name=add_row]")
    page.wait_for_selector("select[name=countries-1-code]")
    assert page.input_value("input[name=countries-0-percentage]") == "50"
    page.select_option("select[name=countries-1-code]", "JM")
    page.fill("input[name=countries-1-percentage]", "30")
    page.select_option("select[name=regions-0-code]", "489")
    page.fill("input[name=regions-0-percentage]", "10")
    page.fill("input[name=budgets-0-period_start]", "2025-01-01")
    page.fill("input[name=budgets-0-period_end]", "2025-12-31")
    page.fill("input[name=budgets-0-value]", "-100")
    page.fill("input[name=sectors-0-code]", "99999")
    page.click("main form > button[type=submit]:not(.visually-hidden)")

    # Every problem at once, beside its field.
    page.wait_for_selector("#form-problems")
    assert "3 problems" in page.inner_text("#form-problems")
    assert "add up to 90" in page.inner_text("#rows-countries")
    assert "cannot be negative" in page.inner_text("#rows-budgets")
    assert "not a sector code" in page.inner_text("#rows-sectors")

    page.fill("input[name=regions-0-percentage]", "20")
    page.fill("input[name=budgets-0-value]", "2500000")
    page.fill("input[name=sectors-0-code]", "33120")
    page.click("main form > button[type=submit]:not(.visually-hidden)")
    page.wait_for_url("**/activities/XM-DAC-909-HAND-2025/")
    assert "2,500,000\u00a0XDR" in page.inner_text("#budgets")
    assert "South America, regional" in page.inner_text("#countries")
