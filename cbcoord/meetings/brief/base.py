"""The parts of a brief: sections, their content, typed tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.utils.functional import Promise
from openpyxl.styles import Alignment, Font
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from cbcoord.accounts.actors import Actor
from cbcoord.core.exporters import NUMBER_FORMATS, Kind, append_row
from cbcoord.meetings.charts import Figure
from cbcoord.meetings.models import Meeting


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = "text"
    width: int = 18


@dataclass(frozen=True)
class Table:
    """Typed rows: each value a str, int, Decimal, float, date, datetime, bool or None, in
    ``columns`` order. ``kind="percent"`` values are fractions (0.25 is 25 %)."""

    columns: list[Column]
    rows: list[tuple[Any, ...]]
    title: str = ""
    empty: str = ""

    @property
    def shares(self) -> list[float]:
        """Each column's share of the PDF table's width, in per cent, from the widths the
        workbook gives them: the PDF lays tables out with fixed widths, which halves its time
        against automatic widths (measured in ``make bench``)."""
        widths = [max(column.width, 18) for column in self.columns]  # a word fits, or a date
        total = sum(widths)
        return [round(100 * width / total, 2) for width in widths]


@dataclass
class SectionContent:
    """What a section shows: facts (label, value), tables, figures and free paragraphs."""

    section: Section
    facts: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.section.id

    @property
    def title(self) -> str:
        return str(self.section.title)

    @property
    def template(self) -> str:
        return self.section.template

    @property
    def in_contents(self) -> bool:
        return self.section.in_contents


class Section:
    """One part of the brief (see the package docstring)."""

    id: ClassVar[str]
    title: ClassVar[str | Promise]
    template: ClassVar[str] = "meetings/brief/section.html"
    in_contents: ClassVar[bool] = True

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        raise NotImplementedError

    def sheet_title(self) -> str:
        title = str(self.title)
        for character in "[]:*?/\\":
            title = title.replace(character, " ")
        return title[:31]

    def write_sheet(self, workbook: Workbook, content: SectionContent) -> None:
        """One sheet: the section's title, its facts, then each table with a bold header."""
        sheet = workbook.create_sheet(self.sheet_title())
        bold = Font(bold=True)
        append_row(sheet, [content.title])
        sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
        for label, value in content.facts:
            append_row(sheet, [str(label), cell_value(value)])
            sheet.cell(row=sheet.max_row, column=1).font = bold
        for paragraph in content.paragraphs:
            append_row(sheet, [paragraph])
        widths: dict[int, int] = {}
        for table in content.tables:
            _write_table(sheet, table, widths)
        from openpyxl.utils import get_column_letter

        for index, width in widths.items():
            sheet.column_dimensions[get_column_letter(index)].width = width


def _write_table(sheet: Worksheet, table: Table, widths: dict[int, int]) -> None:
    """A table after a blank row: its title, a bold header, then its rows; ``widths`` (by
    column number) grows to the widest column seen."""
    bold = Font(bold=True)
    append_row(sheet, [])
    if table.title:
        append_row(sheet, [table.title])
        sheet.cell(row=sheet.max_row, column=1).font = bold
    append_row(sheet, [column.title for column in table.columns])
    header_row = sheet.max_row
    for index, column in enumerate(table.columns, start=1):
        sheet.cell(row=header_row, column=index).font = bold
        widths[index] = max(widths.get(index, 0), column.width)
    for row in table.rows:
        append_row(sheet, [cell_value(value) for value in row])
        _format_row(sheet, sheet.max_row, table.columns)


def _format_row(sheet: Worksheet, row: int, columns: Sequence[Column]) -> None:
    """Each cell of a table's row as its column's kind asks: a number format, or wrapped text."""
    for index, column in enumerate(columns, start=1):
        number_format = NUMBER_FORMATS.get(column.kind)
        cell = sheet.cell(row=row, column=index)
        if column.kind == "percent":
            cell.number_format = "0.0%"
        elif number_format and cell.value is not None:
            cell.number_format = number_format
        elif column.kind == "text":
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        value = "; ".join(str(item) for item in value)
    if isinstance(value, str | Promise):
        return str(value)
    return value
