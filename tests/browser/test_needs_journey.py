"""A member editor downloads the needs template, fills two needs, uploads it; a coordinator
confirms a suggested activity for one need and sees its status change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _list_value(workbook: Any, list_name: str, starts: str) -> str:
    """The drop-down value of the hidden lists sheet that starts with ``starts``."""
    lists = workbook["lists"]
    for column in range(1, lists.max_column + 1):
        if lists.cell(row=1, column=column).value == list_name:
            for row in range(2, lists.max_row + 1):
                value = lists.cell(row=row, column=column).value
                if value and str(value).startswith(starts):
                    return str(value)
    raise AssertionError(f"{starts!r} is not in the {list_name} list")


def test_member_uploads_needs_and_coordinator_confirms_support(
    browser: Any, page: Any, live_server: Any, demo_passwords: dict[str, str], tmp_path: Path
) -> None:
    # The member editor (Dominican Republic customs) downloads the template.
    log_in(page, live_server.url, "demo-member", demo_passwords["demo-member"])
    page.click("nav >> text=Needs")
    page.wait_for_url("**/needs/")
    page.click("text=Upload a spreadsheet of needs")
    page.wait_for_url("**/needs/intake/")
    with page.expect_download() as download_info:
        page.click("#template-link")
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)

    # …fills in two needs, choosing from its drop-down lists…
    workbook = load_workbook(template)
    sheet = workbook["needs"]
    member = _list_value(workbook, "member", "DO ")
    rows = [
        (
            _list_value(workbook, "provision", "TFA-10.4 "),
            "Connect the plant-health agency to the single window (journey).",
            dt.date(2022, 5, 1),
        ),
        (
            _list_value(workbook, "provision", "TFA-7.5 "),
            "Train twelve post-clearance auditors (journey).",
            dt.date(2023, 2, 1),
        ),
    ]
    for number, (provision, description, identified_on) in enumerate(rows, start=2):
        sheet.cell(row=number, column=2, value=member)
        sheet.cell(row=number, column=3, value=provision)
        sheet.cell(row=number, column=5, value=description)
        sheet.cell(row=number, column=6, value=_list_value(workbook, "priority", "High"))
        sheet.cell(row=number, column=7, value=_list_value(workbook, "source", "Self-assessment"))
        sheet.cell(row=number, column=9, value=identified_on)
    filled = tmp_path / "our-needs.xlsx"
    workbook.save(filled)

    # …and uploads it: both are stored.
    page.set_input_files("#id_file", str(filled))
    page.click("main button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("2 needs recorded")
    stored = page.locator("#intake-stored")
    expect(stored).to_contain_text("single window (journey)")
    window_link = stored.locator("li", has_text="single window (journey)").locator("a")
    key = window_link.inner_text()
    assert key.startswith("NEED-DO-")

    # The coordinator (the WCO secretariat) opens the need and finds the IDB's single window.
    context = browser.new_context(locale="en-GB")
    coordinator = context.new_page()
    coordinator.set_default_timeout(15_000)
    log_in(coordinator, live_server.url, "demo-secretariat", demo_passwords["demo-secretariat"])
    coordinator.goto(f"{live_server.url}/needs/{key}/")
    expect(coordinator.locator("#need-status")).to_have_text("Identified")
    expect(coordinator.locator("#voice-member")).to_contain_text("Confirmed")
    suggestion = coordinator.locator("tr.suggestion", has_text="XM-DAC-909-DEMO-DO-SW")
    expect(suggestion).to_contain_text("Same provision: TFA-10.4")
    expect(suggestion).to_contain_text("Recipient country: DO")

    # …confirms it, and sees the need's status change.
    suggestion.locator("button", has_text="Confirm").click()
    coordinator.wait_for_url(f"**/needs/{key}/")
    expect(coordinator.locator("#need-status")).to_have_text("Supported")
    expect(coordinator.locator("#supporting")).to_contain_text("XM-DAC-909-DEMO-DO-SW")
    expect(coordinator.locator("#status-history")).to_contain_text("Supported")
    context.close()
