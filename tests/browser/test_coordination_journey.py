"""A coordinator opens the Americas and Caribbean region, filters to 2019, clicks a tile of the
heat map (its activities and needs come by htmx) and a cell of the matrix's table, marks an overlap complementary and downloads
the gaps as XLSX, which openpyxl opens with the expected rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

#: The demo's open needs in the region without confirmed support in 2019, high priority first,
#: then the oldest (worked out from cbcoord/demo and cbcoord/coordination/demo.py).
EXPECTED_GAPS = [
    ("NEED-DO-0008", "DO", "TFA-7.4", "High"),
    ("NEED-HT-0001", "HT", "TFA-7.4", "High"),
    ("NEED-DO-0005", "DO", "TFA-10.4", "High"),
    ("NEED-JM-0004", "JM", "RKC-GA-6.3", "High"),
    ("NEED-DO-0007", "DO", "TFA-3", "Medium"),
    ("NEED-DO-0006", "DO", "RKC-GA-6.6; TFA-7.5", "Medium"),
    ("NEED-GT-0001", "GT", "TFA-7.4", "Medium"),
]


def test_coordinator_reads_the_2019_americas_view(
    page: Any, live_server: Any, demo_passwords: dict[str, str], tmp_path: Path
) -> None:
    from cbcoord.coordination.models import OverlapMark, OverlapVerdict

    log_in(page, live_server.url, "demo-secretariat", demo_passwords["demo-secretariat"])
    page.goto(f"{live_server.url}/coordination/")
    page.click("text=Americas and Caribbean")
    page.wait_for_url("**/coordination/regions/AMC/**")

    # Filter to 2019.
    page.select_option("#filter-year-from", "2019")
    page.select_option("select[name=year_to]", "2019")
    with page.expect_navigation():
        page.click("#filter-apply")
    assert "year_from=2019" in page.url and "year_to=2019" in page.url

    # A tile of the heat map: Jamaica's advance rulings (TFA-3), two partners' activities.
    page.wait_for_selector("#chart-matrix[data-rendered]")
    tile = page.locator(
        "#chart-matrix g.mark-rect path[aria-label*='Jamaica'][aria-label*='TFA-3;']"
    )
    expect(tile).to_have_count(1)
    tile.click()
    card = page.locator("#cell-detail #cell-JM-TFA-3")
    expect(card).to_contain_text("2 activities")
    expect(card).to_contain_text("1 open need")
    expect(card.locator("tbody tr")).to_have_count(2)

    # The matrix as a table comes by htmx when opened; its cell links bring the same card.
    page.click("details.matrix-table summary")
    page.locator("#matrix a[data-cell='JM-TFA-3']").click()
    expect(page.locator("#cell-detail #cell-JM-TFA-3")).to_contain_text("2 activities")

    # The overlaps tab: the EU's and Sweden's post-clearance audit work in Jamaica, not marked.
    page.click("#tab-overlaps")
    row = page.locator('tr[id^=overlap-][id$="-JM-TFA-7.5"]')
    expect(row.locator("td.state")).to_have_text("Not marked")
    row.locator("select[name=verdict]").select_option(OverlapVerdict.COMPLEMENTARY.value)
    row.locator("input[name=note]").fill("Audit in ports (EU), audit of exporters (Sweden)")
    row.locator("button[type=submit]").click()
    row = page.locator('tr[id^=overlap-][id$="-JM-TFA-7.5"]')
    expect(row.locator("td.state")).to_contain_text("Complementary")
    expect(row.locator("td.state")).to_contain_text("Audit in ports (EU)")
    mark = OverlapMark.objects.get(note="Audit in ports (EU), audit of exporters (Sweden)")
    assert mark.verdict == OverlapVerdict.COMPLEMENTARY

    # The gaps tab, downloaded as XLSX with the filters written in the file.
    page.click("#tab-gaps")
    expect(page.locator("#gaps tbody tr")).to_have_count(len(EXPECTED_GAPS))
    with page.expect_download() as download_info:
        page.click("#tab-panel .downloads a:text('XLSX')")
    path = tmp_path / "gaps.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(path).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = values.index(next(row for row in values if row and row[0] == "Need"))
    head = {str(row[0]): row[1] for row in values[:header] if row and row[0]}
    assert head["Export"] == "Gaps"
    assert any("2019" in str(value) for label, value in head.items() if label.startswith("Filter"))
    assert any("AMC" in str(value) or "Americas" in str(value) for value in head.values())
    columns = values[header]
    found = [
        (
            row[columns.index("Need")],
            row[columns.index("ISO code")],
            row[columns.index("Provisions")],
            row[columns.index("Priority")],
        )
        for row in values[header + 1 :]
        if row and row[0]
    ]
    assert found == EXPECTED_GAPS
