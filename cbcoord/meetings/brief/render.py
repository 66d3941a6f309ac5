"""Render a meeting's brief as PDF (WeasyPrint) or XLSX (openpyxl), in a language."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from openpyxl import Workbook

from cbcoord.accounts.actors import Actor
from cbcoord.core.exporters import append_row
from cbcoord.meetings.brief.base import SectionContent
from cbcoord.meetings.brief.sections import SECTIONS
from cbcoord.meetings.models import Meeting

FORMATS = ("pdf", "xlsx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class Brief:
    meeting: Meeting
    language: str
    generated_at: object
    generated_by: str
    contents: list[SectionContent]

    @property
    def listed(self) -> list[SectionContent]:
        return [content for content in self.contents if content.in_contents]


def language_of(language: str | None) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    language = (language or settings.LANGUAGE_CODE).split("-")[0].lower()
    return language if language in codes else settings.LANGUAGE_CODE


def build(*, meeting: Meeting, user: Actor | None, language: str) -> Brief:
    """Read every section's data as ``user`` (``meeting`` from ``selectors.meeting_get``), in
    the active language."""
    contents = []
    for section_class in SECTIONS:
        content = section_class().data(meeting, user)
        if content is not None:
            contents.append(content)
    who = getattr(user, "username", "") if getattr(user, "is_authenticated", False) else ""
    return Brief(
        meeting=meeting,
        language=language,
        generated_at=timezone.localtime(),
        generated_by=who,
        contents=contents,
    )


def brief_pdf(*, meeting: Meeting, user: Actor | None, language: str | None = None) -> bytes:
    """The brief as an A4 PDF in ``language``."""
    from weasyprint import HTML

    language = language_of(language)
    with translation.override(language):
        brief = build(meeting=meeting, user=user, language=language)
        html = render_to_string("meetings/brief/brief.html", {"brief": brief, "meeting": meeting})
    document = HTML(string=html, base_url=str(settings.PACKAGE_DIR))
    return bytes(document.write_pdf())


def brief_xlsx(*, meeting: Meeting, user: Actor | None, language: str | None = None) -> bytes:
    """The brief as a workbook: a cover sheet listing the sections, then a sheet per
    section."""
    language = language_of(language)
    with translation.override(language):
        brief = build(meeting=meeting, user=user, language=language)
        workbook = Workbook()
        cover = workbook.active
        assert cover is not None
        cover.title = translation.gettext("Brief")[:31]
        append_row(cover, [meeting.title])
        generated = brief.generated_at.replace(tzinfo=None)  # type: ignore[attr-defined]
        append_row(cover, [translation.gettext("Generated"), generated])
        cover.cell(row=2, column=2).number_format = "yyyy-mm-dd hh:mm"
        append_row(cover, [])
        append_row(cover, [translation.gettext("Sections")])
        for content in brief.contents:
            content.section.write_sheet(workbook, content)
            append_row(cover, [content.section.sheet_title()])
        cover.column_dimensions["A"].width = 40
        cover.column_dimensions["B"].width = 20
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


def filename(meeting: Meeting, fmt: str, language: str) -> str:
    return f"brief-{slugify(meeting.title)[:60] or meeting.pk}-{language}.{fmt}"


def render(*, meeting: Meeting, user: Actor | None, fmt: str, language: str | None = None) -> bytes:
    if fmt == "pdf":
        return brief_pdf(meeting=meeting, user=user, language=language)
    if fmt == "xlsx":
        return brief_xlsx(meeting=meeting, user=user, language=language)
    raise ValueError(f"{fmt} is not a format of the brief ({', '.join(FORMATS)}).")
