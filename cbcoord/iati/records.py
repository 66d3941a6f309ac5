"""Plain data types for IATI 2.0x activities: the contract between the parser and the database.

No Django, no database, no lxml here. Every type is a ``@dataclass(slots=True)`` that the parser
fills once and nobody mutates afterwards ("frozen-ish": not ``frozen=True``, because a frozen
``__init__`` is several times slower and the parser builds millions of these).

Conventions

* ``Narratives`` maps a language code to text. The key is the lowercased ``xml:lang`` of the
  ``narrative``; without one, the activity's ``xml:lang``, then the file root's ``xml:lang``; ``""``
  when none is known. Text is stripped of surrounding white space. Two narratives of one element in
  the same language (the schema allows it) are joined with a newline, in document order.
* Codes stay the strings the publisher wrote (IATI allows codes outside the codelists with other
  vocabularies). Numbers are ``Decimal``, dates ``datetime.date``, the activity's
  ``last_updated_datetime`` an aware ``datetime``. A number, date or boolean that does not parse is
  never in its field: the field stays empty (a data-quality warning says why), and an attribute's
  value as published is kept in ``extra_content`` (with ``strict``, the activity is refused).
* An optional attribute or element that is absent is ``None`` (or an empty list / dict). The
  building blocks default every field to that, so code that builds one (hand edits, tests,
  the corpus) names only what it has: ``Transaction(type="3", date=day, value=value)``.
* ``other_elements`` keeps, as canonical XML, every child of ``iati-activity`` that is not modelled
  here (results, contact-info, planned-disbursement, conditions, extensions, ...), so that the writer
  re-emits it in its schema position and nothing is lost.
* ``extra_content`` keeps what sits inside a modelled element but has no field: extension
  attributes (``{namespace}name``) and unknown or surplus child elements, keyed by a path
  relative to ``iati-activity`` (``""`` is ``iati-activity`` itself, ``transaction[3]/provider-org``,
  ``title/narrative[2]``; list elements always carry a 1-based index among their own kind).

``to_dict()`` / ``from_dict()`` round-trip through JSON: dates and datetimes as ISO strings,
decimals as plain (non-exponent) strings. ``ParsedActivity.content_hash()`` is a sha256 over the
canonical JSON of ``to_dict()`` without ``warnings`` and ``source_line``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import operator
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, TypeVar, Union

import orjson

Narratives = dict[str, str]

_T = TypeVar("_T", bound="_Record")


class IatiFileError(Exception):
    """A whole file cannot be imported. The message is one English sentence for the user."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def decimal_to_str(value: Decimal) -> str:
    """A decimal as an ``xsd:decimal`` lexical form: no exponent, as many digits as published."""
    return format(value, "f")


class _Record:
    """Shared JSON (de)serialisation for the dataclasses of this module."""

    __slots__ = ()
    _hints: ClassVar[dict[type, dict[str, Any]]] = {}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            out[field.name] = _to_json(getattr(self, field.name))
        return out

    @classmethod
    def from_dict(cls: type[_T], data: dict[str, Any]) -> _T:
        plan = _plans.get(cls)
        if plan is None:
            hints = _type_hints(cls)
            plan = _plans[cls] = [
                (field.name, _converter(hints[field.name]))
                for field in dataclasses.fields(cls)  # type: ignore[arg-type]
            ]
        return cls(**{name: convert(data[name]) for name, convert in plan if name in data})


def _type_hints(cls: type) -> dict[str, Any]:
    hints = _Record._hints.get(cls)
    if hints is None:
        hints = typing.get_type_hints(cls)
        _Record._hints[cls] = hints
    return hints


def _to_json(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Decimal):
        return decimal_to_str(value)
    if isinstance(value, dt.date):  # datetime is a date
        return value.isoformat()
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    raise TypeError(f"cannot convert {type(value).__name__} to JSON")


_plans: dict[type, list[tuple[str, Callable[[Any], Any]]]] = {}
_converters: dict[Any, Callable[[Any], Any]] = {}


def _converter(tp: Any) -> Callable[[Any], Any]:
    """A function from a JSON value to ``tp`` (None stays None), made once per type: exporting
    many activities spent most of its time looking at types for every value."""
    known = _converters.get(tp)
    if known is not None:
        return known
    convert: Callable[[Any], Any]
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        convert = _converter(args[0])
    elif origin is list:
        (item_tp,) = typing.get_args(tp)
        item = _converter(item_tp)
        convert = lambda value: None if value is None else [item(v) for v in value]  # noqa: E731
    elif origin is dict:
        _, value_tp = typing.get_args(tp)
        item = _converter(value_tp)
        convert = lambda value: (  # noqa: E731
            None if value is None else {str(k): item(v) for k, v in value.items()}
        )
    elif tp is Decimal:
        convert = lambda value: None if value is None else Decimal(value)  # noqa: E731
    elif tp is dt.datetime:
        convert = lambda value: None if value is None else dt.datetime.fromisoformat(value)  # noqa: E731
    elif tp is dt.date:
        convert = lambda value: None if value is None else dt.date.fromisoformat(value)  # noqa: E731
    elif isinstance(tp, type) and issubclass(tp, _Record):
        record: Any = tp
        convert = lambda value: None if value is None else record.from_dict(value)  # noqa: E731
    else:
        convert = _as_is
    _converters[tp] = convert
    return convert


def _as_is(value: Any) -> Any:
    return value


# --------------------------------------------------------------------------- diagnostics


@dataclasses.dataclass(slots=True)
class DataQualityWarning(_Record):
    """A deviation that does not stop the import: schema deviations, unknown codes, ...
    ``reason`` is English; ``code`` and ``params`` say the same for a translation (see
    ``cbcoord.iati.diagnostics``). Warnings stored before codes existed have none."""

    element: str  # e.g. "iati-activity/location[2]/point"
    line: int | None
    reason: str
    code: str = ""  # e.g. "codelist.unknown-code"
    params: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class RefusedActivity(_Record):
    """An activity that cannot be read faithfully; nothing of it should be imported."""

    identifier: str | None
    line: int | None
    element: str
    reason: str


@dataclasses.dataclass(slots=True)
class FileInfo(_Record):
    """What ``check_file`` proved about a file, read without keeping anything of it."""

    path: str
    root_tag: str
    version: str | None  # None when the root has no version attribute (read as 2.03)
    generated_datetime: dt.datetime | None
    default_language: str | None
    encoding: str
    activity_count: int | None  # None when check_file was asked not to count
    byte_size: int
    sha256: str
    warnings: list[DataQualityWarning] = dataclasses.field(default_factory=list)


# --------------------------------------------------------------------------- building blocks


@dataclasses.dataclass(slots=True)
class OrgRef(_Record):
    """``reporting-org``."""

    ref: str | None = None
    type: str | None = None
    name: Narratives = dataclasses.field(default_factory=dict)
    secondary_reporter: bool | None = None


@dataclasses.dataclass(slots=True)
class ParticipatingOrg(_Record):
    ref: str | None = None
    type: str | None = None
    role: str | None = None
    activity_id: str | None = None
    crs_channel_code: str | None = None
    name: Narratives = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class Description(_Record):
    type: str | None = None
    narratives: Narratives = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class CodeVocabulary(_Record):
    """``default-aid-type``, ``transaction/aid-type``, ``location/location-id``."""

    code: str | None = None
    vocabulary: str | None = None


@dataclasses.dataclass(slots=True)
class ActivityDate(_Record):
    type: str | None = None
    iso_date: dt.date | None = None
    narrative: Narratives = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class RecipientCountry(_Record):
    code: str | None = None
    percentage: Decimal | None = None  # always None inside a transaction
    narrative: Narratives = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class RecipientRegion(_Record):
    code: str | None = None
    vocabulary: str | None = None
    vocabulary_uri: str | None = None
    percentage: Decimal | None = None  # always None inside a transaction
    narrative: Narratives = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class Sector(_Record):
    code: str | None = None
    vocabulary: str | None = None
    vocabulary_uri: str | None = None
    percentage: Decimal | None = None  # always None inside a transaction
    narrative: Narratives = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class Tag(_Record):
    code: str | None = None
    vocabulary: str | None = None
    vocabulary_uri: str | None = None
    narrative: Narratives = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class PolicyMarker(_Record):
    code: str | None = None
    vocabulary: str | None = None
    vocabulary_uri: str | None = None
    significance: str | None = None
    narrative: Narratives = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class Budget(_Record):
    type: str | None = None
    status: str | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    value: Decimal | None = None
    currency: str | None = None  # value/@currency as published (None: the activity's default)
    value_date: dt.date | None = None


@dataclasses.dataclass(slots=True)
class TransactionOrg(_Record):
    """``transaction/provider-org`` or ``transaction/receiver-org``."""

    ref: str | None = None
    type: str | None = None
    activity_id: str | None = None  # @provider-activity-id or @receiver-activity-id
    narrative: Narratives = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class Transaction(_Record):
    ref: str | None = None
    humanitarian: bool | None = None
    type: str | None = None  # transaction-type/@code
    date: dt.date | None = None  # transaction-date/@iso-date
    value: Decimal | None = None
    currency: str | None = None
    value_date: dt.date | None = None
    description: Narratives = dataclasses.field(default_factory=dict)
    provider_org: TransactionOrg | None = None
    receiver_org: TransactionOrg | None = None
    disbursement_channel: str | None = None
    sectors: list[Sector] = dataclasses.field(default_factory=list)
    recipient_country: RecipientCountry | None = None
    recipient_region: RecipientRegion | None = None
    flow_type: str | None = None
    finance_type: str | None = None
    aid_types: list[CodeVocabulary] = dataclasses.field(default_factory=list)
    tied_status: str | None = None


@dataclasses.dataclass(slots=True)
class Administrative(_Record):
    code: str | None = None
    vocabulary: str | None = None
    level: int | None = None


@dataclasses.dataclass(slots=True)
class Point(_Record):
    srs_name: str | None = None
    pos: str | None = None  # "latitude longitude" as published; see ``latitude_longitude()``

    def latitude_longitude(self) -> tuple[Decimal, Decimal] | None:
        """The position as two decimals, or None if absent or not two numbers in range."""
        if not self.pos:
            return None
        parts = self.pos.split()
        if len(parts) != 2:
            return None
        try:
            lat, lon = Decimal(parts[0]), Decimal(parts[1])
        except ArithmeticError:
            return None
        if not (lat.is_finite() and lon.is_finite()):
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        return lat, lon


@dataclasses.dataclass(slots=True)
class Location(_Record):
    ref: str | None = None
    location_reach: str | None = None
    location_ids: list[CodeVocabulary] = dataclasses.field(default_factory=list)
    name: Narratives = dataclasses.field(default_factory=dict)
    description: Narratives = dataclasses.field(default_factory=dict)
    activity_description: Narratives = dataclasses.field(default_factory=dict)
    administratives: list[Administrative] = dataclasses.field(default_factory=list)
    point: Point | None = None
    exactness: str | None = None
    location_class: str | None = None
    feature_designation: str | None = None


@dataclasses.dataclass(slots=True)
class RelatedActivity(_Record):
    ref: str | None = None
    type: str | None = None


@dataclasses.dataclass(slots=True)
class DocumentLink(_Record):
    url: str | None = None
    format: str | None = None
    title: Narratives = dataclasses.field(default_factory=dict)
    description: Narratives = dataclasses.field(default_factory=dict)
    categories: list[str] = dataclasses.field(default_factory=list)
    languages: list[str] = dataclasses.field(default_factory=list)
    document_date: dt.date | None = None


#: The longest iati-identifier stored (the schema sets none; the database column holds this).
IDENTIFIER_MAX_LENGTH = 255

#: Children of iati-activity in the order of the 2.03 schema.
ACTIVITY_CHILD_ORDER: tuple[str, ...] = (
    "iati-identifier",
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "other-identifier",
    "activity-status",
    "activity-date",
    "contact-info",
    "activity-scope",
    "recipient-country",
    "recipient-region",
    "location",
    "sector",
    "tag",
    "country-budget-items",
    "humanitarian-scope",
    "policy-marker",
    "collaboration-type",
    "default-flow-type",
    "default-finance-type",
    "default-aid-type",
    "default-tied-status",
    "budget",
    "planned-disbursement",
    "capital-spend",
    "transaction",
    "document-link",
    "related-activity",
    "legacy-data",
    "conditions",
    "result",
    "crs-add",
    "fss",
)
ACTIVITY_CHILD_POSITION = {tag: i for i, tag in enumerate(ACTIVITY_CHILD_ORDER)}


@dataclasses.dataclass(slots=True)
class OtherElement(_Record):
    """A child of ``iati-activity`` kept verbatim (exclusive C14N, so stable and self-contained)."""

    tag: str  # local name, or "{namespace}name" for extension elements
    xml: str


@dataclasses.dataclass(slots=True)
class ExtraContent(_Record):
    """Content of a modelled element that no field holds; re-emitted by the writer."""

    path: str
    attributes: dict[str, str] = dataclasses.field(default_factory=dict)
    elements: list[str] = dataclasses.field(default_factory=list)  # canonical XML


# --------------------------------------------------------------------------- the activity


@dataclasses.dataclass(slots=True)
class ParsedActivity(_Record):
    iati_identifier: str
    reporting_org: OrgRef
    default_language: str | None = None
    default_currency: str | None = None
    last_updated_datetime: dt.datetime | None = None
    hierarchy: int | None = None
    humanitarian: bool | None = None
    linked_data_uri: str | None = None
    budget_not_provided: str | None = None
    title: Narratives = dataclasses.field(default_factory=dict)
    descriptions: list[Description] = dataclasses.field(default_factory=list)
    participating_orgs: list[ParticipatingOrg] = dataclasses.field(default_factory=list)
    activity_status: str | None = None
    activity_dates: list[ActivityDate] = dataclasses.field(default_factory=list)
    activity_scope: str | None = None
    recipient_countries: list[RecipientCountry] = dataclasses.field(default_factory=list)
    recipient_regions: list[RecipientRegion] = dataclasses.field(default_factory=list)
    locations: list[Location] = dataclasses.field(default_factory=list)
    sectors: list[Sector] = dataclasses.field(default_factory=list)
    tags: list[Tag] = dataclasses.field(default_factory=list)
    policy_markers: list[PolicyMarker] = dataclasses.field(default_factory=list)
    collaboration_type: str | None = None
    default_flow_type: str | None = None
    default_finance_type: str | None = None
    default_aid_types: list[CodeVocabulary] = dataclasses.field(default_factory=list)
    default_tied_status: str | None = None
    budgets: list[Budget] = dataclasses.field(default_factory=list)
    transactions: list[Transaction] = dataclasses.field(default_factory=list)
    document_links: list[DocumentLink] = dataclasses.field(default_factory=list)
    related_activities: list[RelatedActivity] = dataclasses.field(default_factory=list)
    other_elements: list[OtherElement] = dataclasses.field(default_factory=list)
    extra_content: list[ExtraContent] = dataclasses.field(default_factory=list)
    source_line: int = 0
    warnings: list[DataQualityWarning] = dataclasses.field(default_factory=list)

    def content_dict(self) -> dict[str, Any]:
        """``to_dict()`` without ``warnings`` and ``source_line``: what the content is."""
        data = self.to_dict()
        del data["warnings"]
        del data["source_line"]
        return data

    def content_hash(self) -> str:
        """A stable sha256 (hex) of the content: equal content gives an equal hash."""
        return hashlib.sha256(self.content_json().encode("utf-8")).hexdigest()

    def content_json(self) -> str:
        """The content as canonical JSON (sorted keys, compact, UTF-8): ``content_dict()``
        serialised in one orjson pass. Each record reaches ``_content_default`` once, which
        hands orjson a dict of its fields (so that keys are sorted everywhere); the tests check
        that this gives the same text as ``to_dict()`` followed by ``json.dumps``."""
        return orjson.dumps(self, default=_content_default, option=_CONTENT_OPTIONS).decode()


@dataclasses.dataclass(slots=True)
class ActivityContent:
    """An activity as the importer reads and stores it: ``content`` is exactly
    ``ParsedActivity.content_dict()`` (JSON types: decimals, dates and datetimes as strings),
    built straight from the XML without the dataclasses, with the reading's diagnostics."""

    content: dict[str, Any]
    source_line: int
    warnings: list[DataQualityWarning]

    @property
    def iati_identifier(self) -> str:
        identifier: str = self.content["iati_identifier"]
        return identifier

    def content_json(self) -> str:
        return canonical_json(self.content)

    def parsed(self) -> ParsedActivity:
        """The same activity as dataclasses."""
        activity = ParsedActivity.from_dict(self.content)
        activity.source_line = self.source_line
        activity.warnings = self.warnings
        return activity


def canonical_json(data: Any) -> str:
    """JSON with sorted keys, no spaces, non-ASCII kept: what cbcoord hashes and stores."""
    return orjson.dumps(data, default=_orjson_default, option=orjson.OPT_SORT_KEYS).decode()


_CONTENT_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
_NOT_CONTENT = frozenset({"warnings", "source_line"})
_field_readers: dict[type, Callable[[Any], dict[str, Any]]] = {}


def _field_reader(cls: type) -> Callable[[Any], dict[str, Any]]:
    """A function from a record to the dict of its fields (ParsedActivity: without diagnostics),
    reading them all in one ``attrgetter`` call."""
    names = tuple(
        f.name
        for f in dataclasses.fields(cls)
        if not (cls is ParsedActivity and f.name in _NOT_CONTENT)
    )
    if len(names) == 1:  # attrgetter of one name gives the value, not a tuple
        (name,) = names
        return lambda record: {name: getattr(record, name)}
    getter = operator.attrgetter(*names)

    def read(record: Any) -> dict[str, Any]:
        return dict(zip(names, getter(record), strict=True))

    return read


def _content_default(value: Any) -> Any:
    if type(value) is Decimal:
        return decimal_to_str(value)
    reader = _field_readers.get(type(value))
    if reader is None:
        if not isinstance(value, _Record):
            raise TypeError(f"cannot convert {type(value).__name__} to JSON")
        reader = _field_readers[type(value)] = _field_reader(type(value))
    return reader(value)


def _orjson_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_to_str(value)
    raise TypeError(f"cannot convert {type(value).__name__} to JSON")


__all__ = [
    "ACTIVITY_CHILD_ORDER",
    "ACTIVITY_CHILD_POSITION",
    "IDENTIFIER_MAX_LENGTH",
    "ActivityContent",
    "ActivityDate",
    "Administrative",
    "Budget",
    "CodeVocabulary",
    "DataQualityWarning",
    "Description",
    "DocumentLink",
    "ExtraContent",
    "FileInfo",
    "IatiFileError",
    "Location",
    "Narratives",
    "OrgRef",
    "OtherElement",
    "ParsedActivity",
    "ParticipatingOrg",
    "PolicyMarker",
    "Point",
    "RecipientCountry",
    "RecipientRegion",
    "RefusedActivity",
    "RelatedActivity",
    "Sector",
    "Tag",
    "Transaction",
    "TransactionOrg",
    "decimal_to_str",
]
