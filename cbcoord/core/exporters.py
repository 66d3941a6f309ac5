"""One exporter pattern for every tabular download (after pretix's exporters).

An exporter is a class with an ``identifier``, a ``title``, the ``filters`` it accepts (a
``FilterSet``), its ``columns`` (typed) and a ``rows`` method that reads through the app's
selectors, so the user's rights hold in every file. Each app declares its exporters in its
``exporters.py`` (found when the apps are ready) with ``@register``. Every exporter gets, for
free: a download view (``/exports/<identifier>.<format>?filters``), an API route
(``/api/exports/<identifier>?format=…``) and a command (``cbcoord export NAME [--filters]
-o FILE``). CSV and XLSX are rendered here; an exporter with a format of its own (IATI XML)
overrides ``stream``.

Files say what they hold: the title, when and by whom they were made, and the filters that
were applied, above the header row (CSV: rows starting with ``#``; XLSX: the first rows of the
sheet). Dates, amounts and numbers are typed cells in Excel, not text. Text from publishers and
users is never taken for a formula: XLSX stores it as a text cell, unchanged; CSV, which a
spreadsheet reads by guessing, puts an apostrophe before text that begins with ``=``, ``+``,
``-``, ``@`` or a tab (OWASP's advice against "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO, ClassVar, Literal
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from cbcoord.core.filters import FilterSet

Kind = Literal["text", "int", "decimal", "money", "date", "datetime", "bool", "percent"]

#: Excel number formats of the typed columns.
NUMBER_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "decimal": "#,##0.###",
    "money": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "percent": "0.0##",
}

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xml": "application/xml",
}

#: Excel refuses text cells longer than this.
XLSX_CELL_LIMIT = 32_767


class ExportError(Exception):
    """An export that cannot be made as asked (an unknown format, bad filters); the message
    says why, ``field`` names the query parameter at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Column:
    key: str
    title: str | Promise
    kind: Kind = "text"
    width: int | None = None


class Exporter:
    """Base of every exporter. Subclasses set the class attributes and write ``rows``."""

    identifier: ClassVar[str]
    title: ClassVar[str | Promise]
    description: ClassVar[str | Promise] = ""
    filters: ClassVar[type[FilterSet]] = FilterSet
    columns: ClassVar[Sequence[Column]] = ()
    formats: ClassVar[tuple[str, ...]] = ("csv", "xlsx")

    def allowed(self, user: Any) -> None:
        """Raise PermissionDenied if ``user`` may not use this exporter at all. Rows are read
        through the selectors' doors in any case; this is for exports that only some roles
        may make."""

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        """The rows, each a sequence of values in ``columns`` order (dates as dates, amounts as
        Decimals or numbers, None for nothing)."""
        raise NotImplementedError

    def filename(self, fmt: str) -> str:
        return f"cbcoord-{self.identifier}-{timezone.now():%Y%m%d-%H%M%S}.{fmt}"

    def stream(self, fmt: str, *, user: Any, filters: Any) -> Iterator[bytes]:
        """The file as it is written. CSV streams; XLSX is built whole, then sent."""
        if fmt == "csv":
            return (line.encode("utf-8") for line in iter_csv(self, user=user, filters=filters))
        if fmt == "xlsx":
            buffer = io.BytesIO()
            write_xlsx(self, buffer, user=user, filters=filters)
            return iter([buffer.getvalue()])
        raise ExportError(_("%(format)s is not a format of this export.") % {"format": fmt})


_REGISTRY: dict[str, type[Exporter]] = {}


def register(cls: type[Exporter]) -> type[Exporter]:
    """Class decorator: make ``cls`` available under its ``identifier``."""
    if cls.identifier in _REGISTRY and _REGISTRY[cls.identifier] is not cls:
        raise ValueError(f"two exporters are called {cls.identifier!r}")
    _REGISTRY[cls.identifier] = cls
    return cls


def exporters() -> list[type[Exporter]]:
    """Every registered exporter, by identifier."""
    return [_REGISTRY[key] for key in sorted(_REGISTRY)]


def exporter_for(identifier: str) -> Exporter:
    """A new exporter of that identifier, or Http404."""
    cls = _REGISTRY.get(identifier)
    if cls is None:
        raise Http404(_("There is no export called %(name)s.") % {"name": identifier})
    return cls()


def prepare(identifier: str, fmt: str, *, user: Any, params: Any) -> tuple[Exporter, FilterSet]:
    """The exporter and its filters read from ``params`` (a query string), checked: an
    unknown export is a 404, a refused one a PermissionDenied, an unknown format or filter
    values that cannot be read an ExportError naming them."""
    exporter = exporter_for(identifier)
    if fmt not in exporter.formats:
        raise ExportError(
            _("%(format)s is not a format of this export (%(formats)s).")
            % {"format": fmt, "formats": ", ".join(exporter.formats)},
            field="format",
        )
    exporter.allowed(user)
    filters, _raw, problems = exporter.filters.from_query(params)
    problems += filters.problems(user)
    if problems:
        raise ExportError("; ".join(str(problem) for problem in problems), field=problems[0].name)
    return exporter, filters


def download_links(
    identifier: str,
    filters: FilterSet | Mapping[str, str],
    formats: Sequence[str] = ("csv", "xlsx"),
) -> dict[str, str]:
    """The download URLs of an export in each of ``formats``, with ``filters`` (and their
    passthrough fields, the list's order): a list page's "Download CSV / XLSX". A page on a
    lower floor than the export's filter set gives the query as a mapping."""
    query = urlencode(filters.query() if isinstance(filters, FilterSet) else dict(filters))
    return {
        fmt: reverse("export", args=[identifier, fmt]) + (f"?{query}" if query else "")
        for fmt in formats
    }


def response(exporter: Exporter, fmt: str, *, user: Any, filters: Any) -> StreamingHttpResponse:
    """The export as a download that starts at once and is written as it is sent (a large
    export takes longer to write than a proxy or a browser waits for a first byte). The
    exporter's ``stream`` runs its checks before the first byte: a refusal is an exception
    here, not a broken file."""
    streamed = exporter.stream(fmt, user=user, filters=filters)
    answer = StreamingHttpResponse(
        streamed, content_type=CONTENT_TYPES.get(fmt, "application/octet-stream")
    )
    answer["Content-Disposition"] = f'attachment; filename="{exporter.filename(fmt)}"'
    return answer


# --------------------------------------------------------------------------- the file's head


def head_rows(exporter: Exporter, *, user: Any, filters: FilterSet) -> list[tuple[str, str]]:
    """What the file holds, above the header: title, when, by whom, filters."""
    who = getattr(user, "username", "") if getattr(user, "is_authenticated", False) else ""
    rows = [
        (_("Export"), str(exporter.title)),
        (_("Made"), timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")),
        (_("By"), who or _("the public")),
    ]
    described = filters.described()
    if described:
        rows += [(_("Filter: %(name)s") % {"name": label}, value) for label, value in described]
    else:
        rows.append((_("Filters"), _("none")))
    return rows


# --------------------------------------------------------------------------- CSV


class _Line:
    """A file-like object that hands back what csv.writer wrote."""

    def __init__(self) -> None:
        self.value = ""

    def write(self, text: str) -> int:
        self.value = text
        return len(text)


#: What a spreadsheet may take for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        value = "; ".join(str(item) for item in value)
    if isinstance(value, str | Promise):
        return _csv_text(str(value))
    return value


def _csv_text(text: str) -> str:
    """Text a spreadsheet opening the CSV file shows as text, not as a formula it runs."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def iter_csv(exporter: Exporter, *, user: Any, filters: Any) -> Iterator[str]:
    """The CSV file, line by line: the head as ``#`` rows, a blank line, the header, the rows
    (RFC 4180 quoting, UTF-8; a reader skips the head with ``comment='#'``)."""
    line = _Line()
    writer = csv.writer(line, lineterminator="\r\n")
    yield "\ufeff"  # a byte-order mark, so that Excel reads the file as UTF-8
    for label, value in head_rows(exporter, user=user, filters=filters):
        writer.writerow([f"# {label}", _csv_text(value)])
        yield line.value
    yield "\r\n"
    writer.writerow([_csv_text(str(column.title)) for column in exporter.columns])
    yield line.value
    for row in exporter.rows(user=user, filters=filters):
        writer.writerow([_csv_value(value) for value in row])
        yield line.value


# --------------------------------------------------------------------------- XLSX


def _xlsx_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        # Excel has no time zones: the reader's local time, written without one.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal):
        return float(value) if kind in ("money", "decimal", "percent") else value
    if isinstance(value, list | tuple):
        value = "; ".join(str(item) for item in value)
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        return value[:XLSX_CELL_LIMIT]
    return value


def _cell(sheet: Worksheet, value: Any, *, bold: Font | None = None) -> WriteOnlyCell:
    """A cell of ``value``; text stays text (openpyxl would take ``=…`` for a formula, and a
    spreadsheet would run it): a text cell, marked as such (Excel's quote prefix)."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    if bold is not None:
        cell.font = bold
    return cell


def write_xlsx(exporter: Exporter, out: BinaryIO, *, user: Any, filters: Any) -> int:
    """Write the workbook to ``out``; returns the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet: Worksheet = workbook.create_sheet(title=_sheet_title(str(exporter.title)))
    bold = Font(bold=True)
    widths = [
        column.width or max(10, min(60, len(str(column.title)) + 4)) for column in exporter.columns
    ]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[_column_letter(index)].width = width
    head = head_rows(exporter, user=user, filters=filters)
    for label, value in head:
        sheet.append(
            [
                _cell(sheet, _xlsx_value(str(label), "text"), bold=bold),
                _cell(sheet, value[:XLSX_CELL_LIMIT]),
            ]
        )
    sheet.append([])
    header_row = len(head) + 2
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.append(
        [_cell(sheet, _xlsx_value(column.title, "text"), bold=bold) for column in exporter.columns]
    )
    count = 0
    kinds = [column.kind for column in exporter.columns]
    for row in exporter.rows(user=user, filters=filters):
        cells = []
        for value, kind in zip(row, kinds, strict=True):
            cell = _cell(sheet, _xlsx_value(value, kind))
            number_format = NUMBER_FORMATS.get(kind)
            if number_format and cell.value is not None:
                cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
        count += 1
    last = _column_letter(max(1, len(exporter.columns)))
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + count}"
    workbook.save(out)
    return count


def _sheet_title(title: str) -> str:
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title[:31] or "Export"


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index))


# --------------------------------------------------------------------------- files


def write_file(exporter: Exporter, fmt: str, out: BinaryIO, *, user: Any, filters: Any) -> None:
    """Write the export in ``fmt`` to ``out`` (the command line)."""
    for chunk in exporter.stream(fmt, user=user, filters=filters):
        out.write(chunk)


def format_of(path: str, given: str | None, allowed: Sequence[str]) -> str:
    """The format asked for, or the one the file name's extension says."""
    fmt = (given or path.rsplit(".", 1)[-1] if "." in path else given or "").lower()
    if fmt not in allowed:
        raise ExportError(
            _("Say which format to write (%(formats)s), with --format or the file's extension.")
            % {"formats": ", ".join(allowed)}
        )
    return fmt


def check_allowed(check: Callable[[Any], bool], user: Any, message: str) -> None:
    """For ``Exporter.allowed``: raise PermissionDenied with ``message`` unless ``check``."""
    if not check(user):
        raise PermissionDenied(message)


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append ``values`` to a (not write-only) sheet, keeping text as text: a value that
    starts like a formula is a text cell marked as such, never a formula a spreadsheet runs;
    long text is cut to what a cell holds."""
    values = [str(value) if isinstance(value, Promise) else value for value in values]
    sheet.append([value[:XLSX_CELL_LIMIT] if isinstance(value, str) else value for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_STARTS):
                cell.quotePrefix = True
