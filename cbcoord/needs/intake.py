"""Bulk intake of needs from a spreadsheet: the XLSX template and the upload.

The template has a "needs" sheet to fill in (drop-down lists of members, provisions,
priorities, sources, currencies and visibility levels, read from a hidden "lists" sheet) and
an instructions sheet in the reader's language. An upload is read whole and every row checked
(row number, column, why) before anything is written: either every row is stored, in one
transaction, or the file is refused with the list of problems. A row that carries a need's
key updates that need; a row without one updates the need of the same member, provision and
description if there is one: uploading the same rows again duplicates nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import is_secretariat, organisation_id_of
from cbcoord.core.errors import ServiceError
from cbcoord.core.i18n import SUPPORTED
from cbcoord.frameworks.models import Provision
from cbcoord.iati import codelists
from cbcoord.needs import selectors, services
from cbcoord.needs.models import Need, NeedPriority, NeedSource
from cbcoord.registry.models import Member
from cbcoord.registry.selectors import by_country_name
from cbcoord.registry.visibility import Visibility

DATA_SHEET = "needs"
LISTS_SHEET = "lists"
MARKER = "cbcoord needs template 1"
SEPARATOR = " · "
TEMPLATE_ROWS = 500  # rows that get the drop-down lists and date formats
MAX_ROWS = 2000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Column:
    key: str
    title: str | Promise
    help: str | Promise
    required: bool = False
    width: int = 18


COLUMNS: tuple[Column, ...] = (
    Column(
        "key",
        gettext_lazy("Key"),
        gettext_lazy("Leave empty for a new need; the key (NEED-DO-0001) updates that need."),
        width=16,
    ),
    Column(
        "member",
        gettext_lazy("Member"),
        gettext_lazy("Choose from the list."),
        required=True,
        width=30,
    ),
    Column(
        "provision",
        gettext_lazy("Provision"),
        gettext_lazy("The main provision: choose from the list."),
        required=True,
        width=40,
    ),
    Column(
        "other_provisions",
        gettext_lazy("Other provisions"),
        gettext_lazy("More provision codes, separated by commas (TFA-7.1, RKC-GA-3.1)."),
        width=22,
    ),
    Column(
        "description",
        gettext_lazy("Description"),
        gettext_lazy("What is needed, in a few sentences."),
        required=True,
        width=60,
    ),
    Column(
        "priority",
        gettext_lazy("Priority"),
        gettext_lazy("Choose from the list."),
        required=True,
        width=12,
    ),
    Column(
        "source",
        gettext_lazy("Source"),
        gettext_lazy("Choose from the list."),
        required=True,
        width=30,
    ),
    Column(
        "source_reference",
        gettext_lazy("Source reference"),
        gettext_lazy("The report, notification or meeting the need comes from."),
        width=30,
    ),
    Column(
        "identified_on",
        gettext_lazy("Date identified"),
        gettext_lazy("A date (YYYY-MM-DD)."),
        required=True,
        width=14,
    ),
    Column(
        "estimated_cost",
        gettext_lazy("Estimated cost"),
        gettext_lazy("A number, without the currency."),
        width=14,
    ),
    Column(
        "currency",
        gettext_lazy("Currency"),
        gettext_lazy("ISO 4217 code (USD); needed with a cost."),
        width=10,
    ),
    Column(
        "estimated_duration_months",
        gettext_lazy("Estimated duration (months)"),
        gettext_lazy("Whole months."),
        width=12,
    ),
    Column(
        "evidence_links",
        gettext_lazy("Evidence links"),
        gettext_lazy("http(s) addresses, separated by spaces or new lines."),
        width=40,
    ),
    Column(
        "window_start",
        gettext_lazy("Support wanted from"),
        gettext_lazy("A date (YYYY-MM-DD), optional."),
        width=14,
    ),
    Column(
        "window_end",
        gettext_lazy("Support wanted until"),
        gettext_lazy("A date (YYYY-MM-DD), optional."),
        width=14,
    ),
    Column(
        "visibility",
        gettext_lazy("Visibility"),
        gettext_lazy("Choose from the list; empty: coordination group."),
        width=20,
    ),
)
COLUMN_INDEX = {column.key: index for index, column in enumerate(COLUMNS)}
DATE_COLUMNS = ("identified_on", "window_start", "window_end")


def _header(column: Column) -> str:
    return f"{column.title} *" if column.required else str(column.title)


# --------------------------------------------------------------------------- the template


def intake_members(user: Actor | None) -> list[Member]:
    """The members ``user`` may record needs for (the template's list)."""
    members = Member.objects.select_related("region").order_by("name")
    if not is_secretariat(user):
        members = members.filter(organisation_id=organisation_id_of(user) or 0)
    return by_country_name(members)


def member_label(member: Member) -> str:
    return f"{services.key_prefix(member)[5:-1]}{SEPARATOR}{member.country_name}"


def write_template(user: Actor | None, out: io.BufferedIOBase | io.BytesIO) -> None:
    """The template, in the active language, for ``user``'s members."""
    workbook = Workbook()
    bold = Font(bold=True)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    sheet.append([_header(column) for column in COLUMNS])
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    for key in DATE_COLUMNS:
        letter = get_column_letter(COLUMN_INDEX[key] + 1)
        for row in range(2, TEMPLATE_ROWS + 2):
            sheet[f"{letter}{row}"].number_format = "yyyy-mm-dd"

    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    values: dict[str, list[str]] = {
        "member": [member_label(member) for member in intake_members(user)],
        "provision": [
            f"{code}{SEPARATOR}{title}"[:250]
            for code, title in (
                (provision.code, provision.title)
                for provision in Provision.objects.select_related("instrument").order_by(
                    "instrument__sort_order", "sort_order", "code"
                )
            )
        ],
        "priority": [str(label) for _value, label in NeedPriority.choices],
        "source": [str(label) for _value, label in NeedSource.choices],
        "currency": sorted(codelists.codes("Currency")),
        "visibility": [str(label) for _value, label in Visibility.choices],
    }
    lists.cell(row=1, column=1, value=MARKER)
    for index, (key, items) in enumerate(values.items(), start=2):
        lists.cell(row=1, column=index, value=key)
        for row, item in enumerate(items, start=2):
            lists.cell(row=row, column=index, value=item)
        if not items:
            continue
        letter = get_column_letter(index)
        validation = DataValidation(
            type="list",
            formula1=f"{LISTS_SHEET}!${letter}$2:${letter}${len(items) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Not in the list"),
            error=_("Choose a value from the list."),
        )
        sheet.add_data_validation(validation)
        target = get_column_letter(COLUMN_INDEX[key] + 1)
        validation.add(f"{target}2:{target}{TEMPLATE_ROWS + 1}")

    instructions = workbook.create_sheet(_("Instructions")[:31], 0)
    instructions.column_dimensions["A"].width = 32
    instructions.column_dimensions["B"].width = 90
    lines: list[tuple[str, str]] = [
        (_("Needs of member customs administrations"), ""),
        ("", ""),
        (
            _("How to fill in"),
            _(
                "Write one need a row on the sheet “%(sheet)s”, below the header. Columns "
                "marked * are required. Choose members, provisions, priorities, sources, "
                "currencies and visibility levels from the drop-down lists."
            )
            % {"sheet": DATA_SHEET},
        ),
        (
            _("Upload"),
            _(
                "Upload the workbook on the needs intake page. Every row is checked first: "
                "either all rows are stored, or none is and the page lists each problem "
                "with its row and column. At most %(rows)d rows and %(size)s a file."
            )
            % {"rows": MAX_ROWS, "size": _megabytes(settings.CBCOORD_NEEDS_INTAKE_MAX_BYTES)},
        ),
        (
            _("Uploading again"),
            _(
                "A row with a key updates that need. A row without a key updates the need of "
                "the same member, main provision and description, if there is one: uploading "
                "the same rows again does not duplicate them."
            ),
        ),
        (
            _("Confirmation"),
            _(
                "Needs recorded by the WCO secretariat or for a partner stay unconfirmed until "
                "the member's administration confirms or disputes them."
            ),
        ),
        ("", ""),
        (_("Column"), _("What to write")),
    ]
    lines += [(_header(column), str(column.help)) for column in COLUMNS]
    for label, text in lines:
        instructions.append([label, text])
    for row in instructions.iter_rows(min_row=1, max_row=instructions.max_row):
        row[0].font = bold
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    instructions["A1"].font = Font(bold=True, size=14)
    workbook.active = 0
    workbook.save(out)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class IntakeProblem:
    row: int  # the spreadsheet's row number (the header is row 1); 0: the file itself
    column: str  # the column's title, "" for the whole row or file
    message: str

    def __str__(self) -> str:
        where = _("row %(row)d") % {"row": self.row} if self.row else _("file")
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


@dataclass
class IntakeResult:
    problems: list[IntakeProblem] = field(default_factory=list)
    created: list[Need] = field(default_factory=list)
    updated: list[Need] = field(default_factory=list)
    unchanged: list[Need] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.problems)


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    need: Need | None  # the need it updates
    member: Member | None


class _Choices:
    """Values of a choice column: codes and labels in every language, case-insensitive."""

    def __init__(self, choices: Any) -> None:
        self.map: dict[str, str] = {}
        for value, label in choices.choices:
            self.map[value.casefold()] = value
            for language in SUPPORTED:
                with translation.override(language):
                    self.map[str(label).casefold()] = value

    def get(self, text: str) -> str | None:
        return self.map.get(text.strip().casefold())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(_text(value)[:10])


def _headers_known() -> set[tuple[str, ...]]:
    known = set()
    for language in SUPPORTED:
        with translation.override(language):
            known.add(tuple(_normal(_header(column)) for column in COLUMNS))
    return known


def _normal(text: Any) -> str:
    return " ".join(_text(text).replace("*", "").split()).casefold()


def check_size(size: int | None) -> None:
    if size is not None and size > settings.CBCOORD_NEEDS_INTAKE_MAX_BYTES:
        raise ServiceError(
            _("The file is larger than %(size)s; split it into smaller workbooks.")
            % {"size": _megabytes(settings.CBCOORD_NEEDS_INTAKE_MAX_BYTES)},
            field="file",
        )


def _not_a_workbook() -> ServiceError:
    return ServiceError(
        _(
            "This is not an Excel workbook (.xlsx). Download the template, fill it in and "
            "upload it as .xlsx."
        ),
        field="file",
    )


def read_rows(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of the needs sheet's data rows; ServiceError if the file is not a
    workbook or not the template."""
    check_size(len(content))
    if not content.startswith(XLSX_MAGIC) or not zipfile.is_zipfile(io.BytesIO(content)):
        raise _not_a_workbook()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise _not_a_workbook() from error
    if unpacked > MAX_UNPACKED_BYTES:  # a small file that unpacks to gigabytes
        raise ServiceError(
            _("The workbook unpacks to more than %(size)s; split it into smaller workbooks.")
            % {"size": _megabytes(MAX_UNPACKED_BYTES)},
            field="file",
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise _not_a_workbook() from error
    try:
        if DATA_SHEET in workbook.sheetnames:
            sheet = workbook[DATA_SHEET]
        else:
            raise ServiceError(
                _("The workbook has no sheet “%(sheet)s”: use the template.")
                % {"sheet": DATA_SHEET},
                field="file",
            )
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or (
            tuple(_normal(cell) for cell in header[: len(COLUMNS)]) not in _headers_known()
        ):
            raise ServiceError(
                _("The first row of “%(sheet)s” is not the template's header: use the template.")
                % {"sheet": DATA_SHEET},
                field="file",
            )
        count = 0
        for number, cells in enumerate(rows, start=2):
            values = list(cells[: len(COLUMNS)]) + [None] * (len(COLUMNS) - len(cells))
            if all(_text(value) == "" for value in values):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ServiceError(
                    _("The workbook holds more than %(rows)d needs; split it.")
                    % {"rows": MAX_ROWS},
                    field="file",
                )
            yield number, values
    finally:
        workbook.close()


# --------------------------------------------------------------------------- checking


class _Reader:
    """Reads rows into need values, noting each problem."""

    def __init__(self, user: Actor | None) -> None:
        self.user = user
        self.problems: list[IntakeProblem] = []
        self.failed: dict[int, set[str]] = {}  # row → keys of the columns at fault
        members = list(Member.objects.select_related("region", "organisation"))
        self.members: dict[str, Member] = {}
        for member in members:
            code = services.key_prefix(member)[5:-1].casefold()
            self.members[code] = member
            self.members[member.name.casefold()] = member
            for language in SUPPORTED:
                with translation.override(language):
                    self.members[member.country_name.casefold()] = member
        self.provisions = {p.code.casefold(): p for p in Provision.objects.all()}
        self.priority = _Choices(NeedPriority)
        self.source = _Choices(NeedSource)
        self.visibility = _Choices(Visibility)
        self.currencies = codelists.codes("Currency")

    def problem(self, row: int, key: str, message: str) -> None:
        title = _header(COLUMNS[COLUMN_INDEX[key]]).rstrip(" *") if key else ""
        self.problems.append(IntakeProblem(row, title, message))
        self.failed.setdefault(row, set()).add(key)

    def cell(self, number: int, cells: list[Any], key: str, read: Callable[[Any], Any]) -> Any:
        value = cells[COLUMN_INDEX[key]]
        if _text(value) == "":
            if COLUMNS[COLUMN_INDEX[key]].required:
                self.problem(number, key, _("This column is required."))
            return None
        try:
            return read(value)
        except (ValueError, InvalidOperation, TypeError) as error:
            self.problem(number, key, str(error) if str(error) else _("This value cannot be read."))
            return None

    def _member(self, value: Any) -> Member:
        text = _text(value)
        code = text.split(SEPARATOR, 1)[0].strip().casefold()
        member = self.members.get(code) or self.members.get(text.casefold())
        if member is None:
            raise ValueError(_("%(value)s is not a member in the list.") % {"value": text[:80]})
        return member

    def _provision(self, value: Any) -> Provision:
        code = _text(value).split(SEPARATOR, 1)[0].strip()
        provision = self.provisions.get(code.casefold())
        if provision is None:
            raise ValueError(_("%(code)s is not a provision code.") % {"code": code[:40]})
        return provision

    def _provisions(self, value: Any) -> list[Provision]:
        found, unknown = [], []
        for code in _text(value).replace(";", ",").split(","):
            code = code.strip()
            if not code:
                continue
            provision = self.provisions.get(code.split(SEPARATOR, 1)[0].strip().casefold())
            if provision is None:
                unknown.append(code[:40])
            else:
                found.append(provision)
        if unknown:
            raise ValueError(
                _("Not provision codes: %(codes)s.") % {"codes": ", ".join(unknown[:5])}
            )
        return found

    @staticmethod
    def _choice(choices: _Choices) -> Callable[[Any], str]:
        def read(value: Any) -> str:
            found = choices.get(_text(value))
            if found is None:
                raise ValueError(_("%(value)s is not in the list.") % {"value": _text(value)[:60]})
            return found

        return read

    @staticmethod
    def _date(value: Any) -> dt.date:
        try:
            return _read_date(value)
        except ValueError as error:
            raise ValueError(_("Write a date as YYYY-MM-DD.")) from error

    @staticmethod
    def _decimal(value: Any) -> Decimal:
        if isinstance(value, int | float):
            return Decimal(str(value)).quantize(Decimal("0.01"))
        try:
            return Decimal(_text(value).replace(",", "").replace(" ", ""))
        except InvalidOperation as error:
            raise ValueError(_("Write the cost as a number, without the currency.")) from error

    @staticmethod
    def _int(value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        text = _text(value)
        if not text.isdigit():
            raise ValueError(_("Write a whole number of months."))
        return int(text)

    def _currency(self, value: Any) -> str:
        code = _text(value).upper()
        if code not in self.currencies:
            raise ValueError(_("%(code)s is not an ISO 4217 currency code.") % {"code": code[:10]})
        return code

    @staticmethod
    def _links(value: Any) -> list[str]:
        return _text(value).split()

    def read(self, number: int, cells: list[Any]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "key": _text(cells[COLUMN_INDEX["key"]]).upper(),
            "member": self.cell(number, cells, "member", self._member),
            "provision": self.cell(number, cells, "provision", self._provision),
            "other_provisions": self.cell(number, cells, "other_provisions", self._provisions)
            or [],
            "description": self.cell(number, cells, "description", _text),
            "priority": self.cell(number, cells, "priority", self._choice(self.priority)),
            "source": self.cell(number, cells, "source", self._choice(self.source)),
            "source_reference": self.cell(number, cells, "source_reference", _text) or "",
            "identified_on": self.cell(number, cells, "identified_on", self._date),
            "estimated_cost": self.cell(number, cells, "estimated_cost", self._decimal),
            "currency": self.cell(number, cells, "currency", self._currency) or "",
            "estimated_duration_months": self.cell(
                number, cells, "estimated_duration_months", self._int
            ),
            "evidence_links": self.cell(number, cells, "evidence_links", self._links) or [],
            "window_start": self.cell(number, cells, "window_start", self._date),
            "window_end": self.cell(number, cells, "window_end", self._date),
            "visibility": self.cell(number, cells, "visibility", self._choice(self.visibility)),
        }
        return values


def _need_values(values: dict[str, Any]) -> dict[str, Any]:
    """A row's values as the need services take them."""
    provisions = [values["provision"]] if values["provision"] else []
    for provision in values["other_provisions"]:
        if provision not in provisions:
            provisions.append(provision)
    data = {
        "provisions": provisions,
        "description": (values["description"] or "").strip(),
        "priority": values["priority"],
        "source": values["source"],
        "source_reference": values["source_reference"],
        "identified_on": values["identified_on"],
        "estimated_cost": values["estimated_cost"],
        "currency": values["currency"],
        "estimated_duration_months": values["estimated_duration_months"],
        "evidence_links": values["evidence_links"],
        "window_start": values["window_start"],
        "window_end": values["window_end"],
    }
    if values["visibility"]:
        data["visibility"] = values["visibility"]
    return data


def _match_key(member: Member, provision: Provision, description: str) -> tuple[int, int, str]:
    return member.pk, provision.pk, " ".join(description.split()).casefold()


def _existing(member: Member, provision: Provision, description: str) -> Need | None:
    """The need of the same member, main provision and description, if any."""
    wanted = _match_key(member, provision, description)
    for need in Need.objects.filter(member=member, provisions=provision).only(
        "pk", "key", "description", "member_id"
    ):
        if _match_key(member, provision, need.description) == wanted:
            return need
    return None


def check_rows(
    user: Actor | None, rows: Iterator[tuple[int, list[Any]]]
) -> tuple[list[_Row], list[IntakeProblem]]:
    """Every row read and checked; nothing written."""
    reader = _Reader(user)
    checks = _RowChecks(user, reader)
    checked: list[_Row] = []
    try:
        for number, cells in rows:
            checked.append(checks.check(number, cells))
    except ServiceError as error:
        reader.problems.append(IntakeProblem(0, "", error.message))
    return checked, reader.problems


class _RowChecks:
    """Checks each row read, one check per rule: keys and needs named twice in the workbook,
    the need a row changes and whether the user may change it (or create one), then the need
    rules themselves (``services.need_problems``). Problems are noted on the reader."""

    def __init__(self, user: Actor | None, reader: _Reader) -> None:
        self.user = user
        self.reader = reader
        self.seen_keys: dict[str, int] = {}  # key → the first row naming it
        self.seen_matches: dict[tuple[int, int, str], int] = {}  # ``_match_key`` → first row

    def check(self, number: int, cells: list[Any]) -> _Row:
        values = self.reader.read(number, cells)
        member: Member | None = values["member"]
        key: str = values["key"]
        provision: Provision | None = values["provision"]
        description: str | None = values["description"]
        need = self._need_of_key(number, key, member) if key else None
        if member is not None and provision is not None and description:
            self._check_repeated_need(number, member, provision, description)
            if not key:
                need = self._recorded_need(number, member, provision, description)
        if member is not None and need is None and not key:
            self._check_may_create(number, member)
        data = _need_values(values)
        if need is not None:
            data.setdefault("visibility", need.visibility)
        self._check_need_rules(number, data)
        return _Row(number, data, need, member)

    def _need_of_key(self, number: int, key: str, member: Member | None) -> Need | None:
        """The need the row's key names, if the user may change it (and it stays the member's)."""
        if key in self.seen_keys:
            self.reader.problem(
                number, "key", _("The same key is on row %(row)d.") % {"row": self.seen_keys[key]}
            )
        self.seen_keys.setdefault(key, number)
        try:
            need = selectors.need_get_for_edit(user=self.user, key=key)
        except Http404:
            self.reader.problem(number, "key", _("There is no need %(key)s.") % {"key": key})
            return None
        except PermissionDenied as error:
            self.reader.problem(number, "key", str(error))
            return None
        if member is not None and need.member_id != member.pk:
            self.reader.problem(
                number,
                "member",
                _("Need %(key)s is a need of %(member)s; a need cannot change member.")
                % {"key": need.key, "member": need.member.country_name},
            )
        return need

    def _check_repeated_need(
        self, number: int, member: Member, provision: Provision, description: str
    ) -> None:
        match = _match_key(member, provision, description)
        if match in self.seen_matches:
            self.reader.problem(
                number,
                "description",
                _("Row %(row)d has the same member, provision and description.")
                % {"row": self.seen_matches[match]},
            )
        self.seen_matches.setdefault(match, number)

    def _recorded_need(
        self, number: int, member: Member, provision: Provision, description: str
    ) -> Need | None:
        """A row without a key updates the need already recorded with the same member, main
        provision and description, if the user may change it."""
        existing = _existing(member, provision, description)
        if existing is None:
            return None
        try:
            return selectors.need_get_for_edit(user=self.user, key=existing.key)
        except (Http404, PermissionDenied):
            self.reader.problem(
                number,
                "description",
                _("This need is already recorded and you may not change it."),
            )
            return None

    def _check_may_create(self, number: int, member: Member) -> None:
        try:
            selectors.need_create_allowed(user=self.user, member=member)
        except PermissionDenied as error:
            self.reader.problem(number, "member", str(error))

    def _check_need_rules(self, number: int, data: dict[str, Any]) -> None:
        """The need rules, on the values whose columns were read without a problem; a problem
        in a column that already has one is not noted again."""
        failed = self.reader.failed.get(number, set())
        present = {name: value for name, value in data.items() if _column_of(name) not in failed}
        for name, messages in services.need_problems(present).items():
            column = _column_of(name)
            if column in failed:
                continue
            for message in messages:
                self.reader.problem(number, column, message)


def _column_of(field_name: str) -> str:
    if field_name == "provisions":
        return "provision"
    return field_name if field_name in COLUMN_INDEX else ""


# --------------------------------------------------------------------------- storing


def intake_upload(*, user: Actor | None, content: bytes) -> IntakeResult:
    """Check every row of the uploaded workbook, then store them all or none."""
    result = IntakeResult()
    try:
        rows, problems = check_rows(user, read_rows(content))
    except ServiceError as error:
        result.problems.append(IntakeProblem(0, "", error.message))
        return result
    if problems:
        result.problems = problems
        return result
    if not rows:
        result.problems.append(IntakeProblem(0, "", _("The workbook holds no needs.")))
        return result
    try:
        with transaction.atomic():
            for row in rows:
                if row.need is None:
                    assert row.member is not None
                    member = selectors.need_create_allowed(user=user, member=row.member)
                    result.created.append(
                        services.need_create(user=user, member=member, data=row.values)
                    )
                else:
                    need = selectors.need_get_for_edit(user=user, key=row.need.key)
                    changed = services.need_update(user=user, need=need, data=row.values)
                    (result.updated if changed else result.unchanged).append(need)
    except (ServiceError, PermissionDenied, Http404) as error:
        result.created, result.updated, result.unchanged = [], [], []
        message = error.message if isinstance(error, ServiceError) else str(error)
        result.problems.append(IntakeProblem(0, "", message))
    return result
