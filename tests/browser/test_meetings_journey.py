"""The secretariat prepares the 2020 Americas meeting: the 2019 open action items are carried
over, one is marked done, the brief is downloaded; the consultation's chart draws under the
Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_secretariat_prepares_the_2020_meeting(
    page: Any, live_server: Any, demo_passwords: dict[str, str]
) -> None:
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, live_server.url, "demo-secretariat", demo_passwords["demo-secretariat"])
    page.goto(f"{live_server.url}/meetings/series/americas-coordination/")
    page.click("#new-meeting")
    page.fill("#id_title", "2020 Development Partners Coordination Meeting, Americas and Caribbean")
    page.fill("#id_start_date", "2020-03-12")
    page.fill("#id_city", "Santo Domingo")
    page.fill("#id_country", "DO")
    with page.expect_navigation():
        page.click("main form.stacked button[type=submit]")
    assert "/meetings/" in page.url
    carried = page.locator("#carried-items")
    text = carried.inner_text()
    assert "Share the IDB's pipeline" in text
    assert "Map revenue-administration missions" in text
    assert "Circulate the draft" not in text  # done in 2019: not carried
    row = carried.locator("tr", has_text="Share the IDB's pipeline")
    row.locator("select[name=status]").select_option("done")
    row.locator("input[name=text]").fill("Pipeline shared in cbcoord")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    row = page.locator("#carried-items tr", has_text="Share the IDB's pipeline")
    assert row.locator("td.status").inner_text() == "Done"
    assert "Pipeline shared in cbcoord" in row.inner_text()

    with page.expect_download() as download_info:
        page.click("#brief-pdf")
    path = download_info.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    page.goto(f"{live_server.url}/meetings/consultations/strategic-plan-2019-2022/")
    page.wait_for_selector(
        "#chart-consultation-1[data-rendered], [id^=chart-consultation][data-rendered]"
    )
    assert page.locator("[id^=chart-consultation] svg").count() == 1
    assert refused == []
