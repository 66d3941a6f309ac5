"""Writes on activities: hand edits, the publisher's held-back version, visibility.

Changes take the activity its door returned (``selectors.activity_get_for_edit``); entering
one checks its door first (``selectors.activity_create_allowed``). Edits change
``Activity.data`` (the IATI content, ``ParsedActivity.to_dict()`` without warnings and source
line), then recompute the columns (``derive.columns``) and the index rows
(``indexing.write_index_rows``) in the same transaction, as the importer does.

An edit is a dict with any of these keys (lists replace the whole list):

- ``title``, ``description``: ``{language: text}`` for en/es/fr/pt; an empty text removes that
  language, other languages already in the content are kept;
- ``activity_status``, ``default_currency``: codes;
- ``planned_start``, ``actual_start``, ``planned_end``, ``actual_end``: dates (or ISO strings),
  None removes;
- ``recipient_countries``: ``[{code, percentage}]``; ``sectors``: ``[{code, vocabulary,
  percentage}]``; ``budgets``: ``[{type, status, period_start, period_end, value, currency,
  value_date}]``; ``transactions``: ``[{type, date, value, currency, value_date}]``;
  ``participating_orgs``: ``[{ref, name, role, type}]``.

  A row may carry ``index``: the 0-based position of the existing item it edits (its other
  IATI content, e.g. a transaction's provider organisation, is kept); ``index: None`` is a new
  item; without the key, rows edit the existing items in order.
- ``visibility``, ``visible_to`` (organisations): on update only; see ``activity_set_visibility``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor, user_record
from cbcoord.activities import derive
from cbcoord.activities.indexing import content_hash, write_index_rows
from cbcoord.activities.models import Activity, Origin, Visibility
from cbcoord.activities.selectors import activity_create_allowed
from cbcoord.core.errors import ServiceError
from cbcoord.core.services import save_as
from cbcoord.core.validators import NOT_IN_XML
from cbcoord.iati import codelists
from cbcoord.iati.records import (
    ActivityDate,
    Budget,
    Description,
    ExtraContent,
    OrgRef,
    ParsedActivity,
    ParticipatingOrg,
    RecipientCountry,
    Sector,
    Transaction,
)
from cbcoord.registry.models import Organisation

LANGUAGES = ("en", "es", "fr", "pt")
DATE_FIELDS = {"planned_start": "1", "actual_start": "2", "planned_end": "3", "actual_end": "4"}
CONTENT_FIELDS = frozenset(
    {
        "title",
        "description",
        "activity_status",
        "default_currency",
        *DATE_FIELDS,
        "recipient_countries",
        "sectors",
        "budgets",
        "transactions",
        "participating_orgs",
    }
)
UPDATE_FIELDS = CONTENT_FIELDS | {"visibility", "visible_to"}
GENERAL_DESCRIPTION = "1"
ACCOUNTABLE_ROLE = "2"

_T = TypeVar("_T")


# --------------------------------------------------------------------------- public services


@transaction.atomic
def activity_create(
    *,
    user: Actor | None,
    reporting_org: Organisation,
    data: Mapping[str, Any],
    visibility: str = Visibility.COORDINATION,
    visible_to: Iterable[Organisation] = (),
) -> Activity:
    """Enter an activity by hand (origin manual). ``data`` holds ``iati_identifier`` and the
    edit keys of the module docstring; title, description, status and a start date are needed
    for a valid IATI activity. Without participating organisations the reporting organisation
    is recorded as the accountable one."""
    activity_create_allowed(user=user, organisation=reporting_org)
    data = dict(data)
    _check_characters(data)
    identifier = _check_identifier(data.pop("iati_identifier", ""), reporting_org)
    _refuse_unknown(data, CONTENT_FIELDS)
    _check_visibility(visibility)
    parsed = ParsedActivity(
        iati_identifier=identifier,
        reporting_org=OrgRef(
            ref=reporting_org.iati_org_id or None,
            type=reporting_org.iati_org_type or None,
            name={"en": reporting_org.name},
        ),
    )
    if not data.get("participating_orgs"):
        data["participating_orgs"] = [
            {
                "ref": reporting_org.iati_org_id,
                "name": reporting_org.name,
                "role": ACCOUNTABLE_ROLE,
                "type": reporting_org.iati_org_type,
            }
        ]
    _apply_content(parsed, data)
    _check_required(parsed)
    activity = Activity(
        iati_identifier=identifier,
        reporting_org=reporting_org,
        origin=Origin.MANUAL,
        visibility=visibility,
        created_by=user_record(user),
    )
    _store(activity, parsed, user, new=True)
    if visible_to:
        activity.visible_to.set(list(visible_to))
    return activity


@transaction.atomic
def activity_update(
    *, user: Actor | None, activity: Activity, changes: Mapping[str, Any]
) -> Activity:
    """Apply a hand edit to ``activity`` (from ``selectors.activity_get_for_edit``). Imported
    activities become ``hand_edited``: later imports hold the publisher's newer versions back
    instead of overwriting the edit."""
    changes = dict(changes)
    _refuse_unknown(changes, UPDATE_FIELDS)
    _check_characters(changes)
    visibility = changes.pop("visibility", None)
    visible_to = changes.pop("visible_to", None)
    if visibility is not None or visible_to is not None:
        _set_visibility(activity, visibility or activity.visibility, visible_to)
    if changes:
        parsed = _parsed(activity.data, activity)
        _apply_content(parsed, changes)
        _check_required(parsed, only=set(changes))
        if activity.origin == Origin.IMPORT:
            activity.hand_edited = True
        _store(activity, parsed, user, new=False)
    elif visibility is not None:
        save_as(activity, user)
    return activity


@transaction.atomic
def activity_take_publisher_version(*, user: Actor | None, activity: Activity) -> Activity:
    """Apply the publisher's version that an import held back, dropping the hand edits
    (``activity`` from ``selectors.activity_get_for_edit``)."""
    if not activity.publisher_data:
        raise ServiceError(
            _("There is no held-back publisher version of this activity."), field="publisher_data"
        )
    data = activity.publisher_data
    activity.data = data
    activity.warnings = activity.publisher_warnings or []
    activity.publisher_data = None
    activity.publisher_warnings = None
    activity.hand_edited = False
    activity.content_hash = content_hash(data)
    _set_columns(activity, data)
    save_as(activity, user)
    write_index_rows([activity], replace=[activity.pk])
    return activity


@transaction.atomic
def activity_set_visibility(
    *,
    user: Actor | None,
    activity: Activity,
    visibility: str,
    visible_to: Iterable[Organisation] | None = None,
) -> Activity:
    """Change who may read ``activity`` (from ``selectors.activity_get_for_edit``);
    ``visible_to`` (None: unchanged) names the organisations of the "named organisations"
    level."""
    _set_visibility(activity, visibility, visible_to)
    save_as(activity, user)
    return activity


# --------------------------------------------------------------------------- checks


def _refuse_unknown(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    for key in data:
        if key not in allowed:
            raise ServiceError(
                _("%(field)s: this field cannot be changed here.") % {"field": key}, field=key
            )


def _check_visibility(visibility: str) -> None:
    if visibility not in Visibility.values:
        raise ServiceError(
            _("visibility: %(value)s is not a visibility level.") % {"value": visibility},
            field="visibility",
        )


def _set_visibility(
    activity: Activity, visibility: str, visible_to: Iterable[Organisation] | None
) -> None:
    _check_visibility(visibility)
    activity.visibility = visibility
    if visible_to is not None:
        organisations = list(visible_to)
        for organisation in organisations:
            if not isinstance(organisation, Organisation):
                raise ServiceError(_("visible_to: expected organisations."), field="visible_to")
        activity.visible_to.set(organisations)


def _check_identifier(raw: Any, reporting_org: Organisation) -> str:
    identifier = str(raw or "").strip()
    if not identifier:
        raise ServiceError(
            _("iati_identifier: an IATI identifier is needed."), field="iati_identifier"
        )
    if len(identifier) > 255 or any(character.isspace() for character in identifier):
        raise ServiceError(
            _("iati_identifier: at most 255 characters, without spaces."), field="iati_identifier"
        )
    prefix = reporting_org.iati_org_id
    if prefix and not identifier.startswith(prefix):
        raise ServiceError(
            _(
                "iati_identifier: IATI identifiers begin with the reporting organisation's "
                "identifier (%(prefix)s)."
            )
            % {"prefix": prefix},
            field="iati_identifier",
        )
    if Activity.objects.filter(iati_identifier=identifier).exists():
        raise ServiceError(
            _("iati_identifier: an activity with this identifier already exists."),
            field="iati_identifier",
        )
    return identifier


def _codes(codelist: str) -> frozenset[str] | None:
    """The codes of a shipped codelist, or None when it is not shipped."""
    return codelists.codes(codelist) or None


def _check_code(value: str | None, codelist: str, field: str) -> None:
    if not value:
        return
    codes = _codes(codelist)
    if codes is not None and value not in codes:
        raise ServiceError(
            _("%(field)s: %(code)s is not a code of the IATI %(codelist)s codelist.")
            % {"field": field, "code": value, "codelist": codelist},
            field=field,
        )


def _check_required(parsed: ParsedActivity, only: set[str] | None = None) -> None:
    """What the IATI schema needs of an activity, checked for the parts being edited."""

    def concerned(*fields: str) -> bool:
        return only is None or bool(only.intersection(fields))

    if concerned("title") and not parsed.title:
        raise ServiceError(_("title: give a title in at least one language."), field="title")
    if concerned("description") and not any(d.narratives for d in parsed.descriptions):
        raise ServiceError(
            _("description: give a description in at least one language."), field="description"
        )
    if concerned("activity_status") and not parsed.activity_status:
        raise ServiceError(_("activity_status: choose a status."), field="activity_status")
    if concerned(*DATE_FIELDS) and not any(
        d.type in ("1", "2") and d.iso_date for d in parsed.activity_dates
    ):
        raise ServiceError(
            _("planned_start: give a planned or actual start date."), field="planned_start"
        )
    if concerned("participating_orgs") and not parsed.participating_orgs:
        raise ServiceError(
            _("participating_orgs: name at least one participating organisation."),
            field="participating_orgs",
        )


def _check_percentages(values: Sequence[Decimal | None], field: str) -> None:
    given = [value for value in values if value is not None]
    for value in given:
        if not Decimal(0) <= value <= Decimal(100):
            raise ServiceError(
                _("%(field)s: percentages are between 0 and 100.") % {"field": field}, field=field
            )
    if given and abs(sum(given, Decimal(0)) - Decimal(100)) > Decimal("0.01"):
        raise ServiceError(
            _("%(field)s: the percentages must add up to 100.") % {"field": field}, field=field
        )


# --------------------------------------------------------------------------- value parsing


def _check_characters(data: Mapping[str, Any]) -> None:
    """Refuse text an IATI file could not hold, naming the field."""

    def check(value: Any, field: str) -> None:
        if isinstance(value, str):
            found = NOT_IN_XML.search(value)
            if found:
                raise ServiceError(
                    _(
                        "%(field)s contains a character that an IATI file cannot hold "
                        "(U+%(code)04X); remove it."
                    )
                    % {"field": field, "code": ord(found.group())},
                    field=field,
                )
        elif isinstance(value, Mapping):
            for key, item in value.items():
                check(key, field)
                check(item, field)
        elif isinstance(value, list | tuple):
            for item in value:
                check(item, field)

    for field, value in data.items():
        check(field, "data")
        check(value, field)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _optional(value: Any) -> str | None:
    return _text(value) or None


def _date(value: Any, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise ServiceError(
            _("%(field)s: %(value)s is not a date (YYYY-MM-DD).")
            % {"field": field, "value": value},
            field=field,
        ) from error


def _decimal(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ServiceError(
            _("%(field)s: %(value)s is not a number.") % {"field": field, "value": value},
            field=field,
        ) from error
    if not number.is_finite():
        raise ServiceError(
            _("%(field)s: %(value)s is not a number.") % {"field": field, "value": value},
            field=field,
        )
    return number


def _check_period(start: dt.date | None, end: dt.date | None, field: str) -> None:
    if start is not None and end is not None and end < start:
        raise ServiceError(
            _("%(field)s: the end cannot be before the start.") % {"field": field}, field=field
        )


# --------------------------------------------------------------------------- applying edits


def _parsed(data: Mapping[str, Any], activity: Activity) -> ParsedActivity:
    content = dict(data)
    content.setdefault("iati_identifier", activity.iati_identifier)
    if "reporting_org" not in content:
        organisation = activity.reporting_org
        content["reporting_org"] = {
            "ref": organisation.iati_org_id or None,
            "type": organisation.iati_org_type or None,
            "name": {"en": organisation.name},
        }
    return ParsedActivity.from_dict(content)


def _narratives(
    current: dict[str, str], given: Any, field: str
) -> tuple[dict[str, str], dict[int, int]]:
    """New narratives, and how the old 1-based positions map to the new ones."""
    if not isinstance(given, Mapping):
        raise ServiceError(
            _("%(field)s: expected texts by language (en, es, fr, pt).") % {"field": field},
            field=field,
        )
    for language in given:
        if language not in LANGUAGES:
            raise ServiceError(
                _("%(field)s: %(language)s is not one of en, es, fr, pt.")
                % {"field": field, "language": language},
                field=field,
            )
    result = dict(current)
    for language, text in given.items():
        text = _text(text)
        if text:
            result[language] = text
        else:
            result.pop(language, None)
    new_positions = {language: i for i, language in enumerate(result, start=1)}
    moves = {
        i: new_positions[language]
        for i, language in enumerate(current, start=1)
        if language in new_positions
    }
    return result, moves


def _move_extras(parsed: ParsedActivity, prefix: str, moves: Mapping[int, int]) -> None:
    """Re-key ``extra_content`` under ``prefix[n]`` after list items moved or went away.

    ``prefix`` is a path such as ``transaction`` or ``title/narrative``; extras of items not in
    ``moves`` are dropped, so nothing is put back onto the wrong item on export.
    """
    pattern = re.compile(rf"^{re.escape(prefix)}\[(\d+)\](.*)$")
    kept: list[ExtraContent] = []
    for extra in parsed.extra_content:
        match = pattern.match(extra.path)
        if match is None:
            kept.append(extra)
            continue
        new = moves.get(int(match.group(1)))
        if new is not None:
            kept.append(
                ExtraContent(f"{prefix}[{new}]{match.group(2)}", extra.attributes, extra.elements)
            )
    parsed.extra_content = kept


def _merge_rows(
    parsed: ParsedActivity,
    existing: list[_T],
    rows: Any,
    field: str,
    tag: str,
    build: Callable[[_T | None, Mapping[str, Any], str], _T],
) -> list[_T]:
    if not isinstance(rows, list | tuple):
        raise ServiceError(_("%(field)s: expected a list.") % {"field": field}, field=field)
    result: list[_T] = []
    moves: dict[int, int] = {}
    used: set[int] = set()
    for position, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ServiceError(
                _("%(field)s: expected a list of objects.") % {"field": field}, field=field
            )
        index = row.get("index", position)
        old: _T | None = None
        if index is not None:
            try:
                index = int(index)
            except (TypeError, ValueError) as error:
                raise ServiceError(
                    _("%(field)s: bad row index.") % {"field": field}, field=field
                ) from error
            if 0 <= index < len(existing) and index not in used:
                old = existing[index]
                used.add(index)
                moves[index + 1] = len(result) + 1
        result.append(build(old, row, f"{field}[{position}]"))
    _move_extras(parsed, tag, moves)
    return result


def _country(old: RecipientCountry | None, row: Mapping[str, Any], field: str) -> RecipientCountry:
    code = _text(row.get("code")).upper()
    if not code:
        raise ServiceError(
            _("%(field)s: give a country code.") % {"field": field}, field="recipient_countries"
        )
    _check_code(code, "Country", "recipient_countries")
    percentage = _decimal(row.get("percentage"), "recipient_countries")
    narrative = old.narrative if old is not None and old.code == code else {}
    return RecipientCountry(code=code, percentage=percentage, narrative=narrative)


def _sector(old: Sector | None, row: Mapping[str, Any], field: str) -> Sector:
    code = _text(row.get("code"))
    vocabulary = _optional(row.get("vocabulary"))
    if not code:
        raise ServiceError(_("%(field)s: give a sector code.") % {"field": field}, field="sectors")
    if vocabulary in (None, "1"):
        _check_code(code, "Sector", "sectors")
    elif vocabulary == "2":
        _check_code(code, "SectorCategory", "sectors")
    percentage = _decimal(row.get("percentage"), "sectors")
    same = old is not None and old.code == code and old.vocabulary == vocabulary
    return Sector(
        code=code,
        vocabulary=vocabulary,
        vocabulary_uri=old.vocabulary_uri if same and old is not None else None,
        percentage=percentage,
        narrative=old.narrative if same and old is not None else {},
    )


def _budget(old: Budget | None, row: Mapping[str, Any], field: str) -> Budget:
    kind = _optional(row.get("type")) or (old.type if old else None) or "1"
    status = _optional(row.get("status")) or (old.status if old else None) or "1"
    if kind not in ("1", "2"):
        raise ServiceError(
            _("budgets: the budget type is 1 (original) or 2 (revised)."), field="budgets"
        )
    if status not in ("1", "2"):
        raise ServiceError(
            _("budgets: the budget status is 1 (indicative) or 2 (committed)."), field="budgets"
        )
    start = _date(row.get("period_start"), "budgets")
    end = _date(row.get("period_end"), "budgets")
    value = _decimal(row.get("value"), "budgets")
    if start is None or end is None or value is None:
        raise ServiceError(
            _("budgets: each budget needs a period start, a period end and a value."),
            field="budgets",
        )
    _check_period(start, end, "budgets")
    currency = _optional(row.get("currency"))
    currency = currency.upper() if currency else None
    _check_code(currency, "Currency", "budgets")
    value_date = (
        _date(row.get("value_date"), "budgets") or (old.value_date if old else None) or start
    )
    return Budget(
        type=kind,
        status=status,
        period_start=start,
        period_end=end,
        value=value,
        currency=currency,
        value_date=value_date,
    )


def _transaction(old: Transaction | None, row: Mapping[str, Any], field: str) -> Transaction:
    kind = _text(row.get("type"))
    day = _date(row.get("date"), "transactions")
    value = _decimal(row.get("value"), "transactions")
    if not kind or day is None or value is None:
        raise ServiceError(
            _("transactions: each transaction needs a type, a date and a value."),
            field="transactions",
        )
    _check_code(kind, "TransactionType", "transactions")
    currency = _optional(row.get("currency"))
    currency = currency.upper() if currency else None
    _check_code(currency, "Currency", "transactions")
    value_date = (
        _date(row.get("value_date"), "transactions") or (old.value_date if old else None) or day
    )
    if old is not None:
        return dataclasses.replace(
            old, type=kind, date=day, value=value, currency=currency, value_date=value_date
        )
    return Transaction(
        ref=None,
        humanitarian=None,
        type=kind,
        date=day,
        value=value,
        currency=currency,
        value_date=value_date,
        description={},
        provider_org=None,
        receiver_org=None,
        disbursement_channel=None,
        sectors=[],
        recipient_country=None,
        recipient_region=None,
        flow_type=None,
        finance_type=None,
        aid_types=[],
        tied_status=None,
    )


def _participant(
    old: ParticipatingOrg | None, row: Mapping[str, Any], field: str
) -> ParticipatingOrg:
    ref = _optional(row.get("ref"))
    raw_name = row.get("name")
    if isinstance(raw_name, Mapping):
        name = {str(k): _text(v) for k, v in raw_name.items() if _text(v)}
    else:
        text = _text(raw_name)
        if old is not None and text and text in old.name.values():
            name = old.name
        else:
            name = {"en": text} if text else {}
    role = _text(row.get("role"))
    org_type = _optional(row.get("type"))
    if not role:
        raise ServiceError(
            _("participating_orgs: each organisation needs a role."), field="participating_orgs"
        )
    _check_code(role, "OrganisationRole", "participating_orgs")
    _check_code(org_type, "OrganisationType", "participating_orgs")
    if not ref and not name:
        raise ServiceError(
            _("participating_orgs: give an identifier or a name."), field="participating_orgs"
        )
    return ParticipatingOrg(
        ref=ref,
        type=org_type,
        role=role,
        activity_id=old.activity_id if old is not None else None,
        crs_channel_code=old.crs_channel_code if old is not None else None,
        name=name,
    )


def _apply_dates(parsed: ParsedActivity, changes: Mapping[str, Any]) -> None:
    for field, code in DATE_FIELDS.items():
        if field not in changes:
            continue
        day = _date(changes[field], field)
        dates = parsed.activity_dates
        positions = [i for i, entry in enumerate(dates) if entry.type == code]
        if day is None:
            keep = [i for i in range(len(dates)) if i not in positions]
            _move_extras(
                parsed, "activity-date", {old + 1: new + 1 for new, old in enumerate(keep)}
            )
            parsed.activity_dates = [dates[i] for i in keep]
        elif positions:
            dates[positions[0]].iso_date = day
        else:
            dates.append(ActivityDate(type=code, iso_date=day, narrative={}))
    found = derive.activity_dates(
        {
            "activity_dates": [
                {"type": d.type, "iso_date": d.iso_date} for d in parsed.activity_dates
            ]
        }
    )
    _check_period(found["planned_start"], found["planned_end"], "planned_end")  # type: ignore[arg-type]
    _check_period(found["actual_start"], found["actual_end"], "actual_end")  # type: ignore[arg-type]


def _apply_content(parsed: ParsedActivity, changes: Mapping[str, Any]) -> None:
    if "title" in changes:
        parsed.title, moves = _narratives(parsed.title, changes["title"], "title")
        _move_extras(parsed, "title/narrative", moves)
    if "description" in changes:
        _apply_description(parsed, changes["description"])
    if "activity_status" in changes:
        status = _optional(changes["activity_status"])
        _check_code(status, "ActivityStatus", "activity_status")
        parsed.activity_status = status
    if "default_currency" in changes:
        currency = _optional(changes["default_currency"])
        currency = currency.upper() if currency else None
        _check_code(currency, "Currency", "default_currency")
        parsed.default_currency = currency
    _apply_dates(parsed, changes)
    if "recipient_countries" in changes:
        parsed.recipient_countries = _merge_rows(
            parsed,
            parsed.recipient_countries,
            changes["recipient_countries"],
            "recipient_countries",
            "recipient-country",
            _country,
        )
        codes = [c.code for c in parsed.recipient_countries]
        if len(codes) != len(set(codes)):
            raise ServiceError(
                _("recipient_countries: a country is listed twice."), field="recipient_countries"
            )
        _check_percentages(
            [c.percentage for c in parsed.recipient_countries]
            + [r.percentage for r in parsed.recipient_regions],
            "recipient_countries",
        )
    if "sectors" in changes:
        parsed.sectors = _merge_rows(
            parsed, parsed.sectors, changes["sectors"], "sectors", "sector", _sector
        )
        by_vocabulary: dict[str | None, list[Decimal | None]] = {}
        for sector in parsed.sectors:
            by_vocabulary.setdefault(sector.vocabulary or "1", []).append(sector.percentage)
        for percentages in by_vocabulary.values():
            _check_percentages(percentages, "sectors")
    if "budgets" in changes:
        parsed.budgets = _merge_rows(
            parsed, parsed.budgets, changes["budgets"], "budgets", "budget", _budget
        )
    if "transactions" in changes:
        parsed.transactions = _merge_rows(
            parsed,
            parsed.transactions,
            changes["transactions"],
            "transactions",
            "transaction",
            _transaction,
        )
    if "participating_orgs" in changes:
        parsed.participating_orgs = _merge_rows(
            parsed,
            parsed.participating_orgs,
            changes["participating_orgs"],
            "participating_orgs",
            "participating-org",
            _participant,
        )


def _apply_description(parsed: ParsedActivity, given: Any) -> None:
    position = next(
        (i for i, d in enumerate(parsed.descriptions) if d.type in (None, GENERAL_DESCRIPTION)),
        None,
    )
    if position is None:
        narratives, _moves = _narratives({}, given, "description")
        if narratives:
            parsed.descriptions.insert(
                0, Description(type=GENERAL_DESCRIPTION, narratives=narratives)
            )
            count = len(parsed.descriptions)
            _move_extras(parsed, "description", {i: i + 1 for i in range(1, count)})
        return
    description = parsed.descriptions[position]
    narratives, moves = _narratives(description.narratives, given, "description")
    _move_extras(parsed, f"description[{position + 1}]/narrative", moves)
    if narratives:
        description.narratives = narratives
        return
    keep = [i for i in range(len(parsed.descriptions)) if i != position]
    _move_extras(parsed, "description", {old + 1: new + 1 for new, old in enumerate(keep)})
    parsed.descriptions = [parsed.descriptions[i] for i in keep]


# --------------------------------------------------------------------------- storing


def _set_columns(activity: Activity, data: Mapping[str, Any]) -> None:
    values = derive.columns(dict(data))
    stamp = values.get("last_updated_datetime")
    values["last_updated_datetime"] = parse_datetime(stamp) if isinstance(stamp, str) else stamp
    for field, value in values.items():
        if field in DATE_FIELDS and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        if field in ("start_date", "end_date") and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        setattr(activity, field, value)


def _store(activity: Activity, parsed: ParsedActivity, user: Actor | None, *, new: bool) -> None:
    parsed.last_updated_datetime = timezone.now().replace(microsecond=0)
    data = parsed.content_dict()
    activity.data = data
    activity.content_hash = content_hash(data)
    _set_columns(activity, data)
    save_as(activity, user)
    write_index_rows([activity], replace=[] if new else [activity.pk])
