"""Writes on activities: hand entry and edits, the publisher's held-back version, visibility.

Changes take the activity its door returned (``selectors.activity_get_for_edit``); entering
one checks its door first (``selectors.activity_create_allowed``). What may be entered or
changed is a typed edit (``cbcoord.activities.edits``: ``ActivityNew``, ``ActivityEdit``),
which has checked its own values already; here it is applied to ``Activity.data`` (the IATI
content, ``ParsedActivity.content_dict()``), keeping what the edit does not show (a row with
``index`` keeps the rest of the item it edits, and ``extra_content`` follows items that moved),
and what needs the stored activity or the database is checked: the identifier's prefix
(``registry.identifiers``) before whether it is taken, the organisations named, and that the
activity is still a valid IATI activity once edited. Every problem found is reported at once
(``ServiceError.problems``). Then the columns (``derive.columns``) and the index rows
(``indexing.write_index_rows``) follow, in the same transaction, as the importer does.

A hand edit stamps ``edited_at``; it keeps the publisher's last-updated-datetime of an
imported activity (an activity entered by hand has cbcoord as its publisher, and is stamped).
Each history entry records the parts of the content it changed (``Activity._changed_parts``).

Every change of the content tags the activity again (``cbcoord.tagging``, through
``derive.tagged`` and ``tags``), as an import does. Reviewing tags (confirm, reject, add) and
deciding relevance take the activity or tag their doors returned
(``selectors.activity_get_for_review``, ``selectors.activity_tag_get_for_review``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor, user_record
from cbcoord.activities import derive, tags
from cbcoord.activities.edits import (
    CONTENT_FIELDS,
    DATE_FIELDS,
    PERCENT_TOLERANCE,
    ActivityEdit,
    ActivityNew,
    BudgetRow,
    CountryRow,
    Language,
    ParticipantRow,
    RegionRow,
    SectorRow,
    TransactionRow,
)
from cbcoord.activities.indexing import content_hash, write_index_rows
from cbcoord.activities.models import (
    CONTENT_PARTS,
    Activity,
    ActivityProvision,
    DecidedBy,
    Origin,
    TagSource,
    TagStatus,
    Visibility,
)
from cbcoord.activities.selectors import activity_create_allowed
from cbcoord.core.errors import ServiceError
from cbcoord.core.services import save_as
from cbcoord.frameworks.models import Provision
from cbcoord.iati.records import (
    ActivityDate,
    Budget,
    Description,
    ExtraContent,
    OrgRef,
    ParsedActivity,
    ParticipatingOrg,
    RecipientCountry,
    RecipientRegion,
    Sector,
    Transaction,
)
from cbcoord.registry.identifiers import identifier_prefixes, prefix_owners
from cbcoord.registry.models import Organisation
from cbcoord.registry.selectors import organisation_visible

GENERAL_DESCRIPTION = "1"
ACCOUNTABLE_ROLE = "2"
#: Content keys whose change is no change of substance (the stamp; extras that followed items).
_NOT_PARTS = frozenset({"last_updated_datetime", "extra_content", "iati_identifier"})

_DATE_COLUMNS = frozenset({*DATE_FIELDS, "start_date", "end_date"})

_T = TypeVar("_T")
_R = TypeVar("_R")
Problems = list[tuple[str | None, str]]


# --------------------------------------------------------------------------- public services


@transaction.atomic
def activity_create(*, user: Actor | None, new: ActivityNew) -> Activity:
    """Enter an activity by hand (origin manual), reported by the organisation whose key
    ``new.reporting_org`` is. Without participating organisations the reporting organisation
    is recorded as the accountable one."""
    reporting_org = _reporting_org(user, new.reporting_org)
    activity_create_allowed(user=user, organisation=reporting_org)
    problems = identifier_problems(new.iati_identifier, reporting_org)
    visible_to = _organisations(user, new.visible_to, problems)
    parsed = ParsedActivity(
        iati_identifier=new.iati_identifier,
        reporting_org=OrgRef(
            ref=reporting_org.iati_org_id or None,
            type=reporting_org.iati_org_type or None,
            name={"en": reporting_org.name},
        ),
    )
    _apply(parsed, new, CONTENT_FIELDS)
    if not parsed.participating_orgs:
        parsed.participating_orgs = [
            ParticipatingOrg(
                ref=reporting_org.iati_org_id or None,
                type=reporting_org.iati_org_type or None,
                role=ACCOUNTABLE_ROLE,
                name={"en": reporting_org.name},
            )
        ]
    _check_valid(parsed, CONTENT_FIELDS, problems)
    _raise(problems)
    activity = Activity(
        iati_identifier=new.iati_identifier,
        reporting_org=reporting_org,
        origin=Origin.MANUAL,
        visibility=new.visibility,
        created_by=user_record(user),
    )
    _store(activity, parsed, user, new=True, parts=[])
    if visible_to:
        activity.visible_to.set(visible_to)
    return activity


@transaction.atomic
def activity_update(*, user: Actor | None, activity: Activity, edit: ActivityEdit) -> Activity:
    """Apply a hand edit to ``activity`` (from ``selectors.activity_get_for_edit``): the fields
    ``edit`` was given. Imported activities become ``hand_edited``: later imports hold the
    publisher's newer versions back instead of overwriting the edit."""
    given = edit.given()
    content = given & CONTENT_FIELDS
    problems: Problems = []
    visible_to = (
        _organisations(user, edit.visible_to or [], problems) if "visible_to" in given else None
    )
    parsed = _parsed(activity)
    before = parsed.content_dict()
    _apply(parsed, edit, content)
    _check_valid(parsed, content, problems)
    _raise(problems)
    access: list[str] = []  # the visibility column speaks for itself in the history
    if visible_to is not None:
        current = set(activity.visible_to.values_list("pk", flat=True))
        if current != {organisation.pk for organisation in visible_to}:
            activity.visible_to.set(visible_to)
            access.append("visible_to")
    new_level = edit.visibility is not None and edit.visibility != activity.visibility
    if edit.visibility is not None:
        activity.visibility = edit.visibility
    parts = changed_parts(before, parsed.content_dict()) if content else []
    if parts:
        if activity.origin == Origin.IMPORT:
            activity.hand_edited = True
        _store(activity, parsed, user, new=False, parts=parts + access)
    elif access or new_level:
        activity._changed_parts = access  # type: ignore[attr-defined]
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
    activity._changed_parts = changed_parts(  # type: ignore[attr-defined]
        _parsed(activity).content_dict(), data
    )
    activity.data = data
    activity.warnings = activity.publisher_warnings or []
    activity.publisher_data = None
    activity.publisher_warnings = None
    activity.hand_edited = False
    activity.edited_at = None
    activity.content_hash = content_hash(data)
    _set_columns(activity, data)
    tagged = _set_relevance(activity, data)
    save_as(activity, user)
    write_index_rows([activity], replace=[activity.pk])
    tags.write_tags([(activity.pk, tagged)], replace=[activity.pk])
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
    if visibility not in Visibility.values:
        raise ServiceError(
            _("%(value)s is not a visibility level.") % {"value": visibility}, field="visibility"
        )
    activity.visibility = visibility
    if visible_to is not None:
        activity.visible_to.set(list(visible_to))
        activity._changed_parts = ["visible_to"]  # type: ignore[attr-defined]
    save_as(activity, user)
    return activity


# --------------------------------------------------------------------------- checks


def identifier_problems(identifier: str, organisation: Organisation) -> Problems:
    """Why ``organisation`` may not enter an activity ``identifier`` (none: it may).

    The IATI rule first: the identifier begins with the organisation's own prefix
    (``registry.identifiers``), and not with a longer one of another organisation. Only then is
    it looked up, so that an identifier outside one's namespace gets the same answer whether
    another publisher's (perhaps hidden) activity has it or not."""
    prefixes = identifier_prefixes(organisation)
    longest, owners = prefix_owners(identifier)
    if organisation not in owners or identifier == longest:
        choices = " / ".join(f"{prefix}-…" for prefix in prefixes)
        return [
            (
                "iati_identifier",
                _(
                    "IATI identifiers begin with the reporting organisation's identifier: "
                    "%(prefixes)s for %(organisation)s."
                )
                % {"prefixes": choices, "organisation": organisation.name},
            )
        ]
    if Activity.objects.filter(iati_identifier=identifier).exists():
        return [("iati_identifier", _("An activity with this identifier already exists."))]
    return []


def _reporting_org(user: Actor | None, key: str) -> Organisation:
    organisation = organisation_visible(user).filter(key=key).first()
    if organisation is None:
        raise ServiceError(
            _("There is no organisation %(key)s.") % {"key": key}, field="reporting_org"
        )
    return organisation


def _organisations(
    user: Actor | None, keys: Sequence[str], problems: Problems
) -> list[Organisation]:
    found = {o.key: o for o in organisation_visible(user).filter(key__in=list(keys))}
    for position, key in enumerate(keys):
        if key not in found:
            problems.append(
                (f"visible_to.{position}", _("There is no organisation %(key)s.") % {"key": key})
            )
    return [found[key] for key in dict.fromkeys(keys) if key in found]


def _raise(problems: Problems) -> None:
    if problems:
        raise ServiceError(problems=problems)


def _check_valid(
    parsed: ParsedActivity, edited: set[str] | frozenset[str], problems: Problems
) -> None:
    """What the IATI schema and rules need of the whole activity, for the parts edited."""
    if "title" in edited and not parsed.title:
        problems.append(("title", _("Give a title in at least one language.")))
    if "description" in edited and not any(d.narratives for d in parsed.descriptions):
        problems.append(("description", _("Give a description in at least one language.")))
    if "activity_status" in edited and not parsed.activity_status:
        problems.append(("activity_status", _("Choose a status.")))
    if edited & DATE_FIELDS.keys():
        dates: dict[str | None, dt.date] = {
            d.type: d.iso_date for d in reversed(parsed.activity_dates) if d.iso_date
        }
        if not (dates.get("1") or dates.get("2")):
            problems.append(("planned_start", _("Give a planned or an actual start date.")))
        for start, end, field in (("1", "3", "planned_end"), ("2", "4", "actual_end")):
            if start in dates and end in dates and dates[end] < dates[start]:
                problems.append((field, _("The end cannot be before the start.")))
    if "participating_orgs" in edited and not parsed.participating_orgs:
        problems.append(("participating_orgs", _("Name at least one participating organisation.")))
    if edited & {"recipient_countries", "recipient_regions"}:
        given = [
            percentage
            for percentage in [
                *(country.percentage for country in parsed.recipient_countries),
                *(region.percentage for region in parsed.recipient_regions),
            ]
            if percentage is not None
        ]
        total = sum(given, Decimal(0))
        if given and abs(total - 100) > PERCENT_TOLERANCE:
            field = (
                "recipient_countries" if "recipient_countries" in edited else "recipient_regions"
            )
            problems.append(
                (
                    field,
                    _(
                        "The percentages of the countries and regions add up to %(total)s; "
                        "they must add up to 100."
                    )
                    % {"total": f"{total.normalize():f}"},
                )
            )


# --------------------------------------------------------------------------- applying edits


def _parsed(activity: Activity) -> ParsedActivity:
    content = dict(activity.data)
    content.setdefault("iati_identifier", activity.iati_identifier)
    if "reporting_org" not in content:
        organisation = activity.reporting_org
        content["reporting_org"] = {
            "ref": organisation.iati_org_id or None,
            "type": organisation.iati_org_type or None,
            "name": {"en": organisation.name},
        }
    return ParsedActivity.from_dict(content)


def _apply(parsed: ParsedActivity, edit: ActivityEdit, fields: set[str] | frozenset[str]) -> None:
    """Apply the ``fields`` of ``edit`` to the content."""
    if "title" in fields and edit.title is not None:
        parsed.title, moves = _narratives(parsed.title, edit.title)
        _move_extras(parsed, "title/narrative", moves)
    if "description" in fields and edit.description is not None:
        _apply_description(parsed, edit.description)
    if "activity_status" in fields and edit.activity_status is not None:
        parsed.activity_status = edit.activity_status
    if "default_currency" in fields:
        parsed.default_currency = edit.default_currency
    _apply_dates(parsed, edit, fields)
    if "recipient_countries" in fields and edit.recipient_countries is not None:
        parsed.recipient_countries = _merge_rows(
            parsed,
            parsed.recipient_countries,
            edit.recipient_countries,
            "recipient-country",
            _country,
        )
    if "recipient_regions" in fields and edit.recipient_regions is not None:
        parsed.recipient_regions = _merge_rows(
            parsed, parsed.recipient_regions, edit.recipient_regions, "recipient-region", _region
        )
    if "sectors" in fields and edit.sectors is not None:
        parsed.sectors = _merge_rows(parsed, parsed.sectors, edit.sectors, "sector", _sector)
    if "budgets" in fields and edit.budgets is not None:
        parsed.budgets = _merge_rows(parsed, parsed.budgets, edit.budgets, "budget", _budget)
    if "transactions" in fields and edit.transactions is not None:
        parsed.transactions = _merge_rows(
            parsed, parsed.transactions, edit.transactions, "transaction", _transaction
        )
    if "participating_orgs" in fields and edit.participating_orgs is not None:
        parsed.participating_orgs = _merge_rows(
            parsed,
            parsed.participating_orgs,
            edit.participating_orgs,
            "participating-org",
            _participant,
        )


def _narratives(
    current: Mapping[str, str], given: Mapping[Language, str]
) -> tuple[dict[str, str], dict[int, int]]:
    """New narratives (an empty text removes its language), and how the old 1-based positions
    map to the new ones."""
    result = dict(current)
    for language, text in given.items():
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
    rows: Sequence[_R],
    tag: str,
    build: Callable[[_T | None, _R], _T],
) -> list[_T]:
    """The new list: each row builds an item from the existing one it edits (if any)."""
    result: list[_T] = []
    moves: dict[int, int] = {}
    for position, row in enumerate(rows):
        index = row.edits(position)  # type: ignore[attr-defined]
        old: _T | None = None
        if index is not None and 0 <= index < len(existing) and index + 1 not in moves:
            old = existing[index]
            moves[index + 1] = len(result) + 1
        result.append(build(old, row))
    _move_extras(parsed, tag, moves)
    return result


def _country(old: RecipientCountry | None, row: CountryRow) -> RecipientCountry:
    same = old is not None and old.code == row.code
    return RecipientCountry(
        code=row.code,
        percentage=row.percentage,
        narrative=old.narrative if same and old is not None else {},
    )


def _region(old: RecipientRegion | None, row: RegionRow) -> RecipientRegion:
    same = old is not None and old.code == row.code and (old.vocabulary or "1") == row.vocabulary
    return RecipientRegion(
        code=row.code,
        vocabulary=row.vocabulary,
        vocabulary_uri=old.vocabulary_uri if same and old is not None else None,
        percentage=row.percentage,
        narrative=old.narrative if same and old is not None else {},
    )


def _sector(old: Sector | None, row: SectorRow) -> Sector:
    same = old is not None and old.code == row.code and (old.vocabulary or "1") == row.vocabulary
    return Sector(
        code=row.code,
        vocabulary=old.vocabulary if same and old is not None else row.vocabulary,
        vocabulary_uri=old.vocabulary_uri if same and old is not None else None,
        percentage=row.percentage,
        narrative=old.narrative if same and old is not None else {},
    )


def _budget(old: Budget | None, row: BudgetRow) -> Budget:
    return Budget(
        type=row.type or (old.type if old else None) or "1",
        status=row.status or (old.status if old else None) or "1",
        period_start=row.period_start,
        period_end=row.period_end,
        value=row.value,
        currency=row.currency,
        value_date=row.value_date or (old.value_date if old else None) or row.period_start,
    )


def _transaction(old: Transaction | None, row: TransactionRow) -> Transaction:
    value_date = row.value_date or (old.value_date if old else None) or row.date
    if old is not None:
        return dataclasses.replace(
            old,
            type=row.type,
            date=row.date,
            value=row.value,
            currency=row.currency,
            value_date=value_date,
        )
    return Transaction(
        type=row.type, date=row.date, value=row.value, currency=row.currency, value_date=value_date
    )


def _participant(old: ParticipatingOrg | None, row: ParticipantRow) -> ParticipatingOrg:
    if old is not None and row.name and row.name in old.name.values():
        name = old.name  # the name shown, in one of its languages: keep them all
    else:
        name = {"en": row.name} if row.name else {}
    return ParticipatingOrg(
        ref=row.ref,
        type=row.type,
        role=row.role,
        activity_id=old.activity_id if old is not None else None,
        crs_channel_code=old.crs_channel_code if old is not None else None,
        name=name,
    )


def _apply_dates(parsed: ParsedActivity, edit: ActivityEdit, fields: Iterable[str]) -> None:
    for field, code in DATE_FIELDS.items():
        if field not in fields:
            continue
        day = getattr(edit, field)
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
            dates.append(ActivityDate(type=code, iso_date=day))


def _apply_description(parsed: ParsedActivity, given: Mapping[Language, str]) -> None:
    position = next(
        (i for i, d in enumerate(parsed.descriptions) if d.type in (None, GENERAL_DESCRIPTION)),
        None,
    )
    if position is None:
        narratives, _moves = _narratives({}, given)
        if narratives:
            parsed.descriptions.insert(
                0, Description(type=GENERAL_DESCRIPTION, narratives=narratives)
            )
            count = len(parsed.descriptions)
            _move_extras(parsed, "description", {i: i + 1 for i in range(1, count)})
        return
    description = parsed.descriptions[position]
    narratives, moves = _narratives(description.narratives, given)
    _move_extras(parsed, f"description[{position + 1}]/narrative", moves)
    if narratives:
        description.narratives = narratives
        return
    keep = [i for i in range(len(parsed.descriptions)) if i != position]
    _move_extras(parsed, "description", {old + 1: new + 1 for new, old in enumerate(keep)})
    parsed.descriptions = [parsed.descriptions[i] for i in keep]


# --------------------------------------------------------------------------- storing


_PART_ORDER = {part: i for i, part in enumerate([*CONTENT_PARTS.values(), "other"])}


def changed_parts(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The parts of the IATI content (``models.CONTENT_PARTS``, in that order) that differ;
    "other" for anything else that changed."""
    parts = {
        CONTENT_PARTS.get(key, "other")
        for key in {*before, *after}
        if key not in _NOT_PARTS and before.get(key) != after.get(key)
    }
    return sorted(parts, key=_PART_ORDER.__getitem__)


def _set_columns(activity: Activity, data: Mapping[str, Any]) -> None:
    values = derive.columns(dict(data))
    stamp = values.get("last_updated_datetime")
    values["last_updated_datetime"] = parse_datetime(stamp) if isinstance(stamp, str) else stamp
    for field, value in values.items():
        if field in _DATE_COLUMNS and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        setattr(activity, field, value)


def _store(
    activity: Activity, parsed: ParsedActivity, user: Actor | None, *, new: bool, parts: list[str]
) -> None:
    now = timezone.now().replace(microsecond=0)
    if activity.origin == Origin.MANUAL:  # cbcoord publishes it: the edit is its last update
        parsed.last_updated_datetime = now
    activity.edited_at = now
    data = parsed.content_dict()
    activity.data = data
    activity.content_hash = content_hash(data)
    activity._changed_parts = parts  # type: ignore[attr-defined]
    _set_columns(activity, data)
    tagged = _set_relevance(activity, data)
    save_as(activity, user)
    write_index_rows([activity], replace=[] if new else [activity.pk])
    tags.write_tags([(activity.pk, tagged)], replace=[] if new else [activity.pk])


def _set_relevance(activity: Activity, data: Mapping[str, Any]) -> derive.Tagged:
    """Tag the content; set the rules' relevance on ``activity`` unless a person decided it."""
    tagged = derive.tagged(dict(data))
    if activity.relevance_decided_by != DecidedBy.PERSON:
        activity.is_relevant = tagged.relevant
        activity.relevance_score = tagged.score
        activity.relevance_evidence = list(tagged.evidence)
        activity.relevance_decided_by = DecidedBy.RULES
    return tagged


# --------------------------------------------------------------------------- tags, relevance


def _reviewed(tag: ActivityProvision, user: Actor | None, status: str) -> ActivityProvision:
    tag.status = status
    tag.reviewed_by = user_record(user)
    tag.reviewed_at = timezone.now()
    tag.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return tag


@transaction.atomic
def activity_tag_confirm(*, user: Actor | None, tag: ActivityProvision) -> ActivityProvision:
    """Confirm a tag (from ``selectors.activity_tag_get_for_review``): the activity supports
    the provision. Re-tagging and re-imports keep it."""
    return _reviewed(tag, user, TagStatus.CONFIRMED)


@transaction.atomic
def activity_tag_reject(*, user: Actor | None, tag: ActivityProvision) -> ActivityProvision:
    """Reject a tag (from ``selectors.activity_tag_get_for_review``): the activity does not
    support the provision. It stays, rejected, so that the rules never suggest the code
    again for this activity; analyses and exports leave it out."""
    return _reviewed(tag, user, TagStatus.REJECTED)


@transaction.atomic
def activity_tag_add(
    *, user: Actor | None, activity: Activity, provision_code: str
) -> ActivityProvision:
    """Tag ``activity`` (from ``selectors.activity_get_for_review``) with the provision of
    ``provision_code``, confirmed. A tag of that code already there (suggested, or rejected
    earlier) is confirmed instead."""
    code = (provision_code or "").strip().upper()
    provision = Provision.objects.filter(code=code).first() if code else None
    if provision is None:
        raise ServiceError(
            _("%(code)s is not a provision of the catalogue.") % {"code": code or "—"}
            if code
            else _("Choose a provision."),
            field="provision",
        )
    tag = ActivityProvision.objects.filter(activity=activity, provision=provision).first()
    if tag is None:
        tag = ActivityProvision(
            activity=activity, provision=provision, source=TagSource.MANUAL, confidence=None
        )
    tag.status = TagStatus.CONFIRMED
    tag.reviewed_by = user_record(user)
    tag.reviewed_at = timezone.now()
    tag.save()
    return tag


#: The longest reason kept for a relevance decision.
REASON_MAX_LENGTH = 1000


@transaction.atomic
def activity_relevance_decide(
    *, user: Actor | None, activity: Activity, relevant: bool | None, reason: str = ""
) -> Activity:
    """Decide whether ``activity`` (from ``selectors.activity_get_for_review``) is customs or
    border-agency capacity building, with the reason (required); later imports and
    re-tagging keep the decision. ``relevant`` None hands the decision back to the rules."""
    reason = " ".join((reason or "").split())[:REASON_MAX_LENGTH]
    if relevant is None:
        activity.relevance_decided_by = DecidedBy.RULES
        _set_relevance(activity, activity.data)
    else:
        if not reason:
            raise ServiceError(_("Say why."), field="reason")
        who = getattr(user_record(user), "username", "") or ""  # "": the system
        activity.is_relevant = relevant
        activity.relevance_evidence = [
            derive.decided(reason, who, timezone.localdate().isoformat())
        ]
        activity.relevance_decided_by = DecidedBy.PERSON
    activity._changed_parts = []  # type: ignore[attr-defined]
    save_as(activity, user)
    return activity


@dataclasses.dataclass
class RetagCounts:
    """What ``activities_retag`` did."""

    activities: int = 0
    relevant: int = 0
    not_relevant: int = 0
    decided_by_person: int = 0
    tags_suggested: int = 0


@transaction.atomic
def activities_retag(
    *, activity_ids: Sequence[int], counts: RetagCounts | None = None
) -> RetagCounts:
    """Tag these activities again with the rules and vocabularies as they are now: their
    relevance (unless a person decided it) and their suggested tags (confirmed, rejected and
    manual tags stay; see ``tags``). One transaction; ``cbcoord tag_activities`` calls it per
    batch."""
    counts = counts or RetagCounts()
    rows: list[tuple[int, derive.Tagged]] = []
    for pk, data, decided_by in Activity.objects.filter(pk__in=list(activity_ids)).values_list(
        "pk", "data", "relevance_decided_by"
    ):
        tagged = derive.tagged(data or {})
        rows.append((pk, tagged))
        counts.activities += 1
        if decided_by == DecidedBy.PERSON:
            counts.decided_by_person += 1
        elif tagged.relevant:
            counts.relevant += 1
        else:
            counts.not_relevant += 1
    tags.write_relevance(rows)
    counts.tags_suggested += tags.write_tags(rows, replace=[pk for pk, _ in rows])
    return counts
