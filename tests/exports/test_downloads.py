"""Every exporter, downloaded the three ways (the page's link, the API, ``cbcoord export``):
the file's rows are the filtered list's (read through its selector, so visibility holds), the
head names the filters, cells are typed, and a formula-looking text stays text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities.filters import ActivityFilters
from cbcoord.activities.models import Activity, Visibility
from cbcoord.activities.selectors import activity_list
from cbcoord.frameworks.filters import ProvisionFilters
from cbcoord.frameworks.models import Provision
from cbcoord.frameworks.selectors import provision_list
from cbcoord.registry.filters import MemberFilters, OrganisationFilters
from cbcoord.registry.models import Member, Organisation, OrganisationKind
from cbcoord.registry.selectors import member_list, organisation_list
from tests.factories import SEES, ImportedActivityFactory, one_activity_per_visibility

FORMULA = '=HYPERLINK("https://evil.example/","Click me")'


@dataclass(frozen=True)
class Case:
    identifier: str
    filter_name: str
    value: str
    filter_title: str  # as the file's head names it
    key_column: str  # the column that identifies a row
    expected: Callable[[Any], list[str]]  # the selector's rows for a reader, as keys
    typed: dict[str, Callable[[Any], bool]]  # column -> check of a cell
    formula_column: str


def _activities(user: Any) -> list[str]:
    return [
        activity.iati_identifier
        for activity in activity_list(user=user, filters=ActivityFilters(country="DO"))
    ]


def _organisations(user: Any) -> list[str]:
    filters = OrganisationFilters(kind="development_partner")
    return [organisation.key for organisation in organisation_list(user=user, filters=filters)]


def _members(user: Any) -> list[str]:
    return [member.name for member in member_list(filters=MemberFilters(region="AMC"))]


def _provisions(user: Any) -> list[str]:
    return [p.code for p in provision_list(filters=ProvisionFilters(instrument="TFA"))]


def _is_date(cell: Any) -> bool:
    return bool(cell.is_date) and isinstance(cell.value, dt.datetime)


def _is_number(cell: Any) -> bool:
    return cell.data_type == "n" and isinstance(cell.value, int | float)


def _is_bool(cell: Any) -> bool:
    return cell.data_type == "b" and isinstance(cell.value, bool)


CASES = [
    Case(
        "activities",
        "country",
        "DO",
        "Member",
        "IATI identifier",
        _activities,
        {"Start": _is_date, "End": _is_date, "Total budget": _is_number, "Withdrawn": _is_bool,
         "Last updated": _is_date},
        "Title",
    ),
    Case(
        "organisations",
        "kind",
        "development_partner",
        "Kind",
        "Key",
        _organisations,
        {"Verified": _is_bool, "Last updated": _is_date},
        "Name",
    ),
    Case("members", "region", "AMC", "Region", "Member", _members, {"Verified": _is_bool}, "Member"),
    Case(
        "provisions",
        "instrument",
        "TFA",
        "Instrument",
        "Code",
        _provisions,
        {"Verified": _is_bool},
        "Title (English)",
    ),
]  # fmt: skip


@pytest.fixture
def data(idb: Organisation, imf: Organisation) -> None:
    """Activities in the Dominican Republic and elsewhere, at every visibility level, and a
    formula-looking text in each export."""
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-DO-1", reporting_org=idb, title={"en": FORMULA}
    )
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-DO-2", reporting_org=idb, start="2023-03-01", end="2026-06-30"
    )
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-FR",
        reporting_org=idb,
        countries=[{"code": "FR", "percentage": "100", "narrative": {}}],
    )
    one_activity_per_visibility(reporting_org=idb, named_for=imf)  # all in the Dominican Republic
    Organisation.objects.create(
        key="formula-partner", name=FORMULA, kind=OrganisationKind.DEVELOPMENT_PARTNER
    )
    Member.objects.filter(iso_code="JM").update(name=FORMULA)
    Provision.objects.filter(code="TFA-7.4").update(title_en=FORMULA)


def _workbook(content: bytes) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    """(head, header, rows as {column: cell}) of an exported workbook."""
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows())
    blank = next(i for i, row in enumerate(rows) if all(cell.value is None for cell in row))
    head = {row[0].value: row[1].value for row in rows[:blank]}
    header = [str(cell.value) for cell in rows[blank + 1]]
    return head, header, [dict(zip(header, row, strict=True)) for row in rows[blank + 2 :]]


def _csv(content: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    lines = list(csv.reader(io.StringIO(content.decode("utf-8").removeprefix("\ufeff"))))
    blank = lines.index([])
    head = {row[0].removeprefix("# "): row[1] for row in lines[:blank]}
    header = lines[blank + 1]
    return head, [dict(zip(header, row, strict=True)) for row in lines[blank + 2 :]]


def _check_workbook(case: Case, content: bytes, expected: list[str]) -> None:
    head, header, rows = _workbook(content)
    assert head[f"Filter: {case.filter_title}"] == case.value
    assert [str(row[case.key_column].value) for row in rows] == expected
    assert expected, "the case must export rows"
    for column, check in case.typed.items():
        values = [row[column] for row in rows if row[column].value is not None]
        assert values, (case.identifier, column)
        assert all(check(cell) for cell in values), (case.identifier, column)
    formulas = [
        row[case.formula_column] for row in rows if row[case.formula_column].value == FORMULA
    ]
    assert formulas and all(cell.data_type == "s" for cell in formulas), case.identifier


@pytest.mark.parametrize("case", CASES, ids=[case.identifier for case in CASES])
def test_xlsx_through_page_api_and_command(
    case: Case,
    data: None,
    partner_editor: Any,
    client_for: Callable[[Any], Client],
    tmp_path: Path,
) -> None:
    client = client_for(partner_editor)
    expected = case.expected(partner_editor)

    page = client.get(f"/exports/{case.identifier}.xlsx", {case.filter_name: case.value})
    assert page.status_code == 200, page.content[:300]
    _check_workbook(case, b"".join(page.streaming_content), expected)

    api = client.get(
        f"/api/exports/{case.identifier}", {"format": "xlsx", case.filter_name: case.value}
    )
    assert api.status_code == 200
    _check_workbook(case, b"".join(api.streaming_content), expected)

    out = tmp_path / "export.xlsx"
    option = "--" + case.filter_name.replace("_", "-")
    call_command("export", case.identifier, option, case.value, "-o", str(out))
    _check_workbook(case, out.read_bytes(), case.expected(SYSTEM))


@pytest.mark.parametrize("case", CASES, ids=[case.identifier for case in CASES])
def test_csv_through_page_api_and_command(
    case: Case, data: None, client: Client, tmp_path: Path
) -> None:
    expected = case.expected(None)
    for content in (
        b"".join(
            client.get(
                f"/exports/{case.identifier}.csv", {case.filter_name: case.value}
            ).streaming_content
        ),
        b"".join(
            client.get(
                f"/api/exports/{case.identifier}", {"format": "csv", case.filter_name: case.value}
            ).streaming_content
        ),
    ):
        head, rows = _csv(content)
        assert head[f"Filter: {case.filter_title}"] == case.value
        assert head["By"] == "the public"
        keys = [row[case.key_column] for row in rows]
        assert [key.removeprefix("'") for key in keys] == expected
        assert "'" + FORMULA in {row[case.formula_column] for row in rows}
    out = tmp_path / "export.csv"
    call_command(
        "export", case.identifier, "--" + case.filter_name.replace("_", "-"), case.value,
        "-o", str(out),
    )  # fmt: skip
    _head, rows = _csv(out.read_bytes())
    assert [row[case.key_column].removeprefix("'") for row in rows] == case.expected(SYSTEM)


@pytest.mark.parametrize(
    ("identifier", "query", "named"),
    [
        ("activities", {"region": "ZZZ"}, "unknown region ZZZ"),
        ("activities", {"start": "2024-02-30"}, "start=2024-02-30"),
        ("activities", {"sort": "colour"}, "sort=colour"),
        ("organisations", {"kind": "member_administration"}, "unknown kind"),
        ("members", {"iso_code": "QQ"}, "unknown country QQ"),
        ("provisions", {"instrument": "NOPE"}, "unknown instrument NOPE"),
        ("iati-activities", {"partner": "nobody"}, "unknown partner nobody"),
    ],
)
def test_unknown_values_are_a_400_naming_them(
    client: Client, reference: None, identifier: str, query: dict[str, str], named: str
) -> None:
    fmt = "xml" if identifier == "iati-activities" else "xlsx"
    page = client.get(f"/exports/{identifier}.{fmt}", query)
    assert page.status_code == 400 and named in page.content.decode()
    api = client.get(f"/api/exports/{identifier}", {"format": fmt, **query})
    assert api.status_code == 400 and named in api.json()["detail"]
    assert api.json()["field"] == next(iter(query))


@pytest.mark.parametrize("identifier", ["activities", "organisations", "members", "provisions"])
def test_unknown_format_is_a_400_naming_it(
    client: Client, reference: None, identifier: str
) -> None:
    page = client.get(f"/exports/{identifier}.pdf")
    assert page.status_code == 400 and "pdf" in page.content.decode()
    api = client.get(f"/api/exports/{identifier}", {"format": "ods"})
    assert api.status_code == 400
    assert "ods" in api.json()["detail"] and api.json()["field"] == "format"


@pytest.mark.parametrize("role", list(SEES))
def test_activity_downloads_hold_visibility(
    role: str,
    personas: dict[str, Any],
    client_for: Callable[[Any], Client],
    idb: Organisation,
    imf: Organisation,
) -> None:
    activities = one_activity_per_visibility(reporting_org=idb, named_for=imf)
    client = client_for(personas[role])
    content = b"".join(client.get("/exports/activities.xlsx").streaming_content)
    _head, _header, rows = _workbook(content)
    exported = {row["IATI identifier"].value for row in rows}
    assert exported == {activities[level].iati_identifier for level in SEES[role]}
    # The IATI XML: public activities only, unless the secretariat asks for all.
    xml = client.get("/api/exports/iati-activities", {"format": "xml"})
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    body = b"".join(xml.streaming_content).decode()
    assert activities[Visibility.PUBLIC].iati_identifier in body
    assert activities[Visibility.WCO].iati_identifier not in body
    everything = client.get("/api/exports/iati-activities", {"format": "xml", "visibility": "all"})
    assert everything.status_code == (200 if role == "secretariat" else 403)


def test_the_activity_file_in_the_lists_order_with_every_column(client: Client, data: None) -> None:
    content = b"".join(client.get("/exports/activities.xlsx", {"sort": "start"}).streaming_content)
    head, header, rows = _workbook(content)
    assert "Filter: Order" not in head  # the order is not a filter
    assert header == [
        "IATI identifier", "Title", "Reporting organisation", "Status", "Start", "End",
        "Recipient countries", "WCO regions", "Sectors", "Total budget", "Total commitments",
        "Total disbursements and expenditure", "Currency", "Visibility", "Origin", "Withdrawn",
        "Last updated",
    ]  # fmt: skip
    starts = [row["Start"].value for row in rows]
    assert starts == sorted(starts)
    row = next(row for row in rows if row["IATI identifier"].value == "XM-DAC-909-DO-2")
    assert row["Start"].value.date() == dt.date(2023, 3, 1)
    assert row["Recipient countries"].value == "DO Dominican Republic (the)"
    assert row["WCO regions"].value == "AMC"
    assert row["Sectors"].value.startswith("33120 ")
    assert row["Total budget"].value == 100000 and row["Currency"].value == "USD"
    assert row["Status"].value == "Implementation" and row["Visibility"].value == "Public"
    assert row["Withdrawn"].value is False


def test_export_iati_command_delegates_and_names_unknown_values(data: None, tmp_path: Path) -> None:
    from django.core.management import CommandError

    out = tmp_path / "amc.xml"
    call_command("export_iati", "--region", "AMC", "-o", str(out))
    text = out.read_text()
    assert "XM-DAC-909-DO-2" in text and "XM-DAC-909-FR" not in text
    assert "VIS-coordination" not in text  # public activities unless --all-visibilities
    call_command("export_iati", "--region", "AMC", "--all-visibilities", "-o", str(out))
    assert "VIS-coordination" in out.read_text()
    with pytest.raises(CommandError, match="unknown region ZZZ"):
        call_command("export_iati", "--region", "ZZZ", "-o", str(out))
    same = tmp_path / "same.xml"
    call_command("export", "iati-activities", "--region", "AMC", "-o", str(same))
    assert "XM-DAC-909-DO-2" in same.read_text()
    assert Activity.objects.filter(iati_identifier="XM-DAC-909-DO-2").exists()
