"""The meeting brief: PDF (sections, contents with page numbers, charts, the data, the
language) and XLSX (sheets and rows), from the page, the API and the command."""

from __future__ import annotations

import datetime
import io
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from cbcoord.accounts.actors import SYSTEM
from cbcoord.accounts.models import User
from cbcoord.meetings import services
from cbcoord.meetings.models import ActionStatus, Meeting
from cbcoord.registry.models import Member, Organisation
from tests.factories import ImportedActivityFactory
from tests.meetings.helpers import action, americas_series, close, meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(reference: None) -> Meeting:
    series = americas_series()
    first = meeting(series, 2019)
    services.agenda_item_create(user=SYSTEM, meeting=first, data={"title": "Opening"})
    carried = action(first, "idb", "Share the customs pipeline", datetime.date(2019, 6, 30))
    services.action_item_progress(
        user=SYSTEM,
        item=carried,
        text="Half of it shared",
        noted_on=datetime.date(2019, 5, 2),
        status=ActionStatus.IN_PROGRESS,
    )
    services.action_item_progress(
        user=SYSTEM, item=action(first, "wco", "Finished work"), status=ActionStatus.DONE
    )
    close(first)
    second = meeting(series, 2020)
    services.agenda_item_create(
        user=SYSTEM, meeting=second, data={"title": "Review of the Strategic Plan"}
    )
    services.participant_add(
        user=SYSTEM,
        meeting=second,
        organisation=Organisation.objects.get(key="customs-do"),
        roles=["vice_chair"],
    )
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-BRIEF-1",
        reporting_org=Organisation.objects.get(key="idb"),
        countries=[{"code": "DO", "percentage": 100}],
    )
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-BRIEF-2",
        reporting_org=Organisation.objects.get(key="idb"),
        countries=[{"code": "JM", "percentage": 100}],
    )
    consultation = services.consultation_create(
        user=SYSTEM,
        data={"key": "sp", "title": "Strategic Plan input", "visibility": "published"},
        options=[{"label": "E-commerce"}, {"label": "Data analytics"}],
        meetings=[second],
    )
    options = list(consultation.options.order_by("position"))
    services.consultation_rank(
        user=SYSTEM,
        consultation=consultation,
        member=Member.objects.get(iso_code="DO"),
        ranking={options[1].pk: 1, options[0].pk: 2},
    )
    return second


def _text(pdf: bytes, tmp_path: Path, *, layout: bool = True) -> str:
    path = tmp_path / "brief.pdf"
    path.write_bytes(pdf)
    options = ["-layout"] if layout else []
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _flat(pdf: bytes, tmp_path: Path) -> str:
    """The text in reading order, cell by cell, whitespace collapsed (cells wrap lines)."""
    return " ".join(_text(pdf, tmp_path, layout=False).split())


def test_pdf_has_the_sections_contents_figures_and_data(
    upcoming: Meeting,
    secretariat: User,
    client_for,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    response = client_for(secretariat).get(f"/meetings/{upcoming.pk}/brief.pdf?language=en")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
    pages = len(reader.pages)
    text = _text(response.content, tmp_path)
    for title in (
        "Contents",
        "Participants",
        "Agenda",
        "Open action items carried over",
        "Partners' data",
        "Activities in the region",
        "Consultation results",
    ):
        assert title in text, title
    # The contents give each section's page; the page says it is that page.
    contents = dict(re.findall(r"^\s*(Agenda|Consultation results)\s*\.+\s*(\d+)\s*$", text, re.M))
    page_texts = [page.extract_text() for page in reader.pages]
    assert "Agenda" in page_texts[int(contents["Agenda"]) - 1]
    assert "Borda" in page_texts[int(contents["Consultation results"]) - 1]
    # A planned meeting without decisions has no decisions section yet.
    assert "Decisions and action items" not in text
    assert re.search(rf"\b1\s*/\s*{pages}\b", text) and re.search(
        rf"\b{pages}\s*/\s*{pages}\b", text
    )
    # Running header: the meeting's title on the pages after the cover.
    assert page_texts[2].count("2020 coordination meeting") >= 1
    # The data: the carried item with its progress, the vice-chair, the activities.
    flat = _flat(response.content, tmp_path)
    carried = flat.split("Open action items carried over")[-1].split("Partners' data")[0]
    # A cell that wraps reads line by line, between the lines of its neighbours' cells.
    assert re.search(r"Share the customs pipeline", carried)
    assert re.search(r"Half of it\b.*\bshared\b", carried), carried
    assert "2019 coordination meeting" in carried and "Finished work" not in carried
    assert "Review of the Strategic Plan" in flat
    assert "Dominican Republic 1 1 IDB (1)" in flat
    # Figures: the charts' axis titles are drawn in the PDF (vector, from the SVG).
    assert "Borda points" in text and "Activities by partner" in text
    assert len(re.findall(r"Data analytics", text)) >= 2  # table and chart label


def test_pdf_in_spanish(upcoming: Meeting, secretariat: User, client_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    response = client_for(secretariat).get(f"/meetings/{upcoming.pk}/brief.pdf?language=es")
    text = _text(response.content, tmp_path)
    assert "14 de marzo de 2020" in text
    assert response["Content-Disposition"].endswith('-es.pdf"')


def test_xlsx_sheets_and_rows(upcoming: Meeting, secretariat: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(secretariat).get(f"/meetings/{upcoming.pk}/brief.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Brief",
        "Meeting",
        "Participants",
        "Agenda",
        "Open action items carried over",
        "Partners' data",
        "Activities in the region",
        "Coverage matrix",
        "Top gaps",
        "Open overlaps",
        "Regional synergies",
        "Strategy indicators",
        "Funding overview",
        "Consultation results",
    ]
    participants = [
        row for row in workbook["Participants"].iter_rows(values_only=True) if row and row[0]
    ]
    header = participants.index(("Organisation", "Person", "Position", "Roles", "Note"))
    assert [row[0] for row in participants[header + 1 :]] == [
        "World Customs Organization (Secretariat)",
        "Inter-American Development Bank",
        "International Monetary Fund",
        Organisation.objects.get(key="customs-do").name,
    ]
    carried = list(workbook["Open action items carried over"].iter_rows(values_only=True))
    row = next(r for r in carried if r and r[1] == "Share the customs pipeline")
    assert row[0] == "2019 coordination meeting"
    assert row[3].date() == datetime.date(2019, 6, 30)  # a typed date cell
    assert "Half of it shared" in row[5]
    results = list(workbook["Consultation results"].iter_rows(values_only=True))
    assert ("1", "Data analytics", 2) in [
        (str(r[0]), r[1], r[2]) for r in results if r and len(r) > 2
    ]


def test_api_and_command(upcoming: Meeting, tmp_path: Path, client_for, viewer: User) -> None:  # type: ignore[no-untyped-def]
    response = client_for(viewer).get(f"/api/meetings/{upcoming.pk}/brief?format=xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    target = tmp_path / "brief.pdf"
    call_command(
        "brief", str(upcoming.pk), "--format", "pdf", "-o", str(target), "--language", "fr"
    )
    assert target.read_bytes()[:5] == b"%PDF-"
    assert "14 mars 2020" in _text(target.read_bytes(), tmp_path)


def test_an_internal_meeting_brief_is_not_for_everyone(upcoming: Meeting, client_for) -> None:  # type: ignore[no-untyped-def]
    services.meeting_update(user=SYSTEM, meeting=upcoming, data={"visibility": "internal"})
    assert client_for(None).get(f"/meetings/{upcoming.pk}/brief.pdf").status_code == 404
