"""The typed edit of an activity: what a hand edit may change, checked before anything is stored.

``ActivityEdit`` is a change (only the fields given change: a PATCH) and ``ActivityNew`` an
activity entered by hand. The activity form builds them, the API's create and patch take them
as their bodies (``/api/docs`` shows these schemas), and ``services.activity_create`` and
``services.activity_update`` apply them.

The models check, and report every problem at once (``cbcoord.core.validation``): codes
against the shipped IATI codelists; percentages of 0 to 100 that add up to 100 (countries and
regions together, sectors per vocabulary); budget values of 0 or more (a transaction may be
negative: IATI records a decommitment or a correction so); periods and activity dates that do
not end before they start; text an IATI file can hold; on creation, a title, a description, a
status and a start date. What needs the stored activity (the percentages when only the
countries or only the regions are edited; a title left in no language) or the database (the
identifier's prefix, an identifier already taken, organisations named) the services check.

Lists replace the whole list. A row may carry ``index``: the 0-based position of the existing
item it edits, whose other IATI content (a transaction's provider organisation, a narrative) is
kept; ``index: null`` is a new item; without ``index``, a row edits the item at its position.
Texts by language (``title``, ``description``): an empty text removes that language, languages
not given are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from cbcoord.core.validation import RULE, Loc, invalid, refuse
from cbcoord.iati import codelists
from cbcoord.iati.records import IDENTIFIER_MAX_LENGTH
from cbcoord.iati.text import NOT_IN_XML
from cbcoord.registry.visibility import Visibility

Language = Literal["en", "es", "fr", "pt"]
LANGUAGES: tuple[Language, ...] = ("en", "es", "fr", "pt")
#: ActivityDateType codes of the four dates.
DATE_FIELDS = {"planned_start": "1", "actual_start": "2", "planned_end": "3", "actual_end": "4"}
ROW_FIELDS = (
    "recipient_countries",
    "recipient_regions",
    "sectors",
    "budgets",
    "transactions",
    "participating_orgs",
)
CONTENT_FIELDS = frozenset(
    {"title", "description", "activity_status", "default_currency", *DATE_FIELDS, *ROW_FIELDS}
)
ACCESS_FIELDS = frozenset({"visibility", "visible_to"})
PERCENT_TOLERANCE = Decimal("0.01")


# --------------------------------------------------------------------------- values


def _xml_text(value: str) -> str:
    found = NOT_IN_XML.search(value)
    if found:
        raise invalid(
            _(
                "This text contains a character that an IATI file cannot hold (U+%(code)04X); "
                "remove it."
            )
            % {"code": ord(found.group())}
        )
    return value


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _identifier(value: str) -> str:
    if any(character.isspace() for character in value):
        raise invalid(_("An IATI identifier has no spaces."))
    return _xml_text(value)


_CODE_MESSAGES: dict[str, Promise] = {
    "ActivityStatus": gettext_lazy("%(code)s is not an activity status."),
    "Currency": gettext_lazy("%(code)s is not a currency code (ISO 4217, such as USD or EUR)."),
    "Country": gettext_lazy("%(code)s is not a country code (ISO 3166, such as DO)."),
    "Region": gettext_lazy("%(code)s is not a region of the IATI region list."),
    "RegionVocabulary": gettext_lazy("%(code)s is not a region vocabulary."),
    "Sector": gettext_lazy("%(code)s is not a sector code (DAC, five digits)."),
    "SectorCategory": gettext_lazy("%(code)s is not a sector category (DAC, three digits)."),
    "SectorVocabulary": gettext_lazy("%(code)s is not a sector vocabulary."),
    "BudgetType": gettext_lazy("%(code)s is not a budget type (1 original, 2 revised)."),
    "BudgetStatus": gettext_lazy("%(code)s is not a budget status (1 indicative, 2 committed)."),
    "TransactionType": gettext_lazy("%(code)s is not a transaction type."),
    "OrganisationRole": gettext_lazy("%(code)s is not an organisation role."),
    "OrganisationType": gettext_lazy("%(code)s is not an organisation type."),
}


def code_problem(codelist: str, code: str) -> str | None:
    """Why ``code`` is not one of ``codelist`` (None when it is, or the list is not shipped)."""
    known = codelists.codes(codelist)
    if not known or code in known:
        return None
    return str(_CODE_MESSAGES[codelist]) % {"code": code}


def _in(codelist: str) -> Callable[[str], str]:
    def check(code: str) -> str:
        problem = code_problem(codelist, code)
        if problem:
            raise invalid(problem)
        return code

    return check


_CODE = StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
_UPPER_CODE = StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=40)

Text = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_xml_text)]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_xml_text)
]
Code = Annotated[str, _CODE, AfterValidator(_xml_text)]
ActivityStatusCode = Annotated[str, _CODE, AfterValidator(_in("ActivityStatus"))]
CurrencyCode = Annotated[str, _UPPER_CODE, AfterValidator(_in("Currency"))]
CountryCode = Annotated[str, _UPPER_CODE, AfterValidator(_in("Country"))]
RegionVocabularyCode = Annotated[str, _CODE, AfterValidator(_in("RegionVocabulary"))]
SectorVocabularyCode = Annotated[str, _CODE, AfterValidator(_in("SectorVocabulary"))]
BudgetTypeCode = Annotated[str, _CODE, AfterValidator(_in("BudgetType"))]
BudgetStatusCode = Annotated[str, _CODE, AfterValidator(_in("BudgetStatus"))]
TransactionTypeCode = Annotated[str, _CODE, AfterValidator(_in("TransactionType"))]
OrganisationRoleCode = Annotated[str, _CODE, AfterValidator(_in("OrganisationRole"))]
OrganisationTypeCode = Annotated[str, _CODE, AfterValidator(_in("OrganisationType"))]
Identifier = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=IDENTIFIER_MAX_LENGTH),
    AfterValidator(_identifier),
]
OrganisationKey = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)
]
Percentage = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]
Amount = Annotated[Decimal, Field(allow_inf_nan=False)]

# An optional value: blank text is no value.
OptionalCurrency = Annotated[CurrencyCode | None, BeforeValidator(_blank_is_none)]
OptionalPercentage = Annotated[Percentage | None, BeforeValidator(_blank_is_none)]
OptionalText = Annotated[Text | None, BeforeValidator(_blank_is_none)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(_blank_is_none)]

Narratives = dict[Language, Title]


def _percentage_problems(
    rows: Sequence[CountryRow | RegionRow | SectorRow], total_loc: Loc
) -> list[tuple[Loc, str]]:
    """Percentages are given for every row or for none, and then add up to 100 (problems at
    the rows' positions, the total's at ``total_loc``)."""
    given = [row.percentage for row in rows if row.percentage is not None]
    if not given:
        return []
    problems: list[tuple[Loc, str]] = [
        ((position, "percentage"), _("Give a percentage for every row, or for none."))
        for position, row in enumerate(rows)
        if row.percentage is None
    ]
    total = sum(given, Decimal(0))
    if not problems and abs(total - 100) > PERCENT_TOLERANCE:
        problems.append(
            (
                total_loc,
                _("The percentages add up to %(total)s; they must add up to 100.")
                % {"total": f"{total.normalize():f}"},
            )
        )
    return problems


# --------------------------------------------------------------------------- rows


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int | None = Field(
        None,
        ge=0,
        description=(
            "0-based position of the existing item this row edits (its other IATI content is "
            "kept); null: a new item; left out: the item at the row's own position."
        ),
    )

    def edits(self, position: int) -> int | None:
        """The position of the existing item this row, at ``position`` in its list, edits."""
        return self.index if "index" in self.model_fields_set else position


class CountryRow(_Row):
    code: CountryCode
    percentage: OptionalPercentage = None


class RegionRow(_Row):
    vocabulary: RegionVocabularyCode = Field("1", description="1: the IATI (OECD DAC) regions.")
    code: Code
    percentage: OptionalPercentage = None

    @field_validator("vocabulary", mode="before")
    @classmethod
    def _default_vocabulary(cls, value: Any) -> Any:
        return _blank_is_none(value) or "1"

    @field_validator("code")
    @classmethod
    def _region_code(cls, code: str, info: ValidationInfo) -> str:
        if info.data.get("vocabulary") == "1":
            return _in("Region")(code)
        return code


class SectorRow(_Row):
    vocabulary: SectorVocabularyCode = Field(
        "1", description="1: DAC five-digit sectors; 2: DAC three-digit categories."
    )
    code: Code
    percentage: OptionalPercentage = None

    @field_validator("vocabulary", mode="before")
    @classmethod
    def _default_vocabulary(cls, value: Any) -> Any:
        return _blank_is_none(value) or "1"

    @field_validator("code")
    @classmethod
    def _sector_code(cls, code: str, info: ValidationInfo) -> str:
        vocabulary = info.data.get("vocabulary")
        if vocabulary == "1":
            return _in("Sector")(code)
        if vocabulary == "2":
            return _in("SectorCategory")(code)
        return code


class BudgetRow(_Row):
    type: Annotated[BudgetTypeCode | None, BeforeValidator(_blank_is_none)] = Field(
        None, description="1 original, 2 revised; left out: as before, else 1."
    )
    status: Annotated[BudgetStatusCode | None, BeforeValidator(_blank_is_none)] = Field(
        None, description="1 indicative, 2 committed; left out: as before, else 1."
    )
    period_start: dt.date
    period_end: dt.date
    value: Amount = Field(description="0 or more.", json_schema_extra={"minimum": 0})
    currency: OptionalCurrency = Field(None, description="Left out: the default currency.")
    value_date: OptionalDate = None

    @field_validator("value")
    @classmethod
    def _not_negative(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise invalid(_("A budget cannot be negative."))
        return value

    @field_validator("period_end")
    @classmethod
    def _ends_after_start(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("period_start")
        if start is not None and end < start:
            raise invalid(_("The period cannot end before it starts."))
        return end


class TransactionRow(_Row):
    type: TransactionTypeCode
    date: dt.date
    value: Amount
    currency: OptionalCurrency = Field(None, description="Left out: the default currency.")
    value_date: OptionalDate = None


class ParticipantRow(_Row):
    ref: Annotated[OptionalText, Field(max_length=200)] = Field(
        None, description="The organisation's IATI identifier."
    )
    name: Annotated[OptionalText, Field(max_length=500)] = Field(
        None,
        description=(
            "The name (in English, or as shown: a row editing an organisation keeps its names "
            "in every language when this is one of them)."
        ),
    )
    role: OrganisationRoleCode
    type: Annotated[OrganisationTypeCode | None, BeforeValidator(_blank_is_none)] = None

    @model_validator(mode="after")
    def _named(self) -> ParticipantRow:
        if not self.ref and not self.name:
            raise refuse(
                type(self).__name__,
                [(("name",), _("Give the organisation's name or its IATI identifier."))],
            )
        return self


# --------------------------------------------------------------------------- the activity


_NOT_NULL = (
    "title",
    "description",
    "activity_status",
    *ROW_FIELDS,
    "visibility",
    "visible_to",
)


class ActivityEdit(BaseModel):
    """A change to an activity: the fields given are changed, the others kept."""

    model_config = ConfigDict(extra="forbid")

    title: Narratives | None = Field(None, description="Texts by language (en, es, fr, pt).")
    description: Narratives | None = Field(
        None, description="The general description, by language."
    )
    activity_status: ActivityStatusCode | None = None
    default_currency: OptionalCurrency = None
    planned_start: OptionalDate = None
    actual_start: OptionalDate = None
    planned_end: OptionalDate = None
    actual_end: OptionalDate = None
    recipient_regions: list[RegionRow] | None = None
    recipient_countries: list[CountryRow] | None = Field(
        None, description="With the regions, percentages add up to 100."
    )
    sectors: list[SectorRow] | None = Field(
        None, description="Percentages add up to 100 within each vocabulary."
    )
    budgets: list[BudgetRow] | None = None
    transactions: list[TransactionRow] | None = None
    participating_orgs: list[ParticipantRow] | None = None
    visibility: Visibility | None = None
    visible_to: list[OrganisationKey] | None = Field(
        None, description="Keys of the organisations that may read a 'named' activity."
    )

    @field_validator(*_NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise invalid(_("Give a value, or leave this field out to keep it."))
        return value

    @field_validator("planned_end", "actual_end")
    @classmethod
    def _ends_after_start(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get(
            "planned_start" if info.field_name == "planned_end" else "actual_start"
        )
        if start is not None and end is not None and end < start:
            raise invalid(_("The end cannot be before the start."))
        return end

    @field_validator("recipient_regions")
    @classmethod
    def _distinct_regions(cls, rows: list[RegionRow]) -> list[RegionRow]:
        _refuse_repeats(cls, [(row.vocabulary, row.code) for row in rows], "region")
        return rows

    @field_validator("recipient_countries")
    @classmethod
    def _countries(cls, rows: list[CountryRow], info: ValidationInfo) -> list[CountryRow]:
        _refuse_repeats(cls, [row.code for row in rows], "country")
        regions = info.data.get("recipient_regions")
        if regions is not None:  # both given: they add up together
            found = _percentage_problems([*rows, *regions], ())
            # Only the countries' rows are here to point at; a region without one is said so.
            problems = [(loc, message) for loc, message in found if not _beyond(loc, len(rows))]
            if len(problems) < len(found):
                problems.append(((), _("Give a percentage for every region too, or for none.")))
            if problems:
                raise refuse(cls.__name__, problems)
        return rows

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, rows: list[SectorRow]) -> list[SectorRow]:
        _refuse_repeats(cls, [(row.vocabulary, row.code) for row in rows], "sector")
        problems: list[tuple[Loc, str]] = []
        for vocabulary in dict.fromkeys(row.vocabulary for row in rows):
            positions = [i for i, row in enumerate(rows) if row.vocabulary == vocabulary]
            found = _percentage_problems([rows[i] for i in positions], ())
            problems += [
                ((positions[loc[0]], *loc[1:]) if loc and isinstance(loc[0], int) else loc, text)
                for loc, text in found
            ]
        if problems:
            raise refuse(cls.__name__, problems)
        return rows

    def given(self) -> set[str]:
        """The fields this edit changes."""
        return set(self.model_fields_set)


def _beyond(loc: Loc, count: int) -> bool:
    return bool(loc) and isinstance(loc[0], int) and loc[0] >= count


def _refuse_repeats(model: type, keys: Sequence[Any], what: str) -> None:
    seen: set[Any] = set()
    problems: list[tuple[Loc, str]] = []
    for position, key in enumerate(keys):
        if key in seen:
            message = {
                "country": _("This country is listed twice."),
                "region": _("This region is listed twice."),
                "sector": _("This sector is listed twice."),
            }[what]
            problems.append(((position, "code"), message))
        seen.add(key)
    if problems:
        raise refuse(model.__name__, problems)


class ActivityNew(ActivityEdit):
    """An activity entered by hand: its identifier and reporting organisation, and what a
    valid IATI activity needs (a title, a description, a status and a start date)."""

    iati_identifier: Identifier = Field(
        description=(
            "Begins with the reporting organisation's IATI identifier (or one of its aliases; "
            "XC-CBCOORD-<key> for an organisation without one)."
        )
    )
    reporting_org: OrganisationKey = Field(description="Key of the reporting organisation.")
    title: Narratives = Field(description="Texts by language (en, es, fr, pt); one at least.")
    description: Narratives = Field(description="By language; one at least.")
    activity_status: ActivityStatusCode
    recipient_regions: list[RegionRow] = Field(default_factory=list)
    recipient_countries: list[CountryRow] = Field(
        default_factory=list,
        validate_default=True,
        description="With the regions, percentages add up to 100.",
    )
    sectors: list[SectorRow] = Field(default_factory=list)
    budgets: list[BudgetRow] = Field(default_factory=list)
    transactions: list[TransactionRow] = Field(default_factory=list)
    participating_orgs: list[ParticipantRow] = Field(
        default_factory=list,
        description="None given: the reporting organisation, as the accountable one.",
    )
    visibility: Visibility = Visibility.COORDINATION
    visible_to: list[OrganisationKey] = Field(default_factory=list)

    @field_validator("title", "description")
    @classmethod
    def _some_text(cls, texts: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        if not any(texts.values()):
            if info.field_name == "title":
                raise invalid(_("Give a title in at least one language."))
            raise invalid(_("Give a description in at least one language."))
        return texts

    @model_validator(mode="wrap")
    @classmethod
    def _starts(cls, data: Any, handler: ModelWrapValidatorHandler[ActivityNew]) -> ActivityNew:
        """A start date is needed; said together with every other problem."""
        if not isinstance(data, dict) or data.get("planned_start") or data.get("actual_start"):
            return handler(data)
        missing: InitErrorDetails = {
            "type": invalid(_("Give a planned or an actual start date.")),
            "loc": ("planned_start",),
            "input": None,
        }
        try:
            handler(data)
        except ValidationError as error:
            raise ValidationError.from_exception_data(
                cls.__name__, [*_details(error), missing]
            ) from None
        raise ValidationError.from_exception_data(cls.__name__, [missing])


def _details(error: ValidationError) -> list[InitErrorDetails]:
    """The errors of ``error`` again, to be raised with more."""
    details: list[InitErrorDetails] = []
    for item in error.errors(include_url=False):
        context = dict(item.get("ctx") or {})
        kind: str | PydanticCustomError = item["type"]
        if kind == RULE:
            kind = invalid(str(context.get("message", item["msg"])))
        detail: InitErrorDetails = {"type": kind, "loc": item["loc"], "input": item.get("input")}
        if context and kind != RULE and not isinstance(kind, PydanticCustomError):
            detail["ctx"] = context
        details.append(detail)
    return details
