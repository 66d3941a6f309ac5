"""The secretariat reviews the organisations an import did not know: /partners/ shows none of
them before; one is matched to the IDB, the other to the first (a merge)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cbcoord.activities.models import ActivityParticipant
from cbcoord.registry.models import Organisation
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

FILE = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2025-03-01T09:00:00Z">
 <iati-activity last-updated-datetime="2025-03-01T09:00:00Z" default-currency="USD">
  <iati-identifier>XM-DAC-909-REVIEW-1</iati-identifier>
  <reporting-org ref="XM-DAC-909" type="40"><narrative>Inter-American Development Bank</narrative></reporting-org>
  <title><narrative>Border management in Jamaica</narrative></title>
  <description><narrative>Coordinated border management.</narrative></description>
  <participating-org ref="XM-DAC-909" role="1" type="40"><narrative>Inter-American Development Bank</narrative></participating-org>
  <participating-org ref="BID-REG-7" role="3" type="40"><narrative>Banco Interamericano de Desarrollo</narrative></participating-org>
  <participating-org role="4" type="10"><narrative>Border Agency Consortium</narrative></participating-org>
  <participating-org role="4" type="10"><narrative>Border Agency Consortium Ltd</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2025-01-01"/>
  <recipient-country code="JM" percentage="100"/>
  <sector code="33120" vocabulary="1" percentage="100"/>
 </iati-activity>
</iati-activities>
"""


def test_secretariat_matches_and_merges_unknown_organisations(
    page: Any, live_server: Any, demo_passwords: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "review.xml"
    path.write_text(FILE, encoding="utf-8")
    log_in(page, live_server.url, "demo-secretariat", demo_passwords["demo-secretariat"])
    page.goto(f"{live_server.url}/imports/new/")
    page.set_input_files("#id_file", str(path))
    page.click("main button[type=submit]")
    page.wait_for_url("**/imports/*/")

    # Not partners yet: the list does not show them, to the secretariat or anyone.
    page.goto(f"{live_server.url}/partners/")
    listed = page.inner_text("#partner-results")
    for name in ("Banco Interamericano", "Border Agency Consortium"):
        assert name not in listed
    page.click("text=wait for your review")
    page.wait_for_url("**/partners/review/")

    import os

    if os.environ.get("CBCOORD_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["CBCOORD_SCREENSHOTS"], "review.png"), full_page=True
        )
    bid = Organisation.objects.get(iati_org_id="BID-REG-7")
    page.select_option(f"#target-{bid.key}", "idb")
    page.click(f"#review-{bid.key} >> text=Match")
    page.wait_for_url("**/partners/review/")
    assert "its activities moved there" in page.inner_text(".messages")

    first = Organisation.objects.get(name="Border Agency Consortium")
    second = Organisation.objects.get(name="Border Agency Consortium Ltd")
    page.select_option(f"#target-{second.key}", first.key)
    page.click(f"#review-{second.key} >> text=Match")
    page.wait_for_url("**/partners/review/")
    page.select_option(f"#kind-{first.key}", "implementer")
    page.click(f"#review-{first.key} >> text=Accept")
    page.wait_for_url("**/partners/review/")
    assert "Nothing to review" in page.inner_text("main")

    participants = set(
        ActivityParticipant.objects.filter(
            activity__iati_identifier="XM-DAC-909-REVIEW-1"
        ).values_list("organisation__key", flat=True)
    )
    assert participants == {"idb", first.key}
    page.goto(f"{live_server.url}/partners/?q=Border")
    assert "Border Agency Consortium" in page.inner_text("#partner-results")
