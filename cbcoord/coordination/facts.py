"""The coordination facts: what each activity contributes to the analyses, worked out once per
change instead of once per request (``models.CoverageFact``, ``models.ActivityFact``).

**How they stay correct.** Database triggers (``triggers.py``) note, in the same transaction
as the write, every change the facts read: an activity inserted, deleted, or updated in its
content, visibility, reporting organisation, status, dates, relevance or withdrawal; a tag
added, removed, confirmed or rejected; a project link decided; and (noted as "everything")
the provision catalogue's hierarchy, members' regions and ISO codes, recipient regions'
covers. Every analysis first calls ``refresh``, which works out the facts of the activities
the log names (in one transaction, holding the database's write lock on SQLite and an
advisory lock on PostgreSQL) and deletes what it read. So the facts an analysis reads are
those of the data as committed; the cost falls on the first read after a write, in proportion
to what changed (about 2,000 activities a second), and ``cbcoord refresh_coordination`` pays
it ahead (after a large import, say). Open-ended activities run to the current year: they are
noted again when the year turns.

**What they hold.** Visibility is *not* decided here: a fact carries the activity's level and
reporting organisation, and every read filters through ``activity_visible`` (``visible_q``).
Amounts are kept in their own currency and year; they are converted when read, at the rates
loaded then, so loading rates again needs no refresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import organisation_id_of
from cbcoord.activities import derive
from cbcoord.activities.models import (
    Activity,
    ActivityCountry,
    ActivityProvision,
    ActivityRegion,
    TagStatus,
)
from cbcoord.activities.selectors import activity_visible
from cbcoord.coordination.models import (
    ActivityFact,
    CoverageFact,
    FactChange,
    FactState,
    LinkDecision,
    ProjectLink,
)
from cbcoord.core.bulk import bulk_insert, bulk_writing
from cbcoord.frameworks.models import Provision
from cbcoord.registry.models import Member, RecipientRegionCover
from cbcoord.registry.permissions import is_wco_staff
from cbcoord.registry.visibility import Visibility

BATCH = 500
#: An activity is counted in no more years than this (a publisher's 1900–2100 is a typo).
LONGEST_SPAN = 30
#: PostgreSQL advisory lock key of the refresh ("cbco").
LOCK_KEY = 0x6362636F
DAC_VOCABULARIES = ("", "1")

COMMITTED, DISBURSED, BUDGETED = 0, 1, 2


# --------------------------------------------------------------------------- reading them


def visible_q(user: Actor | None, prefix: str = "") -> Q:
    """The facts of activities ``user`` may read (``activities.selectors.activity_visible``):
    public ones and the reader's own at once, the others through the selector itself, so that
    the one rule holds for every level. ``prefix``: the path to the fact, for a related one."""
    if is_wco_staff(user):
        return Q()
    public = Q(**{f"{prefix}visibility": Visibility.PUBLIC})
    organisation_id = organisation_id_of(user)
    if organisation_id is None:
        return public
    others = Exists(
        activity_visible(user)
        .exclude(visibility=Visibility.PUBLIC)
        .filter(pk=OuterRef(f"{prefix}activity_id"))
    )
    return public | Q(**{f"{prefix}partner_id": organisation_id}) | Q(others)


def counted_q(user: Actor | None, prefix: str = "") -> Q:
    """Leave out the activities of a co-financed project other than the one that counts for
    ``user``: the first, by rank, of those the user may read (``project_rule``)."""
    rank = f"{prefix}project_rank"
    project = f"{prefix}project"
    others = Exists(
        CoverageFact.objects.filter(
            project=OuterRef(project),
            project_rank__lt=OuterRef(rank),
            primary=True,
        ).filter(visible_q(user))
    )
    return Q(**{f"{project}__isnull": True}) | Q(**{rank: 0}) | ~Q(others)


# --------------------------------------------------------------------------- refreshing


_checked_year: int | None = None


def refresh() -> int:
    """Work out the facts of every activity the change log names; returns how many."""
    global _checked_year
    year = timezone.localdate().year
    if _checked_year != year:
        _turn_year(year)
        _checked_year = year
    if not FactChange.objects.exists() and not _rows_past_marks():
        return 0
    # SQLite: a page cache that holds the facts' indexes (tens of MB at 100,000 activities);
    # with the default 2 MB each insert read its index pages from the file again.
    with bulk_writing():
        return _refresh()


def _refresh() -> int:
    done = 0
    while True:
        with transaction.atomic():
            _lock()
            _note_new_rows()
            changes = list(
                FactChange.objects.order_by("pk").values_list("pk", "activity_id")[: BATCH * 4]
            )
            if not changes:
                return done
            ids = {activity_id for _pk, activity_id in changes}
            if 0 in ids:
                # Every change noted so far is in what the rebuild reads: all done with it
                # (not only this batch's, which would work the rest out a second time).
                last = FactChange.objects.aggregate(last=Max("pk"))["last"]
                done += rebuild()
                FactChange.objects.filter(pk__lte=last).delete()
                FactChange.objects.filter(activity_id=0).delete()
                continue
            write_facts(sorted(ids))
            done += len(ids)
            FactChange.objects.filter(pk__in=[pk for pk, _id in changes]).delete()


def _marks() -> tuple[int, int, int, int] | None:
    """SQLite: the highest activity and tag ids, and the marks of those the facts have seen
    (0 before any), in one query; None elsewhere (PostgreSQL's triggers note inserts)."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT MAX(id) FROM activities_activity), "
            "(SELECT MAX(id) FROM activities_activityprovision), "
            "(SELECT activity_mark FROM coordination_factstate LIMIT 1), "
            "(SELECT tag_mark FROM coordination_factstate LIMIT 1)"
        )
        row = cursor.fetchone()
    return (row[0] or 0, row[1] or 0, row[2] or 0, row[3] or 0)


def _rows_past_marks() -> bool:
    marks = _marks()
    return marks is not None and (marks[0] > marks[2] or marks[1] > marks[3])


def _note_new_rows() -> None:
    """SQLite: note the activities inserted, or given tags, since the marks; move the marks.
    Called holding the write lock, so no row past the marks is still being written."""
    marks = _marks()
    if marks is None:
        return
    last_activity, last_tag, activity_mark, tag_mark = marks
    if last_activity <= activity_mark and last_tag <= tag_mark:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO coordination_factchange (activity_id) "
            "SELECT id FROM activities_activity WHERE id > %s AND id <= %s",
            [activity_mark, last_activity],
        )
        # Tags of the activities just noted are in their facts already: only older ones'.
        cursor.execute(
            "INSERT INTO coordination_factchange (activity_id) "
            "SELECT DISTINCT activity_id FROM activities_activityprovision "
            "WHERE id > %s AND id <= %s AND activity_id <= %s",
            [tag_mark, last_tag, activity_mark],
        )
    if not FactState.objects.update(activity_mark=last_activity, tag_mark=last_tag):
        FactState.objects.create(
            year=timezone.localdate().year, activity_mark=last_activity, tag_mark=last_tag
        )


def _lock() -> None:
    """One refresh at a time (SQLite's immediate transactions already hold the write lock)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _turn_year(year: int) -> None:
    """Open-ended activities run to the current year: once it turns, work them out again."""
    with transaction.atomic():
        state = FactState.objects.first()
        if state is None:
            FactState.objects.create(year=year)
            return
        if state.year >= year:
            return
        FactChange.objects.bulk_create(
            FactChange(activity_id=pk)
            for pk in ActivityFact.objects.filter(open_end=True).values_list("pk", flat=True)
        )
        state.year = year
        state.save(update_fields=["year"])


def rebuild() -> int:
    """Every activity's facts, from nothing (the catalogue or the members changed)."""
    CoverageFact.objects.all().delete()
    ActivityFact.objects.all().delete()
    ids = list(Activity.objects.order_by("pk").values_list("pk", flat=True))
    catalogue = _Catalogue.load()
    for offset in range(0, len(ids), BATCH):
        write_facts(ids[offset : offset + BATCH], fresh=True, catalogue=catalogue)
    return len(ids)


# --------------------------------------------------------------------------- working them out


@dataclass
class _Catalogue:
    """What the facts need of the reference data, read once per refresh."""

    member_of_iso: dict[str, tuple[int, int]] = field(default_factory=dict)
    members_of_dac: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    provision: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _Catalogue:
        catalogue = cls()
        for pk, iso, region_id in Member.objects.exclude(iso_code="").values_list(
            "pk", "iso_code", "region_id"
        ):
            catalogue.member_of_iso[iso.upper()] = (pk, region_id)
        covers: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for code, member_id, region_id in RecipientRegionCover.objects.values_list(
            "dac_code", "member_id", "region_id"
        ):
            covers[code].append((member_id, region_id))
        catalogue.members_of_dac = dict(covers)
        parents: dict[int, int | None] = {}
        details: dict[int, tuple[int, int]] = {}
        for pk, parent_id, depth, instrument_id in Provision.objects.values_list(
            "pk", "parent_id", "depth", "instrument_id"
        ):
            parents[pk] = parent_id
            details[pk] = (depth, instrument_id)
        for pk in parents:
            chain = [pk]
            while parents.get(chain[-1]) is not None and len(chain) < 20:
                chain.append(parents[chain[-1]])  # type: ignore[arg-type]
            chain.reverse()  # from the top
            depth = len(chain) - 1
            catalogue.provision[pk] = (
                depth,
                chain[0],
                chain[1] if depth >= 1 else chain[0],
                details[pk][1],
            )
        return catalogue


def _decimal(raw: Any) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return None
    return value if value.is_finite() and abs(value) < derive.TOTAL_LIMIT else None


def _year(raw: Any) -> int | None:
    if isinstance(raw, dt.date):
        return raw.year
    if isinstance(raw, str) and len(raw) >= 4 and raw[:4].isdigit():
        return int(raw[:4])
    return None


def amounts(data: dict[str, Any]) -> dict[tuple[int, str], list[Decimal]]:
    """An activity's amounts by (year, currency): committed (commitments), disbursed
    (disbursements and expenditure) and budgeted (budgets, a revised one replacing the
    original of its period). Each is dated by its value date (a transaction's date, a budget's
    period start, without one), the date it is converted at; its currency is its own, else the
    activity's default. Amounts without a date or a readable value are left out."""
    default = (data.get("default_currency") or "").upper()
    found: dict[tuple[int, str], list[Decimal]] = {}

    def add(kind: int, value: Any, when: Any, currency: Any) -> None:
        amount = _decimal(value)
        year = _year(when)
        if amount is None or year is None:
            return
        key = (year, (currency or default or "").upper()[:3])
        found.setdefault(key, [Decimal(0), Decimal(0), Decimal(0)])[kind] += amount

    for entry in data.get("transactions") or []:
        kind = entry.get("type")
        if kind in derive.COMMITMENT_TYPES:
            index = COMMITTED
        elif kind in derive.SPEND_TYPES:
            index = DISBURSED
        else:
            continue
        add(
            index,
            entry.get("value"),
            entry.get("value_date") or entry.get("date"),
            entry.get("currency"),
        )
    for entry in derive._counted_budgets(data):
        add(
            BUDGETED,
            entry.get("value"),
            entry.get("value_date") or entry.get("period_start"),
            entry.get("currency"),
        )
    return found


def _years(start: dt.date | None, end: dt.date | None, current: int) -> tuple[list[int], bool]:
    """The years an activity is active in, and whether its end is open (it runs to the
    current year, or its start's if later)."""
    if start is None and end is None:
        return [], False
    first = (start or end).year  # type: ignore[union-attr]
    open_end = end is None
    last = max(first, current) if end is None else end.year
    last = min(max(last, first), first + LONGEST_SPAN - 1)
    return list(range(first, last + 1)), open_end


def fingerprint(
    start: dt.date | None,
    end: dt.date | None,
    countries: Iterable[str],
    regions: Iterable[str],
    provisions: Iterable[int],
    money: dict[tuple[int, str], list[Decimal]],
) -> str:
    """The material fields of an activity, hashed: what an overlap mark keeps."""
    material = {
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "countries": sorted(countries),
        "regions": sorted(regions),
        "provisions": sorted(provisions),
        "amounts": sorted(
            [year, currency, *(format(value.normalize(), "f") for value in values)]
            for (year, currency), values in money.items()
        ),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def project_rule(links: Iterable[tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """Co-financed projects: activities joined by confirmed links form one project, named by
    its lowest activity id; each activity's rank in it is its order by id (0: the lead). The
    lead's facts count; another's only for a reader who may read none ranked before it
    (``counted_q``)."""
    neighbours: dict[int, set[int]] = defaultdict(set)
    for first, second in links:
        neighbours[first].add(second)
        neighbours[second].add(first)
    project: dict[int, tuple[int, int]] = {}
    for start in sorted(neighbours):
        if start in project:
            continue
        group, stack = {start}, [start]
        while stack:
            for other in neighbours[stack.pop()]:
                if other not in group:
                    group.add(other)
                    stack.append(other)
        ordered = sorted(group)
        for rank, pk in enumerate(ordered):
            project[pk] = (ordered[0], rank)
    return project


FACT_COLUMNS = (
    "activity_id",
    "region_id",
    "member_id",
    "year",
    "provision_id",
    "area0_id",
    "area1_id",
    "depth",
    "instrument_id",
    "partner_id",
    "status",
    "visibility",
    "start_date",
    "end_date",
    "active",
    "via_region",
    "primary",
    "currency",
    "committed",
    "disbursed",
    "budgeted",
    "project",
    "project_rank",
)


def write_facts(
    ids: Sequence[int], *, fresh: bool = False, catalogue: _Catalogue | None = None
) -> None:
    """(Re)write the facts of the activities ``ids`` (already gone ones lose theirs)."""
    if not ids:
        return
    catalogue = catalogue or _Catalogue.load()
    if not fresh:
        CoverageFact.objects.filter(activity_id__in=ids).delete()
        ActivityFact.objects.filter(activity_id__in=ids).delete()
    activities = list(
        Activity.objects.filter(pk__in=ids, withdrawn_at__isnull=True)
        .exclude(is_relevant=False)
        .values_list(
            "pk",
            "reporting_org_id",
            "status",
            "visibility",
            "start_date",
            "end_date",
            # The content as text, read by orjson: Django's JSON field decodes with the json
            # module, a third of the refresh's time.
            Cast("data", output_field=TextField()),
        )
    )
    if not activities:
        return
    kept = [row[0] for row in activities]
    countries: dict[int, list[str]] = defaultdict(list)
    for activity_id, code in ActivityCountry.objects.filter(activity_id__in=kept).values_list(
        "activity_id", "code"
    ):
        countries[activity_id].append(code.upper())
    regions: dict[int, list[str]] = defaultdict(list)
    for activity_id, code in ActivityRegion.objects.filter(
        activity_id__in=kept, vocabulary__in=DAC_VOCABULARIES
    ).values_list("activity_id", "code"):
        regions[activity_id].append(code)
    provisions: dict[int, list[int]] = defaultdict(list)
    for activity_id, provision_id in (
        ActivityProvision.objects.filter(activity_id__in=kept)
        .exclude(status=TagStatus.REJECTED)
        .values_list("activity_id", "provision_id")
    ):
        provisions[activity_id].append(provision_id)
    projects = project_rule(
        ProjectLink.objects.filter(decision=LinkDecision.CONFIRMED).values_list(
            "first_id", "second_id"
        )
    )
    current = timezone.localdate().year
    rows: list[tuple[Any, ...]] = []
    fingerprints: list[tuple[Any, ...]] = []
    for pk, partner_id, status, visibility, start, end, data in activities:
        money = amounts(orjson.loads(data) if data else {})
        fingerprints.append(
            (
                pk,
                fingerprint(start, end, countries[pk], regions[pk], provisions[pk], money),
                end is None and start is not None,
            )
        )
        rows.extend(
            _rows(
                pk,
                partner_id,
                status,
                visibility,
                start,
                end,
                money,
                countries[pk],
                regions[pk],
                provisions[pk],
                projects.get(pk),
                catalogue,
                current,
            )
        )
    bulk_insert(ActivityFact, ("activity_id", "fingerprint", "open_end"), fingerprints)
    bulk_insert(CoverageFact, FACT_COLUMNS, rows)


def _rows(
    pk: int,
    partner_id: int,
    status: str,
    visibility: str,
    start: dt.date | None,
    end: dt.date | None,
    money: dict[tuple[int, str], list[Decimal]],
    countries: list[str],
    regions: list[str],
    provisions: list[int],
    project: tuple[int, int] | None,
    catalogue: _Catalogue,
    current: int,
) -> Iterator[tuple[Any, ...]]:
    members: dict[int, tuple[int, bool]] = {}
    for code in regions:
        for member_id, region_id in catalogue.members_of_dac.get(code, ()):
            members.setdefault(member_id, (region_id, True))
    for code in countries:
        found = catalogue.member_of_iso.get(code)
        if found is not None:
            members[found[0]] = (found[1], False)
    if not members:
        return
    active_years, _open = _years(start, end, current)
    by_year: dict[int | None, list[tuple[str, list[Decimal]]]] = defaultdict(list)
    for (money_year, currency), values in sorted(money.items()):
        by_year[money_year].append((currency, values))
    years: list[int | None] = [*sorted(set(active_years) | {y for y, _c in money})] or [None]
    active = set(active_years)
    zero = [Decimal(0), Decimal(0), Decimal(0)]
    tags = [catalogue.provision.get(p) and (p, *catalogue.provision[p]) for p in provisions]
    described: list[tuple[Any, ...]] = [tag for tag in tags if tag] or [
        (None, None, None, None, None)
    ]
    project_id, rank = project if project is not None else (None, 0)
    for member_id, (region_id, via_region) in members.items():
        for provision_id, depth, area0, area1, instrument in described:
            for year in years:
                currencies = by_year.get(year) or [("", zero)]
                for index, (currency, values) in enumerate(currencies):
                    yield (
                        pk,
                        region_id,
                        member_id,
                        year,
                        provision_id,
                        area0,
                        area1,
                        depth,
                        instrument,
                        partner_id,
                        status,
                        visibility,
                        start,
                        end,
                        year in active or year is None,
                        via_region,
                        index == 0,
                        currency,
                        values[COMMITTED],
                        values[DISBURSED],
                        values[BUDGETED],
                        project_id,
                        rank,
                    )
