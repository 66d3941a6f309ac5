"""The pages work under their Content-Security-Policy: nothing they load or run is refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/activities/",
    "/regions/",
    "/regions/AMC/",
    "/partners/",
    "/catalogue/?q=risk",
    "/api/docs",
]


def test_no_page_breaks_its_content_security_policy(
    page: Any, live_server: Any, demo_passwords: dict[str, str]
) -> None:
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    log_in(page, live_server.url, "demo-secretariat", demo_passwords["demo-secretariat"])
    for path in [*PAGES, "/partners/review/", "/imports/new/", "/accounts/tokens/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    # The language switcher submits from the site's own script.
    page.goto(f"{live_server.url}/activities/")
    page.select_option("#language-select", "es")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "es"
    assert refused == []
