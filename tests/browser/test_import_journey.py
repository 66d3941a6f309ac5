"""The IDB's partner editor uploads an IATI file, reads the report and opens the activity."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

IDB_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2025-03-01T09:00:00Z">
 <iati-activity last-updated-datetime="2025-03-01T09:00:00Z" xml:lang="en" default-currency="USD">
  <iati-identifier>XM-DAC-909-DR-CUSTOMS-2025</iati-identifier>
  <reporting-org ref="XM-DAC-909" type="40"><narrative>Inter-American Development Bank</narrative></reporting-org>
  <title>
   <narrative>Customs risk management in the Dominican Republic</narrative>
   <narrative xml:lang="es">Gestión de riesgos aduaneros en la República Dominicana</narrative>
  </title>
  <description><narrative>Support to the DGA's risk management unit.</narrative></description>
  <participating-org ref="XM-DAC-909" role="1" type="40"><narrative>Inter-American Development Bank</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2025-01-01"/>
  <recipient-country code="DO" percentage="100"/>
  <sector code="33120" vocabulary="1" percentage="100"/>
 </iati-activity>
</iati-activities>
"""


@pytest.fixture
def in_background() -> Iterator[None]:
    """As served: the upload returns at once and the report page follows the import."""
    with override_settings(CBCOORD_IMPORT_IN_BACKGROUND=True):
        yield


def test_partner_editor_imports_an_idb_activity(
    page: Any,
    live_server: Any,
    demo_passwords: dict[str, str],
    tmp_path: Path,
    in_background: None,
) -> None:
    path = tmp_path / "idb-activities.xml"
    path.write_text(IDB_FILE, encoding="utf-8")
    log_in(page, live_server.url, "demo-partner", demo_passwords["demo-partner"])

    page.click("nav >> text=Imports")
    page.wait_for_url("**/imports/")
    page.click("text=Import an IATI file")
    page.wait_for_url("**/imports/new/")
    page.set_input_files("#id_file", str(path))
    page.click("main button[type=submit]")
    # Not a glob: "/imports/*/" would also match the upload page itself.
    page.wait_for_url(re.compile(r".*/imports/\d+/$"))

    # The report follows the import (htmx, every second) until it ends.
    # (A locator, not wait_for_function: the Content-Security-Policy forbids eval in the page.)
    expect(page.locator("#run-status")).to_have_text("Completed", timeout=30_000)
    assert page.locator("#run-running").count() == 0
    assert page.inner_text("[data-count=added]") == "1"
    assert "idb-activities.xml" in page.inner_text("#run-facts")

    page.click("nav >> text=Activities")
    page.wait_for_url("**/activities/")
    page.click("text=Customs risk management in the Dominican Republic")
    page.wait_for_url("**/activities/XM-DAC-909-DR-CUSTOMS-2025/")
    assert page.inner_text("h1").startswith("Customs risk management in the Dominican Republic")
    assert "Dominican Republic" in page.inner_text("#countries")
