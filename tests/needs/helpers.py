"""Activities supporting provisions, and workbooks of needs, for the needs tests (needs
themselves: ``tests.factories.NeedFactory``)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import load_workbook

from cbcoord.activities.models import Activity
from cbcoord.needs import intake
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory


def tagged_activity(
    identifier: str,
    organisation: Organisation,
    codes: tuple[str, ...],
    *,
    countries: list[str] | None = None,
    dac_regions: list[str] | None = None,
    start: str = "2024-01-15",
    end: str = "2025-12-31",
    **options: Any,
) -> Activity:
    """An activity (as the importer stores it) supporting the provisions ``codes``, in the
    recipient countries of ISO codes ``countries`` and the DAC regions ``dac_regions``."""
    return ImportedActivityFactory(
        iati_identifier=identifier,
        reporting_org=organisation,
        provisions=codes,
        dac_regions=dac_regions or (),
        countries=[{"code": code, "percentage": None, "narrative": {}} for code in countries]
        if countries is not None
        else None,
        start=start,
        end=end,
        **options,
    )


def template_bytes(user: Any) -> bytes:
    buffer = io.BytesIO()
    intake.write_template(user, buffer)
    return buffer.getvalue()


def filled_workbook(
    user: Any, rows: list[dict[str, Any]], *, content: bytes | None = None
) -> bytes:
    """The template (or ``content``) with ``rows`` written under the header, by column key."""
    workbook = load_workbook(io.BytesIO(content or template_bytes(user)))
    sheet = workbook[intake.DATA_SHEET]
    for number, row in enumerate(rows, start=2):
        for key, value in row.items():
            sheet.cell(row=number, column=intake.COLUMN_INDEX[key] + 1, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def intake_row(**values: Any) -> dict[str, Any]:
    row = {
        "member": "DO · Dominican Republic",
        "provision": "TFA-10.4 · Single window",
        "description": "Connect the plant-health agency to the single window.",
        "priority": "High",
        "source": "Self-assessment",
        "identified_on": dt.date(2025, 1, 10),
    }
    row.update(values)
    return row
