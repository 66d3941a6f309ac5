"""Building needs, activities with provisions, and workbooks for the needs tests."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import load_workbook

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities.models import Activity, ActivityProvision, ActivityRegion
from cbcoord.frameworks.models import Provision
from cbcoord.needs import intake, services
from cbcoord.needs.models import Need
from cbcoord.registry.models import Member, Organisation
from tests.activities.helpers import make_activity


def member(iso_code: str) -> Member:
    return Member.objects.select_related("organisation", "region").get(iso_code=iso_code)


def provisions(*codes: str) -> list[Provision]:
    found = {p.code: p for p in Provision.objects.filter(code__in=codes)}
    return [found[code] for code in codes]


def make_need(
    iso_code: str = "DO",
    codes: tuple[str, ...] = ("TFA-10.4",),
    *,
    user: Any = SYSTEM,
    description: str = "Connect the border agencies to the single window.",
    identified_on: dt.date = dt.date(2024, 3, 1),
    **values: Any,
) -> Need:
    data = {
        "provisions": provisions(*codes),
        "description": description,
        "source": values.pop("source", "diagnostic_mission"),
        "identified_on": identified_on,
        **values,
    }
    return services.need_create(user=user, member=member(iso_code), data=data)


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
    """An activity (as the importer stores it) supporting the provisions ``codes``."""
    activity = make_activity(
        identifier,
        organisation,
        countries=[{"code": code, "percentage": None, "narrative": {}} for code in countries]
        if countries is not None
        else None,
        start=start,
        end=end,
        **options,
    )
    for code in dac_regions or []:
        ActivityRegion.objects.create(activity=activity, code=code, vocabulary="1")
    for provision in provisions(*codes):
        ActivityProvision.objects.create(activity=activity, provision=provision)
    return activity


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
