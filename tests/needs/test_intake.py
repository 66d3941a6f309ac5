"""Spreadsheet intake: the template, a good file, a file with errors in several rows (nothing
stored, every error listed), not a spreadsheet, too large, and uploading the same rows
again."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from openpyxl import Workbook, load_workbook

from cbcoord.needs import intake
from cbcoord.needs.models import MemberPosition, Need
from tests.factories import NeedFactory
from tests.needs.helpers import filled_workbook, intake_row, template_bytes

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(client: Client, content: bytes, name: str = "needs.xlsx") -> Any:
    return client.post(
        "/needs/intake/", {"file": SimpleUploadedFile(name, content, content_type=XLSX)}
    )


def test_template_has_lists_and_instructions(reference: None, member_editor: Any) -> None:
    client = Client()
    client.force_login(member_editor)
    response = client.get("/needs/intake/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Instructions", "needs", "lists"]
    assert workbook["lists"].sheet_state == "hidden"
    sheet = workbook["needs"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["Key", "Member *", "Provision *"]
    lists = workbook["lists"]
    columns = {lists.cell(row=1, column=c).value: c for c in range(2, lists.max_column + 1)}
    members = [
        lists.cell(row=r, column=columns["member"]).value for r in range(2, lists.max_row + 1)
    ]
    assert [m for m in members if m] == ["DO · Dominican Republic"]  # the editor's own only
    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations["B2:B501"].startswith("lists!$B$2")
    for key in ("member", "provision", "priority", "source"):
        letter = "ABCDEFGHIJKLMNOP"[intake.COLUMN_INDEX[key]]
        assert f"{letter}2:{letter}501" in validations, key
    instructions = " ".join(
        str(cell.value) for row in workbook["Instructions"].iter_rows() for cell in row
    )
    assert "all rows are stored, or none is" in instructions


def test_template_in_the_readers_language(reference: None, secretariat: Any) -> None:
    from django.utils import translation

    with translation.override("fr"):
        content = template_bytes(secretariat)
    workbook = load_workbook(io.BytesIO(content))
    lists = workbook["lists"]
    members = {lists.cell(row=r, column=2).value for r in range(2, lists.max_row + 1)}
    assert "DO · République dominicaine" in members  # country names in French
    assert len([m for m in members if m]) > 150


def test_good_file_is_stored(reference: None, member_editor: Any) -> None:
    client = Client()
    client.force_login(member_editor)
    content = filled_workbook(
        member_editor,
        [
            intake_row(
                other_provisions="TFA-10.1, RKC-GA-3.21",
                estimated_cost=120000,
                currency="USD",
                estimated_duration_months=18,
                evidence_links="https://example.org/a.pdf https://example.org/b.pdf",
                window_start=dt.date(2025, 1, 1),
                visibility="Public",
            ),
            intake_row(
                provision="TFA-7.4 · Risk management",
                description="Selectivity rules for the land border.",
                priority="low",
                source="diagnostic_mission",
                identified_on="2024-11-05",
            ),
        ],
    )
    response = _upload(client, content)
    assert response.status_code == 200, response.content.decode()[:2000]
    first, second = Need.objects.order_by("key")
    assert (first.key, second.key) == ("NEED-DO-0001", "NEED-DO-0002")
    assert list(first.provisions.order_by("code").values_list("code", flat=True)) == [
        "RKC-GA-3.21",
        "TFA-10.1",
        "TFA-10.4",
    ]
    assert (first.priority, first.source, first.visibility) == ("high", "self_assessment", "public")
    assert first.estimated_cost == 120000 and first.estimated_duration_months == 18
    assert first.evidence_links == ["https://example.org/a.pdf", "https://example.org/b.pdf"]
    assert first.member_position == MemberPosition.CONFIRMED  # the member's own editor
    assert (second.priority, second.identified_on) == ("low", dt.date(2024, 11, 5))
    assert "2 needs recorded" in response.content.decode()


def test_errors_in_several_rows_store_nothing_and_are_all_listed(
    reference: None, member_editor: Any
) -> None:
    NeedFactory(member="DO", description="Existing.")
    before = list(Need.objects.values())
    content = filled_workbook(
        member_editor,
        [
            intake_row(),  # a good row: not stored either
            intake_row(member="JM · Jamaica", description="Not ours."),
            intake_row(provision="TFA-99", priority="urgent", description="Row four."),
            intake_row(
                description="",
                identified_on="yesterday",
                estimated_cost=100,
                evidence_links="ftp://example.org/x",
            ),
            intake_row(key="NEED-DO-9999", description="Unknown key."),
            intake_row(),  # the same as row 2
        ],
    )
    result = intake.intake_upload(user=member_editor, content=content)
    assert result.refused and not result.created
    found = {(p.row, p.column) for p in result.problems}
    assert found == {
        (3, "Member"),
        (4, "Provision"),
        (4, "Priority"),
        (5, "Description"),
        (5, "Date identified"),
        (5, "Currency"),
        (5, "Evidence links"),
        (6, "Key"),
        (7, "Description"),
    }
    assert list(Need.objects.values()) == before
    client = Client()
    client.force_login(member_editor)
    response = _upload(client, content)
    assert response.status_code == 400
    page = response.content.decode()
    assert "nothing was stored: 9 problems" in page
    assert "TFA-99 is not a provision code." in page


def test_not_a_spreadsheet(reference: None, secretariat: Any) -> None:
    client = Client()
    client.force_login(secretariat)
    for name, content in (
        ("needs.xlsx", b"member,provision\nDO,TFA-7.4\n"),
        ("needs.csv", b"member,provision\nDO,TFA-7.4\n"),
        ("needs.xlsx", b"PK\x03\x04 not really a zip"),
    ):
        response = _upload(client, content, name)
        assert response.status_code == 400
        assert "This is not an Excel workbook (.xlsx)" in response.content.decode()
    assert not Need.objects.exists()


def test_a_workbook_that_is_not_the_template(reference: None, secretariat: Any) -> None:
    workbook = Workbook()
    workbook.active.append(["member", "provision"])
    out = io.BytesIO()
    workbook.save(out)
    result = intake.intake_upload(user=secretariat, content=out.getvalue())
    assert result.refused and "no sheet" in result.problems[0].message


def test_an_empty_template_stores_nothing(reference: None, secretariat: Any) -> None:
    result = intake.intake_upload(user=secretariat, content=template_bytes(secretariat))
    assert result.refused and "holds no needs" in result.problems[0].message


@override_settings(CBCOORD_NEEDS_INTAKE_MAX_BYTES=20_000)
def test_too_large(reference: None, secretariat: Any) -> None:
    client = Client()
    client.force_login(secretariat)
    response = _upload(client, b"PK\x03\x04" + b"x" * 200_000)
    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    assert not Need.objects.exists()


def test_uploading_the_same_rows_again_duplicates_nothing(
    reference: None, secretariat: Any
) -> None:
    rows = [intake_row(), intake_row(description="Second need.", priority="Low")]
    first = intake.intake_upload(user=secretariat, content=filled_workbook(secretariat, rows))
    assert len(first.created) == 2
    again = intake.intake_upload(user=secretariat, content=filled_workbook(secretariat, rows))
    assert not again.refused and not again.created and len(again.unchanged) == 2
    assert Need.objects.count() == 2
    # A key updates its need; a matching row without a key updates too.
    key = first.created[1].key
    changed = [
        intake_row(key=key, description="Second need, reworded.", priority="Low"),
        intake_row(priority="Medium"),
    ]
    third = intake.intake_upload(user=secretariat, content=filled_workbook(secretariat, changed))
    assert not third.refused and len(third.updated) == 2 and not third.created
    assert Need.objects.get(key=key).description == "Second need, reworded."
    assert Need.objects.get(key=first.created[0].key).priority == "medium"
    assert Need.objects.count() == 2


def test_a_member_editor_may_not_update_another_members_need(
    reference: None, member_editor: Any
) -> None:
    jamaican = NeedFactory(member="JM", visibility="public")
    content = filled_workbook(member_editor, [intake_row(key=jamaican.key, member="JM · Jamaica")])
    result = intake.intake_upload(user=member_editor, content=content)
    assert result.refused
    assert {(p.row, p.column) for p in result.problems} == {(2, "Key")}
    assert "only your own administration" in result.problems[0].message


def test_a_workbook_that_unpacks_to_too_much(
    reference: None, secretariat: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake, "MAX_UNPACKED_BYTES", 10_000)
    content = filled_workbook(secretariat, [intake_row()])
    result = intake.intake_upload(user=secretariat, content=content)
    assert result.refused and "unpacks to more than" in result.problems[0].message
    assert not Need.objects.exists()
