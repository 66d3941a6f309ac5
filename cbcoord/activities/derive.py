"""Columns and index rows derived from an activity's IATI content (``ParsedActivity.to_dict()``),
and what the tagger (``cbcoord.tagging``) makes of it: its relevance and suggested provisions.

Both the importer and hand edits call these, so the filterable columns always agree with ``data``.
No Django here: the importer's reader process derives them as it reads.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple, cast

import orjson

from cbcoord.activities import catalogue_tags
from cbcoord.iati.narratives import pick
from cbcoord.iati.pipeline import Derivation
from cbcoord.tagging.engine import EvidenceData, Tagger, TaggingInput

# What the columns hold (see activities.models): a value past these stays in the content
# (``data``) but not in its column, for the database would refuse the whole batch of activities
# (PostgreSQL), or fail every page that reads the column back (SQLite).
STATUS_MAX_LENGTH = 10
HIERARCHY_MAX = 32767  # PositiveSmallIntegerField
# DecimalField(max_digits=20, decimal_places=2) holds 18 digits before the point, but SQLite
# reads decimals back through a float (15 significant digits): 999999999999999999 comes back
# as 1E+18, which overflows the field. One digit of margin.
TOTAL_LIMIT = Decimal(10) ** 17
PERCENTAGE_LIMIT = Decimal(1000)  # DecimalField(max_digits=10, decimal_places=6): 0.0001 % kept

_WHOLE_LIMIT = int(TOTAL_LIMIT)
_WHOLE_DIGITS = len(str(_WHOLE_LIMIT))
_CENT, _MICRO = Decimal("0.01"), Decimal("0.000001")


def _fits(value: Decimal, limit: Decimal, places: Decimal) -> bool:
    """Whether ``value``, rounded to ``places`` as its column rounds it, is below ``limit``."""
    return value.is_finite() and abs(value) < limit and abs(value.quantize(places)) < limit


# IATI ActivityDateType codes.
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
COMMITMENT_TYPES = {"2"}
SPEND_TYPES = {"3", "4"}  # disbursement, expenditure


def _decimal(raw: Any) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        return Decimal(raw if type(raw) is str else str(raw))
    except InvalidOperation:
        return None


def activity_dates(data: dict[str, Any]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for entry in data.get("activity_dates") or []:
        if entry.get("type") and entry.get("iso_date") and entry["type"] not in found:
            found[entry["type"]] = entry["iso_date"]
    return {
        "planned_start": found.get(PLANNED_START),
        "actual_start": found.get(ACTUAL_START),
        "planned_end": found.get(PLANNED_END),
        "actual_end": found.get(ACTUAL_END),
    }


def _total(entries: Iterable[dict[str, Any]], currency: str) -> Decimal | None:
    """Sum the ``value`` of ``entries`` in ``currency`` (or without a currency); others are not
    converted. Whole numbers, the usual case, are added as integers."""
    whole = 0
    whole_seen = False
    fractional: Decimal | None = None
    too_long = False
    for entry in entries:
        raw = entry.get("value")
        if raw is None or raw == "":
            continue
        value_currency = entry.get("currency")
        if value_currency and currency and value_currency != currency:
            continue
        if type(raw) is str and raw.isdigit() and raw.isascii():
            if len(raw) > _WHOLE_DIGITS:  # past the column whatever else is added
                too_long = True
                continue
            whole += int(raw)
            whole_seen = True
            continue
        value = _decimal(raw)
        if value is None:
            continue
        fractional = value if fractional is None else fractional + value
    if too_long:
        return None
    if fractional is None:  # the usual case: whole numbers only
        return Decimal(whole) if whole_seen and -_WHOLE_LIMIT < whole < _WHOLE_LIMIT else None
    total = fractional + whole if whole_seen else fractional
    return total if _fits(total, TOTAL_LIMIT, _CENT) else None


class _Transactions(NamedTuple):
    """What the columns and the index rows need of the transactions, gathered in one pass."""

    commitments: list[dict[str, Any]]
    spending: list[dict[str, Any]]
    countries: list[str]  # recipient-country codes given at transaction level
    sectors: list[dict[str, Any]]  # sectors given at transaction level


def _transactions(data: dict[str, Any]) -> _Transactions:
    found = _Transactions([], [], [], [])
    commitments, spending, countries, sectors = found
    for transaction in data.get("transactions") or []:
        kind = transaction.get("type")
        if kind in COMMITMENT_TYPES:
            commitments.append(transaction)
        elif kind in SPEND_TYPES:
            spending.append(transaction)
        country = transaction.get("recipient_country")
        if country:
            code = country.get("code")
            if code:
                countries.append(code)
        more = transaction.get("sectors")
        if more:
            sectors.extend(more)
    return found


def _counted_budgets(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The budgets a total counts: a revised budget replaces the original one of its period."""
    by_period: dict[tuple[Any, Any], dict[str, Any]] = {}
    for budget in data.get("budgets") or []:
        period = (budget.get("period_start"), budget.get("period_end"))
        if period not in by_period or budget.get("type") == "2":
            by_period[period] = budget
    return list(by_period.values())


def totals(data: dict[str, Any], found: _Transactions | None = None) -> dict[str, Decimal | None]:
    """The total columns (for sorting and filtering): in the default currency only, amounts in
    other currencies left out. Pages show ``totals_by_currency``."""
    currency = data.get("default_currency") or ""
    if found is None:
        found = _transactions(data)
    return {
        "total_budget": _total(_counted_budgets(data), currency),
        "total_commitment": _total(found.commitments, currency),
        "total_spend": _total(found.spending, currency),
    }


TOTAL_KINDS = ("budget", "commitment", "spend")


def totals_by_currency(data: dict[str, Any]) -> dict[str, dict[str, Decimal]]:
    """Every amount of the content added up by currency, for display: ``{"budget": {"USD":
    ..., "XDR": ...}, "commitment": {...}, "spend": {...}}`` (spend: disbursements and
    expenditure). An amount's currency is its own, else the activity's default currency, else
    ``""`` (not given). Nothing is converted and nothing left out; the default currency comes
    first, then the others alphabetically."""
    default = data.get("default_currency") or ""
    found = _transactions(data)
    result: dict[str, dict[str, Decimal]] = {}
    for kind, entries in zip(
        TOTAL_KINDS, (_counted_budgets(data), found.commitments, found.spending), strict=True
    ):
        sums: dict[str, Decimal] = {}
        for entry in entries:
            value = _decimal(entry.get("value"))
            if value is None or not value.is_finite():
                continue
            currency = entry.get("currency") or default
            sums[currency] = sums.get(currency, Decimal(0)) + value
        result[kind] = {
            currency: sums[currency]
            for currency in sorted(sums, key=lambda code: (code != default, code == "", code))
        }
    return result


COLUMN_NAMES = (
    "title_text",
    "status",
    "planned_start",
    "actual_start",
    "planned_end",
    "actual_end",
    "start_date",
    "end_date",
    "default_currency",
    "hierarchy",
    "last_updated_datetime",
    "total_budget",
    "total_commitment",
    "total_spend",
)


def columns(data: dict[str, Any], found: _Transactions | None = None) -> dict[str, Any]:
    """Every Activity column that is a function of the IATI content."""
    dates = activity_dates(data)
    title = pick(data.get("title"), "en")[:500]
    return {
        "title_text": title,
        "status": (data.get("activity_status") or "")[:STATUS_MAX_LENGTH],
        **dates,
        "start_date": dates["actual_start"] or dates["planned_start"],
        "end_date": dates["actual_end"] or dates["planned_end"],
        "default_currency": (data.get("default_currency") or "")[:3],
        "hierarchy": _hierarchy(data.get("hierarchy")),
        "last_updated_datetime": data.get("last_updated_datetime"),
        **totals(data, found),
    }


def _hierarchy(raw: Any) -> int | None:
    return raw if type(raw) is int and 0 <= raw <= HIERARCHY_MAX else None


def _percentage(raw: Any) -> str | None:
    """A percentage as decimal text (what the database stores for a decimal column)."""
    if (
        type(raw) is str
        and raw.isdigit()
        and raw.isascii()
        and len(raw) <= 3
        and (raw[0] != "0" or len(raw) == 1)
    ):
        return raw  # a whole number as str(Decimal(raw)) writes it
    value = _decimal(raw)
    if value is None or not _fits(value, PERCENTAGE_LIMIT, _MICRO):
        return None
    # Rounded as the column rounds it: SQLite would store all the digits and read them back
    # through a float, which can round 999.9999995 up to 1000, past the field.
    rounded = value.quantize(_MICRO)
    return str(value if rounded == value else rounded)


def country_rows(
    data: dict[str, Any], found: _Transactions | None = None
) -> list[tuple[str, str | None]]:
    rows: dict[str, str | None] = {}
    for country in data.get("recipient_countries") or []:
        code = (country.get("code") or "").upper()[:2]
        if code:
            rows[code] = _percentage(country.get("percentage"))
    # Publishers that give countries only at transaction level (IATI allows it) still get indexed.
    if found is None:
        found = _transactions(data)
    for raw in found.countries:
        code = raw.upper()[:2]
        if code and code not in rows:
            rows[code] = None
    return list(rows.items())


def region_rows(data: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [
        (
            (region.get("code") or "")[:40],
            (region.get("vocabulary") or "")[:10],
            _percentage(region.get("percentage")),
        )
        for region in data.get("recipient_regions") or []
        if region.get("code")
    ]


def sector_rows(
    data: dict[str, Any], found: _Transactions | None = None
) -> list[tuple[str, str, str | None]]:
    rows: dict[tuple[str, str], str | None] = {}
    for sector in data.get("sectors") or []:
        if sector.get("code"):
            rows[(sector["code"][:40], (sector.get("vocabulary") or "")[:10])] = _percentage(
                sector.get("percentage")
            )
    if found is None:
        found = _transactions(data)
    for sector in found.sectors:
        key = ((sector.get("code") or "")[:40], (sector.get("vocabulary") or "")[:10])
        if key[0] and key not in rows:
            rows[key] = None
    return [(code, vocabulary, percentage) for (code, vocabulary), percentage in rows.items()]


def participant_rows(data: dict[str, Any]) -> list[tuple[str | None, str, str | None, str | None]]:
    """(ref, English-or-any name, type, role) of each participating organisation."""
    return [
        (org.get("ref"), pick(org.get("name"), "en"), org.get("type"), org.get("role"))
        for org in data.get("participating_orgs") or []
    ]


class IndexRows(NamedTuple):
    """What an activity's index rows are made of (``indexing`` writes them)."""

    countries: list[tuple[str, str | None]]  # percentages as decimal text
    regions: list[tuple[str, str, str | None]]
    sectors: list[tuple[str, str, str | None]]
    participants: list[tuple[str | None, str, str | None, str | None]]


def index_rows(data: dict[str, Any], found: _Transactions | None = None) -> IndexRows:
    if found is None:
        found = _transactions(data)
    return IndexRows(
        country_rows(data, found),
        region_rows(data),
        sector_rows(data, found),
        participant_rows(data),
    )


def derive(data: dict[str, Any]) -> tuple[dict[str, Any], IndexRows]:
    """``columns(data)`` and ``index_rows(data)``, going through the transactions once."""
    found = _transactions(data)
    return columns(data, found), index_rows(data, found)


# --------------------------------------------------------------------------- tagging

# Evidence is stored and sent as compact items, not sentences: pages and the API write the
# sentences in the reader's language (``cbcoord.activities.evidence``). The tagger's items are
# its ``Evidence.to_data()`` (``EvidenceData``); these are the others, each a list whose first
# element says what it is (codes the tagger's do not use):
#: Nothing in the activity speaks for or against customs work.
NOTHING = "n"
#: A tag read from the activity's IATI file (``catalogue_tags``).
READ_FROM_FILE = "f"
#: A person's decision on relevance: ``[DECIDED, reason, who ("" for the system), day]``.
DECIDED = "p"
#: The evidence of an activity in which nothing speaks for or against customs work.
NO_EVIDENCE: EvidenceData = [NOTHING]


def decided(reason: str, who: str, day: str) -> EvidenceData:
    """The evidence item of a person's relevance decision (``who``: "" for the system)."""
    return [DECIDED, reason, who, day]


class EvidenceJson(str):
    """Evidence already written as the JSON text its column stores: what the importer's
    reader processes send (each distinct result encoded once, ``_for_pipeline``), so that
    the writer, the import's busiest process, stores it as it comes (``tags._json``)."""

    __slots__ = ()


class SuggestedTag(NamedTuple):
    code: str
    confidence: float
    evidence: list[EvidenceData]


class Tagged(NamedTuple):
    """What the tagger makes of an activity, as the database stores it: relevance, its score
    and evidence (compact items, ``EvidenceData``), the provisions suggested, and the
    catalogue tags the content itself carries (an export of cbcoord read back,
    ``catalogue_tags``). The items are lists as the JSON columns give them back."""

    relevant: bool
    score: float
    evidence: list[EvidenceData]
    suggested: list[SuggestedTag]
    read: list[catalogue_tags.ReadTag]


_tagger: Tagger | None = None
_tagger_loading = threading.Lock()


def tagger() -> Tagger:
    """The tagger of the shipped data files, loaded once per process (by one thread: the
    others of a gthread worker wait for it)."""
    global _tagger
    if _tagger is None:
        with _tagger_loading:
            if _tagger is None:
                _tagger = Tagger.from_data()
    return _tagger


def reload_tagger() -> None:
    """Read the data files again (after a coordinator has changed them)."""
    global _tagger
    Tagger.clear_cache()
    _tagger = None
    _found.clear()


def tagging_input(
    data: dict[str, Any], sectors: list[tuple[str, str, str | None]] | None = None
) -> TaggingInput:
    """What the tagger reads of an activity: its titles and descriptions (each narrative with
    its language), sectors (of the activity, else of its transactions: ``sector_rows``), tags
    and OECD DAC policy markers."""
    texts = list((data.get("title") or {}).items())
    for description in data.get("descriptions") or ():
        texts.extend((description.get("narratives") or {}).items())
    if sectors is None:
        sectors = sector_rows(data)
    return TaggingInput(
        texts=texts,
        sectors=[(vocabulary, code) for code, vocabulary, _ in sectors],
        tags=[
            (tag.get("vocabulary") or "", tag.get("code") or "")
            for tag in data.get("tags") or ()
            if tag.get("code")
        ],
        policy_markers=[
            (marker.get("code") or "", marker.get("significance") or "")
            for marker in data.get("policy_markers") or ()
            if marker.get("code") and (marker.get("vocabulary") or "1") == "1"
        ],
    )


#: What the tagger made of the last activities read, by what it reads of them: a publisher's
#: file repeats whole activities' texts and codes (a programme's title and description on the
#: project of each country it covers), and tagging costs more than reading. Forgotten all at
#: once when full, and when the data files are read again.
_found: dict[tuple[Any, ...], tuple[bool, float, list[EvidenceData], list[SuggestedTag]]] = {}
_FOUND_SIZE = 4096


def tagged(
    data: dict[str, Any], sectors: list[tuple[str, str, str | None]] | None = None
) -> Tagged:
    """Relevance and suggested provisions of an activity (``sectors``: its ``sector_rows``,
    when already worked out). The lists of the result may be shared with other activities'
    results: copy them before changing them."""
    read = tagging_input(data, sectors)
    key = (
        tuple(read.texts),
        tuple(read.sectors),
        tuple(read.tags),
        tuple(read.policy_markers),
    )
    found = _found.get(key)
    if found is None:
        result = tagger().tag(read)
        evidence = [item.to_data() for item in result.relevance_evidence] or [NO_EVIDENCE]
        found = (
            result.relevant,
            result.relevance_score,
            evidence,
            [
                SuggestedTag(tag.code, tag.confidence, [item.to_data() for item in tag.evidence])
                for tag in result.provisions
            ],
        )
        if len(_found) >= _FOUND_SIZE:
            _found.clear()
        _found[key] = found
    return Tagged(*found, catalogue_tags.read_tags(data))


# --------------------------------------------------------------------------- the readers


def _for_pipeline(content: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """The columns (in ``COLUMN_NAMES`` order, then what the tagger made of the activity) and
    index rows of ``content``, as the reader processes send them (JSON types; decimals go as
    text)."""
    columns, index = derive(content)
    values = [columns[name] for name in COLUMN_NAMES]
    found = tagged(content, index.sectors)
    # The evidence goes as its JSON text, encoded once per distinct result (``_encoded``).
    relevant, score, evidence, suggested = _encoded(found)
    values.append([relevant, score, evidence, suggested, [list(tag) for tag in found.read]])
    return values, list(index)


#: ``_for_pipeline``'s encoding of the results in ``_found``, by their identity there.
_encoded_found: dict[int, tuple[Any, list[EvidenceData], list[SuggestedTag]]] = {}


def _encoded(found: Tagged) -> tuple[bool, float, str, list[list[Any]]]:
    """``found``'s relevance and suggestions with each evidence as JSON text; the lists of
    results the memo (``_found``) shares are encoded once."""
    cached = _encoded_found.get(id(found.evidence))
    if cached is None or cached[1] is not found.evidence or cached[2] is not found.suggested:
        text = orjson.dumps(found.evidence).decode()
        tags = [
            [tag.code, tag.confidence, orjson.dumps(tag.evidence).decode()]
            for tag in found.suggested
        ]
        if len(_encoded_found) >= _FOUND_SIZE:
            _encoded_found.clear()
        cached = _encoded_found[id(found.evidence)] = (
            (text, tags),
            found.evidence,
            found.suggested,
        )
    text, tags = cached[0]
    return found.relevant, found.score, text, tags


def _for_pipeline_untagged(content: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """``_for_pipeline`` without the tagger (``iati_import(tagging=False)``)."""
    columns, index = derive(content)
    return [columns[name] for name in COLUMN_NAMES], list(index)


_DECIMAL_COLUMNS = frozenset({"total_budget", "total_commitment", "total_spend"})


def _from_pipeline(values: list[Any], index: list[Any]) -> tuple[dict[str, Any], IndexRows]:
    """What ``_for_pipeline`` sent, as the importer writes it: the columns, and under
    ``"tagging"`` a ``Tagged``."""
    columns = dict(zip(COLUMN_NAMES, values, strict=False))
    for key in _DECIMAL_COLUMNS:
        if columns[key] is not None:
            columns[key] = Decimal(columns[key])
    stamp = columns["last_updated_datetime"]  # as the parser writes it: isoformat()
    columns["last_updated_datetime"] = dt.datetime.fromisoformat(stamp) if stamp else None
    if len(values) == len(COLUMN_NAMES):
        columns["tagging"] = None  # not tagged: _for_pipeline_untagged
        return columns, IndexRows(*index)
    relevant, score, evidence, suggested, read = values[len(COLUMN_NAMES)]
    # The evidence arrives as JSON text (``_encoded``) and is stored as it is.
    columns["tagging"] = Tagged(
        relevant,
        score,
        cast(list[EvidenceData], EvidenceJson(evidence)),
        [
            SuggestedTag(code, confidence, cast(list[EvidenceData], EvidenceJson(text)))
            for code, confidence, text in suggested
        ],
        [catalogue_tags.ReadTag(*tag) for tag in read],
    )
    return columns, IndexRows(*index)


#: How the importer's reader processes derive the columns and index rows of what they read.
PIPELINE = Derivation(_for_pipeline, _from_pipeline)
#: The same without the tagger: the benchmark's yardstick for what tagging costs an import.
PIPELINE_UNTAGGED = Derivation(_for_pipeline_untagged, _from_pipeline)
