"""The secretariat user logs in, switches to Spanish and finds the regional Vice-Chair."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_secretariat_sees_vice_chair_in_spanish(
    page: Any, live_server: Any, demo_passwords: dict[str, str]
) -> None:
    log_in(page, live_server.url, "demo-secretariat", demo_passwords["demo-secretariat"])
    assert "Demo" in page.inner_text("header")

    # Choosing a language submits the form; wait for the page it leads to.
    with page.expect_navigation():
        page.select_option("#language-select", "es")
    assert page.locator("html").get_attribute("lang") == "es"

    with page.expect_navigation():
        page.click("text=Regiones")
    page.click("text=Américas y el Caribe")
    page.wait_for_url("**/regions/AMC/")
    members = page.locator("#members")
    row = members.locator("tr", has_text="República Dominicana")
    assert row.count() == 1
    assert "Vicepresiden" in row.inner_text()
    roles = page.locator("#regional-roles").inner_text()
    assert "Dirección General de Aduanas" in roles
