"""The coordination analyses, read by the pages, the API, the downloads and the meeting brief
alike; and the doors of the coordination records.

Every analysis reads activities through their facts (``facts.py``), filtered by
``facts.visible_q`` (the rule of ``activities.selectors.activity_visible``), and needs through
``needs.selectors.need_visible``: nothing a reader may not see reaches a cell, a count or a
total. Each takes the reader and an ``AnalysisFilters`` (checked by the caller) and returns
typed rows. Amounts are converted to the reporting currency at the rate of their value date's
year (``rates``); a missing rate is counted as missing, never as zero.

Rules, as the README states them:

- **Active in the period**: an activity whose dates (start, else end; an open end runs to the
  current year) meet one of the period's years; amounts count when dated in the period.
- **Cell amounts**: an activity's amounts count in full in every cell it is in (a regional
  activity in each member it covers); totals over cells count each activity once.
- **Co-financed projects**: activities joined by confirmed project links count once: the
  lead's figures (``facts.project_rule``).
- **Overlap**: two activities of different partners, both active in the period, on the same
  member, on the same provision or one's provision inside the other's, whose dates overlap
  (a day in common: ranges that touch on a day overlap, an open end is open).
- **Mission clash**: missions of different partners in the same administration at most
  ``days`` apart (0 when they overlap).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.activities.models import Activity
from cbcoord.activities.selectors import activity_get, activity_visible
from cbcoord.coordination import facts
from cbcoord.coordination.filters import (
    AnalysisFilters,
    ClashFilters,
    FundingFilters,
    SynergyFilters,
)
from cbcoord.coordination.models import (
    ActivityFact,
    CoverageFact,
    Mission,
    OverlapMark,
    OverlapVerdict,
    ProjectLink,
)
from cbcoord.coordination.permissions import (
    may_decide_project_link,
    may_mark_overlap,
    may_record_mission,
)
from cbcoord.coordination.rates import RateTable, Total
from cbcoord.frameworks.models import Instrument, Provision
from cbcoord.needs.models import LinkState, Need, NeedActivityLink, NeedPriority, NeedStatus
from cbcoord.needs.selectors import need_visible
from cbcoord.registry.models import Member, Organisation, Region

CANCELLED = "5"
PRIORITY_ORDER = {NeedPriority.HIGH: 0, NeedPriority.MEDIUM: 1, NeedPriority.LOW: 2}
#: Overlaps are counted up to this many; past it a page says "more than".
OVERLAP_COUNT_LIMIT = 1000


# --------------------------------------------------------------------------- scope


@dataclass
class Scope:
    """What the filters name, looked up once: the region, its members, the member."""

    filters: AnalysisFilters
    region: Region | None
    members: list[Member]
    member: Member | None
    partner: Organisation | None
    instrument: Instrument | None
    currency: str

    @property
    def member_ids(self) -> list[int]:
        return [member.pk for member in self.members]


def scope_of(filters: AnalysisFilters) -> Scope:
    """The records the filters name (which ``filters.problems`` has checked exist)."""
    facts.refresh()
    member = (
        Member.objects.select_related("region", "organisation")
        .filter(iso_code__iexact=filters.member)
        .first()
        if filters.member
        else None
    )
    region = (
        member.region
        if member is not None
        else Region.objects.filter(code__iexact=filters.region).first()
        if filters.region
        else None
    )
    if member is not None:
        members = [member]
    elif region is not None:
        members = sorted(
            Member.objects.filter(region=region).select_related("region", "organisation"),
            key=lambda m: m.country_name,
        )
    else:
        members = []
    partner = Organisation.objects.filter(key=filters.partner).first() if filters.partner else None
    instrument = (
        Instrument.objects.filter(code__iexact=filters.instrument).first()
        if filters.instrument
        else None
    )
    return Scope(
        filters=filters,
        region=region,
        members=members,
        member=member,
        partner=partner,
        instrument=instrument,
        currency=filters.currency.upper(),
    )


def coverage_facts(user: Actor | None, scope: Scope) -> QuerySet[CoverageFact]:
    """The facts in the scope that ``user`` may read (every analysis starts here)."""
    filters = scope.filters
    queryset = CoverageFact.objects.all()
    if scope.member is not None:
        queryset = queryset.filter(member_id=scope.member.pk)
    elif scope.region is not None:
        queryset = queryset.filter(region_id=scope.region.pk)
    years = filters.years
    if years is not None:
        queryset = queryset.filter(year__gte=years[0], year__lte=years[1])
    if scope.instrument is not None:
        queryset = queryset.filter(instrument_id=scope.instrument.pk)
    if scope.partner is not None:
        queryset = queryset.filter(partner_id=scope.partner.pk)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    else:
        queryset = queryset.exclude(status=CANCELLED)
    return queryset.filter(facts.visible_q(user), facts.counted_q(user))


def area_field(level: str) -> str:
    return {"0": "area0_id", "1": "area1_id"}.get(level, "provision_id")


# --------------------------------------------------------------------------- money


@dataclass
class Money:
    """Committed, disbursed and budgeted amounts in the reporting currency."""

    currency: str
    committed: Total = field(init=False)
    disbursed: Total = field(init=False)
    budgeted: Total = field(init=False)

    def __post_init__(self) -> None:
        self.committed = Total(self.currency)
        self.disbursed = Total(self.currency)
        self.budgeted = Total(self.currency)

    def add(
        self,
        table: RateTable,
        year: int | None,
        currency: str,
        values: Sequence[Decimal | int | float | None],
    ) -> None:
        for total, value in zip(
            (self.committed, self.disbursed, self.budgeted), values, strict=True
        ):
            # The database's sums come as Decimal (PostgreSQL) or int/float (SQLite).
            amount = value if isinstance(value, Decimal) else Decimal(str(value or 0))
            if not amount or year is None:
                continue
            total.add(table, amount, currency or "", year)

    @property
    def totals(self) -> tuple[Total, Total, Total]:
        return (self.committed, self.disbursed, self.budgeted)

    @property
    def missing(self) -> int:
        return sum(total.missing for total in self.totals)


@dataclass
class RatesNote:
    """Which rates a result used and which amounts it could not convert."""

    currency: str
    used: set[tuple[str, int]] = field(default_factory=set)
    missing: dict[str, Decimal] = field(default_factory=dict)
    missing_count: int = 0

    def take(self, money: Money) -> None:
        for total in money.totals:
            self.used |= total.rates_used
            self.missing_count += total.missing
            for code, amount in total.missing_by_currency.items():
                self.missing[code] = self.missing.get(code, Decimal(0)) + amount

    @property
    def used_sorted(self) -> list[tuple[str, int]]:
        return sorted(self.used)


def _money_rows(
    queryset: QuerySet[CoverageFact], keys: dict[str, Any]
) -> Iterator[tuple[Any, ...]]:
    """Amounts by ``keys`` (alias → expression), year and currency, each activity counted
    once per group (an activity's several provisions in one group repeat its amounts): the
    largest of its rows per (group, activity, year, currency), then their sum."""
    inner = queryset.values(**keys, act=F("activity_id"), yr=F("year"), cur=F("currency")).annotate(
        c=Max("committed"), d=Max("disbursed"), b=Max("budgeted")
    )
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an empty list)
        return
    names = ", ".join(connection.ops.quote_name(key) for key in keys)
    group = f"{names}, " if names else ""
    query = (
        f"SELECT {group}yr, cur, SUM(c), SUM(d), SUM(b) FROM ({sql}) grouped "  # noqa: S608
        f"GROUP BY {group}yr, cur"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        yield from cursor.fetchall()


def _fetched(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` of ids and counts as the database gives them: Django's
    per-row converters cost a region's matrix 40 ms of its 17,000 rows, and change nothing
    in integers."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an empty list)
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def money_by(
    queryset: QuerySet[CoverageFact],
    keys: dict[str, Any],
    table: RateTable,
    currency: str,
    note: RatesNote | None = None,
) -> dict[tuple[Any, ...], Money]:
    """``Money`` per group of ``keys`` (in their order), converted."""
    result: dict[tuple[Any, ...], Money] = {}
    width = len(keys)
    for row in _money_rows(queryset, keys):
        key = tuple(row[:width])
        year, code, committed, disbursed, budgeted = row[width:]
        money = result.get(key)
        if money is None:
            money = result[key] = Money(currency)
        money.add(table, year, code, (committed, disbursed, budgeted))
    if note is not None:
        for money in result.values():
            note.take(money)
    return result


# --------------------------------------------------------------------------- labels


@dataclass(frozen=True)
class Area:
    """A column of the matrix: a provision at the chosen level."""

    pk: int
    code: str
    title: str
    instrument: str
    sort: tuple[int, int, str]


def areas(ids: Iterable[int | None]) -> dict[int, Area]:
    wanted = {pk for pk in ids if pk is not None}
    return {
        provision.pk: Area(
            provision.pk,
            provision.code,
            provision.title,
            provision.instrument.code,
            (provision.instrument.sort_order, provision.sort_order, provision.code),
        )
        for provision in Provision.objects.filter(pk__in=wanted).select_related("instrument")
    }


def organisations(ids: Iterable[int]) -> dict[int, Organisation]:
    return {org.pk: org for org in Organisation.objects.filter(pk__in=set(ids))}


@dataclass
class Catalogue:
    """The provisions' ancestors, for placing needs (which have no facts) in columns."""

    chain: dict[int, tuple[int, int, int]]  # pk → (depth, area0, area1)
    instrument: dict[int, int]

    @classmethod
    def load(cls) -> Catalogue:
        parents: dict[int, int | None] = {}
        instrument: dict[int, int] = {}
        for pk, parent_id, instrument_id in Provision.objects.values_list(
            "pk", "parent_id", "instrument_id"
        ):
            parents[pk] = parent_id
            instrument[pk] = instrument_id
        chain = {}
        for pk in parents:
            path = [pk]
            while parents.get(path[-1]) is not None and len(path) < 20:
                path.append(parents[path[-1]])  # type: ignore[arg-type]
            path.reverse()
            depth = len(path) - 1
            chain[pk] = (depth, path[0], path[1] if depth >= 1 else path[0])
        return cls(chain, instrument)

    def area(self, pk: int, level: str) -> int:
        depth, area0, area1 = self.chain[pk]
        return {"0": area0, "1": area1}.get(level, pk)

    def inside(self, inner: int, outer: int) -> bool:
        """Whether ``inner`` is ``outer`` or one of its parts."""
        depth, area0, area1 = self.chain[inner]
        return inner == outer or outer in (area0, area1)


# --------------------------------------------------------------------------- needs


@dataclass
class NeedFact:
    need: Need
    provision_ids: list[int]
    supported: bool


@dataclass(frozen=True, slots=True)
class NeedRow:
    """An open need as the analyses count it: a few columns, no model object (a region has
    thousands; building a ``Need`` for each was most of an analysis's time)."""

    pk: int
    key: str
    member_id: int
    priority: str
    identified_on: dt.date
    estimated_cost: Decimal | None
    currency: str
    supported: bool
    provision_ids: tuple[int, ...]


def _open_needs_queryset(user: Actor | None, scope: Scope) -> QuerySet[Need]:
    queryset = need_visible(user).filter(
        member_id__in=scope.member_ids, status__in=NeedStatus.open_statuses()
    )
    years = scope.filters.years
    if years is not None:
        queryset = queryset.filter(identified_on__lte=dt.date(years[1], 12, 31))
    return queryset


def _supported(user: Actor | None) -> Exists:
    """Whether an activity ``user`` may read is confirmed as supporting the need."""
    return Exists(
        NeedActivityLink.objects.filter(
            need=OuterRef("pk"),
            state=LinkState.CONFIRMED,
            activity__in=activity_visible(user, include_withdrawn=False).values("pk"),
        )
    )


def _need_provisions(
    need_ids: QuerySet[Any, Any] | list[int], scope: Scope, catalogue: Catalogue
) -> dict[int, list[int]]:
    """Each need's provisions (those of the instrument filter): one query."""
    provisions: dict[int, list[int]] = defaultdict(list)
    instrument = scope.instrument.pk if scope.instrument is not None else None
    for need_id, provision_id in Need.provisions.through.objects.filter(
        need__in=need_ids
    ).values_list("need_id", "provision_id"):
        if instrument is None or catalogue.instrument.get(provision_id) == instrument:
            provisions[need_id].append(provision_id)
    return provisions


def open_need_rows(user: Actor | None, scope: Scope, *, catalogue: Catalogue) -> list[NeedRow]:
    """The open needs in the scope ``user`` may read (``open_needs``' rule) as ``NeedRow``s:
    two queries, whatever their number."""
    queryset = _open_needs_queryset(user, scope)
    found = list(
        queryset.annotate(supported=_supported(user))
        .values_list(
            "pk",
            "key",
            "member_id",
            "priority",
            "identified_on",
            "estimated_cost",
            "currency",
            "supported",
        )
        .order_by()
    )
    provisions = _need_provisions(queryset.values("pk"), scope, catalogue)
    return [
        NeedRow(
            pk=pk,
            key=key,
            member_id=member_id,
            priority=priority,
            identified_on=identified_on,
            estimated_cost=cost,
            currency=currency,
            supported=bool(supported),
            provision_ids=tuple(provisions[pk]),
        )
        for pk, key, member_id, priority, identified_on, cost, currency, supported in found
        if provisions[pk] or scope.instrument is None
    ]


def open_needs(
    user: Actor | None,
    scope: Scope,
    *,
    catalogue: Catalogue,
    only: Iterable[int] | None = None,
) -> list[NeedFact]:
    """The open needs in the scope ``user`` may read, with their provisions (those of the
    instrument filter) and whether an activity the user may read is confirmed as supporting
    them. A need counts from the date it was identified: the period's end must not be before.
    ``only``: just these needs (by pk), for the few a page shows in full."""
    queryset = _open_needs_queryset(user, scope).annotate(supported=_supported(user))
    if only is not None:
        queryset = queryset.filter(pk__in=list(only))
    # The members are the scope's, already read: set on each need, not read again per row.
    members = {member.pk: member for member in scope.members}
    needs = {}
    for need in queryset:
        need.member = members[need.member_id]
        needs[need.pk] = need
    provisions = _need_provisions(list(needs), scope, catalogue)
    return [
        NeedFact(need, provisions[pk], bool(need.supported))
        for pk, need in needs.items()
        if provisions[pk] or scope.instrument is None
    ]


# --------------------------------------------------------------------------- the matrix


@dataclass
class Cell:
    member: Member
    area: Area
    activities: int = 0
    partners: list[Organisation] = field(default_factory=list)
    money: Money | None = None
    open_needs: int = 0
    supported_needs: int = 0

    @property
    def unsupported_needs(self) -> int:
        return self.open_needs - self.supported_needs


@dataclass
class Matrix:
    scope: Scope
    members: list[Member]
    areas: list[Area]
    cells: dict[tuple[int, int], Cell]
    note: RatesNote

    def cell(self, member: Member, area: Area) -> Cell | None:
        return self.cells.get((member.pk, area.pk))

    def rows(self) -> list[tuple[Member, list[Cell | None]]]:
        return [
            (member, [self.cells.get((member.pk, area.pk)) for area in self.areas])
            for member in self.members
        ]

    @property
    def max_activities(self) -> int:
        return max((cell.activities for cell in self.cells.values()), default=0)


def coverage_matrix(*, user: Actor | None, filters: AnalysisFilters) -> Matrix:
    """Members of a region × instrument areas at the chosen level: in each cell the partners
    active there, the number of activities, their committed, disbursed and budgeted amounts,
    and the open needs (and how many have confirmed support)."""
    scope = scope_of(filters)
    table = RateTable.load()
    note = RatesNote(scope.currency)
    base = coverage_facts(user, scope).filter(provision__isnull=False)
    area = area_field(filters.level)
    counts: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for member_id, area_id, partner_id, number in _fetched(
        base.filter(active=True, primary=True)
        .values_list("member_id", area, "partner_id")
        .annotate(n=Count("activity_id", distinct=True))
        .order_by()
    ):
        counts[(member_id, area_id)][partner_id] = number
    money = money_by(base, {"m": F("member_id"), "a": F(area)}, table, scope.currency, note)
    catalogue = Catalogue.load()
    need_counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in open_need_rows(user, scope, catalogue=catalogue):
        for area_id in {catalogue.area(pk, filters.level) for pk in row.provision_ids}:
            entry = need_counts[(row.member_id, area_id)]
            entry[0] += 1
            entry[1] += int(row.supported)
    keys = set(counts) | set(need_counts)
    labels = areas(key[1] for key in keys)
    partners = organisations(p for found in counts.values() for p in found)
    members = {member.pk: member for member in scope.members}
    cells: dict[tuple[int, int], Cell] = {}
    for key in keys:
        member = members.get(key[0])
        label = labels.get(key[1])
        if member is None or label is None:
            continue
        found = counts.get(key, {})
        needs = need_counts.get(key, [0, 0])
        cells[key] = Cell(
            member=member,
            area=label,
            activities=sum(found.values()),
            partners=sorted(
                (partners[p] for p in found if p in partners), key=lambda o: o.display_name
            ),
            money=money.get(key),
            open_needs=needs[0],
            supported_needs=needs[1],
        )
    columns = sorted({cell.area for cell in cells.values()}, key=lambda a: a.sort)
    return Matrix(scope, scope.members, columns, cells, note)


@dataclass
class CellActivity:
    activity: Activity
    partner: Organisation
    money: Money | None
    provisions: list[str]


@dataclass
class CellDetail:
    member: Member
    area: Area
    activities: list[CellActivity]
    needs: list[NeedFact]
    note: RatesNote
    more: int = 0


CELL_LIMIT = 100


def cell_detail(
    *, user: Actor | None, filters: AnalysisFilters, member_code: str, area_code: str
) -> CellDetail:
    """One cell of the matrix: its activities (the first ``CELL_LIMIT``) and needs."""
    scope = scope_of(filters)
    member = next((m for m in scope.members if m.iso_code.upper() == member_code.upper()), None)
    provision = Provision.objects.filter(code=area_code).select_related("instrument").first()
    if member is None or provision is None:
        raise Http404(_("No such cell."))
    area = areas([provision.pk])[provision.pk]
    column = area_field(filters.level)
    base = coverage_facts(user, scope).filter(member_id=member.pk, **{column: provision.pk})
    table = RateTable.load()
    note = RatesNote(scope.currency)
    ids = list(
        base.filter(active=True, primary=True)
        .values_list("activity_id", flat=True)
        .distinct()
        .order_by("activity_id")[: CELL_LIMIT + 1]
    )
    more = len(ids) > CELL_LIMIT
    ids = ids[:CELL_LIMIT]
    money = money_by(
        base.filter(activity_id__in=ids), {"i": F("activity_id")}, table, scope.currency, note
    )
    codes: dict[int, set[str]] = defaultdict(set)
    for activity_id, code in (
        base.filter(activity_id__in=ids)
        .values_list("activity_id", "provision__code")
        .distinct()
        .order_by()
    ):
        codes[activity_id].add(code)
    activities = {
        a.pk: a
        for a in Activity.objects.filter(pk__in=ids)
        .select_related("reporting_org")
        .only(
            "iati_identifier",
            "title_text",
            "status",
            "start_date",
            "end_date",
            "is_demo",
            "reporting_org__key",
            "reporting_org__name",
            "reporting_org__acronym",
        )
        .annotate(title_narratives=F("data__title"))
    }
    rows = [
        CellActivity(
            activity=activities[pk],
            partner=activities[pk].reporting_org,
            money=money.get((pk,)),
            provisions=sorted(codes[pk]),
        )
        for pk in ids
        if pk in activities
    ]
    rows.sort(key=lambda row: (row.partner.display_name, row.activity.start_date or dt.date.min))
    catalogue = Catalogue.load()
    wanted = [
        row.pk
        for row in open_need_rows(user, scope, catalogue=catalogue)
        if row.member_id == member.pk
        and any(catalogue.area(pk, filters.level) == provision.pk for pk in row.provision_ids)
    ]
    needs = open_needs(user, scope, catalogue=catalogue, only=wanted)
    return CellDetail(member, area, rows, needs, note, more=int(more))


# --------------------------------------------------------------------------- who supports whom


@dataclass
class SupportCell:
    activities: int = 0
    money: Money | None = None
    areas: list[Area] = field(default_factory=list)


@dataclass
class SupportTable:
    scope: Scope
    partners: list[Organisation]
    members: list[Member]
    cells: dict[tuple[int, int], SupportCell]  # (member, partner)
    partner_totals: dict[int, SupportCell]
    note: RatesNote

    def rows(self) -> list[tuple[Member, list[SupportCell | None]]]:
        return [
            (member, [self.cells.get((member.pk, partner.pk)) for partner in self.partners])
            for member in self.members
            if any((member.pk, partner.pk) in self.cells for partner in self.partners)
        ]


def who_supports_whom(*, user: Actor | None, filters: AnalysisFilters) -> SupportTable:
    """Partners (columns) × members (rows): in each cell the partner's activities for the
    member, their amounts and the provisions (at the chosen level) they support."""
    scope = scope_of(filters)
    table = RateTable.load()
    note = RatesNote(scope.currency)
    base = coverage_facts(user, scope)
    cells: dict[tuple[int, int], SupportCell] = {}
    for member_id, partner_id, number in (
        base.filter(active=True, primary=True)
        .values_list("member_id", "partner_id")
        .annotate(n=Count("activity_id", distinct=True))
        .order_by()
    ):
        cells[(member_id, partner_id)] = SupportCell(activities=number)
    money = money_by(base, {"m": F("member_id"), "p": F("partner_id")}, table, scope.currency, note)
    for key, value in money.items():
        cells.setdefault(key, SupportCell()).money = value
    area = area_field(filters.level)
    found: dict[tuple[int, int], set[int]] = defaultdict(set)
    for member_id, partner_id, area_id in (
        base.filter(active=True, primary=True, provision__isnull=False)
        .values_list("member_id", "partner_id", area)
        .distinct()
        .order_by()
    ):
        found[(member_id, partner_id)].add(area_id)
    labels = areas(a for ids in found.values() for a in ids)
    for key, ids in found.items():
        if key in cells:
            cells[key].areas = sorted((labels[a] for a in ids if a in labels), key=lambda a: a.sort)
    totals: dict[int, SupportCell] = {}
    for partner_id, number in (
        base.filter(active=True, primary=True)
        .values_list("partner_id")
        .annotate(n=Count("activity_id", distinct=True))
        .order_by()
    ):
        totals[partner_id] = SupportCell(activities=number)
    for (partner_id,), value in money_by(
        base, {"p": F("partner_id")}, table, scope.currency
    ).items():
        totals.setdefault(partner_id, SupportCell()).money = value
    partners = sorted(
        organisations(totals).values(), key=lambda o: (-totals[o.pk].activities, o.display_name)
    )
    return SupportTable(scope, partners, scope.members, cells, totals, note)


# --------------------------------------------------------------------------- gaps


@dataclass
class Gap:
    need: Need
    provisions: list[str]
    age_days: int
    suggestions: list[Any] = field(default_factory=list)


@dataclass
class Gaps:
    rows: list[Gap]
    count: int
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.count


def gaps(
    *,
    user: Actor | None,
    filters: AnalysisFilters,
    page: int = 1,
    page_size: int = 20,
    suggestions: int = 3,
) -> Gaps:
    """Open needs without a confirmed supporting activity (that the reader may read), by
    priority, then the oldest first; each with the activities matching suggests for it
    (``needs.matching``, its first ``suggestions``), for the page asked."""
    from cbcoord.needs.matching import suggestions_for_needs

    scope = scope_of(filters)
    catalogue = Catalogue.load()
    found = [row for row in open_need_rows(user, scope, catalogue=catalogue) if not row.supported]
    found.sort(
        key=lambda row: (
            PRIORITY_ORDER.get(row.priority, 9),  # type: ignore[call-overload]
            row.identified_on,
            row.key,
        )
    )
    page = max(1, page)
    # Only the page's needs are read in full, and only they get matching's suggestions.
    shown = {row.pk for row in found[(page - 1) * page_size : page * page_size]}
    chosen = sorted(
        open_needs(user, scope, catalogue=catalogue, only=shown),
        key=lambda item: (
            PRIORITY_ORDER.get(item.need.priority, 9),  # type: ignore[call-overload]
            item.need.identified_on,
            item.need.key,
        ),
    )
    codes = dict(
        Provision.objects.filter(
            pk__in={pk for item in chosen for pk in item.provision_ids}
        ).values_list("pk", "code")
    )
    today = dt.date.today()  # noqa: DTZ011 (a need's age in days, by the server's calendar)
    rows = [
        Gap(
            need=item.need,
            provisions=sorted(codes.get(pk, "") for pk in item.provision_ids),
            age_days=(today - item.need.identified_on).days,
        )
        for item in chosen
    ]
    if suggestions and rows:
        matched = suggestions_for_needs([row.need for row in rows], user=user, limit=suggestions)
        for row in rows:
            row.suggestions = matched.get(row.need.pk, [])
    return Gaps(rows, len(found), page, page_size)


# --------------------------------------------------------------------------- overlaps


@dataclass
class Overlap:
    member: Member
    provision: Provision
    first: Activity
    second: Activity
    mark: OverlapMark | None = None
    changed: bool = False

    @property
    def state(self) -> str:
        """unmarked, complementary, duplication, or changed (marked, then the activities
        changed: flagged again)."""
        if self.mark is None:
            return "unmarked"
        if self.changed:
            return "changed"
        return self.mark.verdict

    @property
    def resolved(self) -> bool:
        return self.state == OverlapVerdict.COMPLEMENTARY

    @property
    def key(self) -> str:
        return f"{self.first.pk}-{self.second.pk}-{self.member.iso_code}-{self.provision.code}"


@dataclass
class Overlaps:
    rows: list[Overlap]
    count: int
    exact: bool
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.count


def _dates_meet(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Whether two (start, end) spans have a day in common (an empty end is open)."""
    a_start, a_end = a
    b_start, b_end = b
    return (a_end is None or b_start is None or b_start <= a_end) and (
        b_end is None or a_start is None or a_start <= b_end
    )


def _overlap_keys(
    user: Actor | None, scope: Scope, *, wanted: int, catalogue: Catalogue
) -> tuple[list[tuple[int, int, int, int]], bool]:
    """The overlaps as (member, provision, first activity, second activity), by member, in
    the database's order of members, until ``wanted`` are found; whether that is all. One
    query, read as it streams: a page stops reading once it has what it shows."""
    queryset = (
        coverage_facts(user, scope)
        .filter(active=True, primary=True, provision__isnull=False)
        .order_by("member_id")
        .values_list(
            "member_id",
            "area0_id",
            "provision_id",
            "activity_id",
            "partner_id",
            "start_date",
            "end_date",
        )
    )
    found: list[tuple[int, int, int, int]] = []
    seen: set[tuple[int, int, int, int]] = set()
    current: int | None = None
    rows: list[tuple[Any, ...]] = []
    for row in queryset.iterator(chunk_size=2000):
        if row[0] != current:
            if rows and _member_overlaps(current, rows, catalogue, seen, found, wanted):
                return found, False
            current = row[0]
            rows = []
        rows.append(row)
    if rows and _member_overlaps(current, rows, catalogue, seen, found, wanted):
        return found, False
    return found, True


def _overlap_provision(a: tuple[Any, ...], b: tuple[Any, ...], catalogue: Catalogue) -> int | None:
    """The deeper provision of two (activity, provision, partner, start, end) when they
    overlap: different activities of different partners, one provision inside the other,
    dates that meet; else None."""
    if a[0] == b[0] or a[2] == b[2]:
        return None
    if not (catalogue.inside(a[1], b[1]) or catalogue.inside(b[1], a[1])):
        return None
    if not _dates_meet(a[3:5], b[3:5]):
        return None
    deeper: int = a[1] if catalogue.chain[a[1]][0] >= catalogue.chain[b[1]][0] else b[1]
    return deeper


def _member_overlaps(
    member: int | None,
    rows: list[tuple[Any, ...]],
    catalogue: Catalogue,
    seen: set[tuple[int, int, int, int]],
    found: list[tuple[int, int, int, int]],
    wanted: int,
) -> bool:
    """Add the overlaps among one member's ``rows`` to ``found`` (once each); whether
    ``wanted`` are found."""
    groups: dict[int, dict[tuple[int, int], tuple[Any, ...]]] = defaultdict(dict)
    for _member, area0, provision, activity, partner, start, end in rows:
        groups[area0][(activity, provision)] = (activity, provision, partner, start, end)
    for group in groups.values():
        items = sorted(group.values())
        for index, a in enumerate(items):
            for b in items[index + 1 :]:
                deeper = _overlap_provision(a, b, catalogue)
                if deeper is None:
                    continue
                key = (member, deeper, min(a[0], b[0]), max(a[0], b[0]))
                if key in seen:
                    continue
                seen.add(key)  # type: ignore[arg-type]
                found.append(key)  # type: ignore[arg-type]
                if len(found) >= wanted:
                    return True
    return False


def overlaps(
    *,
    user: Actor | None,
    filters: AnalysisFilters,
    page: int = 1,
    page_size: int = 50,
    limit: int = OVERLAP_COUNT_LIMIT,
) -> Overlaps:
    """Overlaps in the scope (the module docstring's rule), a page of them with their marks;
    counted up to ``limit`` (``exact`` false past it)."""
    scope = scope_of(filters)
    catalogue = Catalogue.load()
    page = max(1, page)
    wanted = max(limit, page * page_size) + 1
    keys, complete = _overlap_keys(user, scope, wanted=wanted, catalogue=catalogue)
    exact = complete and len(keys) < wanted
    count = len(keys) if exact else min(len(keys), limit)
    chosen = keys[(page - 1) * page_size : page * page_size]
    rows = overlap_rows(chosen)
    return Overlaps(rows, count, exact, page, page_size)


def overlap_rows(keys: Sequence[tuple[int, int, int, int]]) -> list[Overlap]:
    """Overlaps from their keys, with their activities, marks and whether the activities
    changed since they were marked (a fixed number of queries)."""
    activity_ids = {pk for key in keys for pk in key[2:]}
    activities = {
        a.pk: a
        for a in Activity.objects.filter(pk__in=activity_ids)
        .select_related("reporting_org")
        .only(
            "iati_identifier",
            "title_text",
            "status",
            "start_date",
            "end_date",
            "is_demo",
            "reporting_org__key",
            "reporting_org__name",
            "reporting_org__acronym",
        )
        .annotate(title_narratives=F("data__title"))
    }
    members = {
        m.pk: m
        for m in Member.objects.filter(pk__in={key[0] for key in keys}).select_related("region")
    }
    provisions = {p.pk: p for p in Provision.objects.filter(pk__in={key[1] for key in keys})}
    marks = {
        (mark.member_id, mark.provision_id, mark.first_id, mark.second_id): mark
        for mark in OverlapMark.objects.filter(
            first_id__in=activity_ids, second_id__in=activity_ids
        ).select_related("marked_by")
    }
    current = dict(
        ActivityFact.objects.filter(activity_id__in=activity_ids).values_list(
            "activity_id", "fingerprint"
        )
    )
    rows = []
    for key in keys:
        member_id, provision_id, first, second = key
        if first not in activities or second not in activities:
            continue
        mark = marks.get(key)
        rows.append(
            Overlap(
                member=members[member_id],
                provision=provisions[provision_id],
                first=activities[first],
                second=activities[second],
                mark=mark,
                changed=mark is not None
                and mark.fingerprint != pair_fingerprint(current, first, second),
            )
        )
    return rows


def pair_fingerprint(current: dict[int, str], first: int, second: int) -> str:
    return f"{current.get(first, '')[:32]}{current.get(second, '')[:32]}"


# --------------------------------------------------------------------------- synergies


@dataclass
class Synergy:
    area: Area
    members: list[Member]
    needs: list[NeedRow]
    partners: list[tuple[Organisation, int]]  # partner, activities in the region


def synergies(*, user: Actor | None, filters: SynergyFilters) -> list[Synergy]:
    """Provisions (at the chosen level) for which at least ``k`` members of the region have
    open needs, with the partners already active on them in the region: candidates for a
    regional programme. Most members first."""
    scope = scope_of(filters)
    catalogue = Catalogue.load()
    by_area: dict[int, dict[int, list[NeedRow]]] = defaultdict(lambda: defaultdict(list))
    for row in open_need_rows(user, scope, catalogue=catalogue):
        for area_id in {catalogue.area(pk, filters.level) for pk in row.provision_ids}:
            by_area[area_id][row.member_id].append(row)
    chosen = {a: found for a, found in by_area.items() if len(found) >= max(1, filters.k)}
    if not chosen:
        return []
    column = area_field(filters.level)
    active: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for area_id, partner_id, number in (
        coverage_facts(user, scope)
        .filter(active=True, primary=True, **{f"{column}__in": list(chosen)})
        .values_list(column, "partner_id")
        .annotate(n=Count("activity_id", distinct=True))
        .order_by()
    ):
        active[area_id].append((partner_id, number))
    labels = areas(chosen)
    partners = organisations(p for found in active.values() for p, _n in found)
    members = {member.pk: member for member in scope.members}
    result = [
        Synergy(
            area=labels[area_id],
            members=sorted(
                (members[m] for m in found if m in members), key=lambda m: m.country_name
            ),
            needs=sorted((n for needs in found.values() for n in needs), key=lambda n: n.key),
            partners=sorted(
                ((partners[p], n) for p, n in active.get(area_id, []) if p in partners),
                key=lambda item: (-item[1], item[0].display_name),
            ),
        )
        for area_id, found in chosen.items()
        if area_id in labels
    ]
    result.sort(key=lambda s: (-len(s.members), s.area.sort))
    return result


# --------------------------------------------------------------------------- missions


def mission_visible(user: Actor | None) -> QuerySet[Mission]:
    """Missions ``user`` may read: those of the activities they may read."""
    return Mission.objects.filter(activity__in=activity_visible(user).values("pk"))


@dataclass
class Clash:
    member: Member
    first: Mission
    second: Mission
    days_apart: int


def mission_list(*, user: Actor | None, filters: AnalysisFilters) -> list[Mission]:
    """The missions in the scope, by date."""
    scope = scope_of(filters)
    queryset = mission_visible(user).filter(member_id__in=scope.member_ids)
    years = filters.years
    if years is not None:
        queryset = queryset.filter(
            start_date__lte=dt.date(years[1], 12, 31), end_date__gte=dt.date(years[0], 1, 1)
        )
    if scope.partner is not None:
        queryset = queryset.filter(activity__reporting_org=scope.partner)
    return list(
        queryset.select_related("activity__reporting_org", "member").order_by("start_date", "pk")
    )


def mission_clashes(*, user: Actor | None, filters: ClashFilters) -> list[Clash]:
    """Missions of two or more partners in one administration at most ``days`` apart."""
    missions = mission_list(user=user, filters=filters)
    by_member: dict[int, list[Mission]] = defaultdict(list)
    for mission in missions:
        by_member[mission.member_id].append(mission)
    clashes = []
    for items in by_member.values():
        for index, first in enumerate(items):
            for second in items[index + 1 :]:
                # By start date: once one starts too late, so do the rest.
                if second.start_date > first.end_date + dt.timedelta(days=filters.days):
                    break
                apart = max(0, (second.start_date - first.end_date).days)
                if first.activity.reporting_org_id == second.activity.reporting_org_id:
                    continue
                clashes.append(Clash(first.member, first, second, apart))
    clashes.sort(key=lambda c: (c.first.start_date, c.member.country_name))
    return clashes


# --------------------------------------------------------------------------- funding


@dataclass
class FundingRow:
    key: Any
    label: str
    activities: int
    money: Money


@dataclass
class Funding:
    by: str
    rows: list[FundingRow]
    total: FundingRow
    note: RatesNote


def funding(*, user: Actor | None, filters: FundingFilters) -> Funding:
    """Committed, disbursed and budgeted amounts by partner, member, instrument or year,
    converted to the reporting currency. The total counts each activity once (a regional
    activity is in each member's row, an activity of two instruments in both)."""
    scope = scope_of(filters)
    table = RateTable.load()
    note = RatesNote(scope.currency)
    base = coverage_facts(user, scope)
    column = {
        "partner": "partner_id",
        "member": "member_id",
        "instrument": "instrument_id",
        "year": "year",
    }[filters.by]
    if filters.by == "instrument":
        base = base.filter(instrument__isnull=False)
    counts = dict(
        base.filter(primary=True)
        .values_list(column)
        .annotate(n=Count("activity_id", distinct=True))
        .order_by()
    )
    money = money_by(base, {"k": F(column)}, table, scope.currency, note)
    total_count = base.filter(primary=True).values("activity_id").distinct().count()
    total_money = money_by(base, {}, table, scope.currency).get((), Money(scope.currency))
    labels: dict[Any, str] = {}
    keys = set(counts) | {key[0] for key in money}
    if filters.by == "partner":
        labels = {pk: org.display_name for pk, org in organisations(k for k in keys if k).items()}
    elif filters.by == "member":
        labels = {m.pk: m.country_name for m in Member.objects.filter(pk__in=keys)}
    elif filters.by == "instrument":
        labels = dict(Instrument.objects.filter(pk__in=keys).values_list("pk", "code"))
    else:
        labels = {year: str(year) if year else _("no date") for year in keys}
    rows = [
        FundingRow(
            key,
            labels.get(key, str(key)),
            counts.get(key, 0),
            money.get((key,), Money(scope.currency)),
        )
        for key in keys
    ]
    if filters.by == "year":
        rows.sort(key=lambda r: (r.key is None, r.key or 0))
    else:
        rows.sort(key=lambda r: (-(r.money.committed.amount), r.label))
    return Funding(filters.by, rows, FundingRow(None, _("Total"), total_count, total_money), note)


# --------------------------------------------------------------------------- indicators


@dataclass
class Indicators:
    scope: Scope
    support_total: Total
    support_for_needs: Total
    overlaps: int
    overlaps_exact: bool
    overlaps_resolved: int
    supported_amount: Total
    high_priority_cost: Total
    high_priority_needs: int

    @staticmethod
    def share(part: Total, whole: Total) -> float | None:
        if not whole.amount:
            return None
        return float(part.amount / whole.amount)

    @property
    def targeted(self) -> float | None:
        return self.share(self.support_for_needs, self.support_total)

    @property
    def coordinated(self) -> float | None:
        return self.overlaps_resolved / self.overlaps if self.overlaps else None

    @property
    def open_overlaps(self) -> int:
        return self.overlaps - self.overlaps_resolved

    @property
    def resourced(self) -> float | None:
        return self.share(self.supported_amount, self.high_priority_cost)


INDICATOR_OVERLAP_LIMIT = 10_000


def indicators(*, user: Actor | None, filters: AnalysisFilters) -> Indicators:
    """Strategy indicators of a region and period (amounts: commitments dated in it):

    - *targeted*: the share of the support (commitments of the activities active there) that
      goes to activities confirmed as supporting a recorded need the reader may read;
    - *coordinated*: the overlaps still open, and the share resolved (marked complementary
      and unchanged since);
    - *resourced*: the commitments of activities confirmed for open high-priority needs
      against those needs' estimated cost (converted at the rate of the year identified).
    """
    scope = scope_of(filters)
    table = RateTable.load()
    base = coverage_facts(user, scope)
    readable_needs = need_visible(user).values("pk")
    linked = Exists(
        NeedActivityLink.objects.filter(
            activity_id=OuterRef("activity_id"),
            state=LinkState.CONFIRMED,
            need__in=readable_needs,
        )
    )
    total = money_by(base, {}, table, scope.currency).get((), Money(scope.currency))
    for_needs = money_by(base.filter(linked), {}, table, scope.currency).get(
        (), Money(scope.currency)
    )
    catalogue = Catalogue.load()
    high = [
        row
        for row in open_need_rows(user, scope, catalogue=catalogue)
        if row.priority == NeedPriority.HIGH
    ]
    cost = Total(scope.currency)
    for need in high:
        if need.estimated_cost is not None:
            cost.add(table, need.estimated_cost, need.currency or "", need.identified_on)
    supporting = NeedActivityLink.objects.filter(
        state=LinkState.CONFIRMED, need_id__in=[need.pk for need in high]
    ).values("activity_id")
    supported = money_by(base.filter(activity_id__in=supporting), {}, table, scope.currency).get(
        (), Money(scope.currency)
    )
    keys, complete = _overlap_keys(
        user, scope, wanted=INDICATOR_OVERLAP_LIMIT + 1, catalogue=catalogue
    )
    rows = overlap_rows(keys) if len(keys) <= 2000 else []
    resolved = sum(1 for row in rows if row.resolved)
    return Indicators(
        scope=scope,
        support_total=total.committed,
        support_for_needs=for_needs.committed,
        overlaps=min(len(keys), INDICATOR_OVERLAP_LIMIT),
        overlaps_exact=complete and len(keys) <= INDICATOR_OVERLAP_LIMIT,
        overlaps_resolved=resolved,
        supported_amount=supported.committed,
        high_priority_cost=cost,
        high_priority_needs=len(high),
    )


# --------------------------------------------------------------------------- timeline, map


@dataclass
class TimelineBar:
    partner: str
    activity: str
    title: str
    start: dt.date
    end: dt.date


TIMELINE_LIMIT = 300


def timeline(*, user: Actor | None, filters: AnalysisFilters) -> list[TimelineBar]:
    """Activities of the scope as bars by partner (the first ``TIMELINE_LIMIT`` by start)."""
    scope = scope_of(filters)
    ids = list(
        coverage_facts(user, scope)
        .filter(active=True, primary=True)
        .values_list("activity_id", flat=True)
        .distinct()
        .order_by("activity_id")[: TIMELINE_LIMIT * 4]
    )
    bars = []
    for activity in (
        Activity.objects.filter(pk__in=ids)
        .select_related("reporting_org")
        .only(
            "iati_identifier",
            "title_text",
            "start_date",
            "end_date",
            "reporting_org__name",
            "reporting_org__acronym",
        )
        .order_by("start_date", "pk")[:TIMELINE_LIMIT]
    ):
        start = activity.start_date or activity.end_date
        if start is None:
            continue
        end = activity.end_date or dt.date(max(start.year, dt.date.today().year), 12, 31)  # noqa: DTZ011
        bars.append(
            TimelineBar(
                activity.reporting_org.display_name,
                activity.iati_identifier,
                activity.title_text[:80],
                start,
                end,
            )
        )
    return bars


@dataclass
class MemberShade:
    member: Member
    unsupported_high: int
    open_needs: int


def unsupported_by_member(*, user: Actor | None, filters: AnalysisFilters) -> list[MemberShade]:
    """Each member of the scope with its open needs and its unsupported high-priority ones
    (the map's shading)."""
    scope = scope_of(filters)
    catalogue = Catalogue.load()
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in open_need_rows(user, scope, catalogue=catalogue):
        entry = counts[row.member_id]
        entry[1] += 1
        if row.priority == NeedPriority.HIGH and not row.supported:
            entry[0] += 1
    return [
        MemberShade(member, counts[member.pk][0], counts[member.pk][1]) for member in scope.members
    ]


# --------------------------------------------------------------------------- co-financing


@dataclass
class ProjectSuggestion:
    first: Activity
    second: Activity
    score: int
    reasons: list[str]
    decision: ProjectLink | None = None


SUGGESTION_CANDIDATE_LIMIT = 5000


def _words(text: str) -> set[str]:
    return {
        word
        for word in "".join(c.lower() if c.isalnum() else " " for c in text).split()
        if len(word) > 3
    }


def project_suggestions(
    *, user: Actor | None, filters: AnalysisFilters, limit: int = 50
) -> list[ProjectSuggestion]:
    """Activities of different publishers that may report the same project: the same
    recipients, dates that overlap, and at least one of: similar titles (half their words or
    more in common), one naming the other's publisher among its participating organisations,
    one referring to the other (IATI related-activity). Confirmed and rejected pairs are
    left out. Best first."""
    scope = scope_of(filters)
    ids = list(
        coverage_facts(user, scope)
        .filter(active=True, primary=True)
        .values_list("activity_id", flat=True)
        .distinct()
        .order_by("activity_id")[:SUGGESTION_CANDIDATE_LIMIT]
    )
    activities = {
        a.pk: a
        for a in Activity.objects.filter(pk__in=ids)
        .select_related("reporting_org")
        .only(
            "iati_identifier",
            "title_text",
            "start_date",
            "end_date",
            "reporting_org__key",
            "reporting_org__name",
            "reporting_org__acronym",
            "reporting_org__iati_org_id",
        )
        .annotate(related=F("data__related_activities"))
    }
    recipients, participants = _recipients_and_participants(ids)
    decided = {
        (link.first_id, link.second_id): link
        for link in ProjectLink.objects.filter(first_id__in=ids, second_id__in=ids)
    }
    groups: dict[frozenset[str], list[int]] = defaultdict(list)
    for pk in activities:
        if recipients[pk]:
            groups[frozenset(recipients[pk])].append(pk)
    found = []
    for members in groups.values():
        if len(members) > 400:
            continue
        for index, a_id in enumerate(members):
            for b_id in members[index + 1 :]:
                pair = (min(a_id, b_id), max(a_id, b_id))
                if pair in decided:
                    continue
                first, second = activities[pair[0]], activities[pair[1]]
                suggestion = _project_suggestion(first, second, participants)
                if suggestion is not None:
                    found.append(suggestion)
    found.sort(key=lambda s: (-s.score, s.first.pk, s.second.pk))
    return found[:limit]


def _recipients_and_participants(
    ids: list[int],
) -> tuple[dict[int, set[str]], dict[int, set[int]]]:
    """Per activity: its recipient countries and regions (``region:`` before a region's
    code), and the organisations taking part."""
    from cbcoord.activities.models import ActivityCountry, ActivityParticipant, ActivityRegion

    recipients: dict[int, set[str]] = defaultdict(set)
    for activity_id, code in ActivityCountry.objects.filter(activity_id__in=ids).values_list(
        "activity_id", "code"
    ):
        recipients[activity_id].add(code)
    for activity_id, code in ActivityRegion.objects.filter(activity_id__in=ids).values_list(
        "activity_id", "code"
    ):
        recipients[activity_id].add(f"region:{code}")
    participants: dict[int, set[int]] = defaultdict(set)
    for activity_id, organisation_id in ActivityParticipant.objects.filter(
        activity_id__in=ids, organisation_id__isnull=False
    ).values_list("activity_id", "organisation_id"):
        participants[activity_id].add(organisation_id)
    return recipients, participants


def _project_suggestion(
    a: Activity, b: Activity, participants: dict[int, set[int]]
) -> ProjectSuggestion | None:
    """The suggestion that ``a`` and ``b`` (same recipients) report one project, with its
    score and reasons; None unless their publishers differ, their dates meet and one more
    sign joins them."""
    if a.reporting_org_id == b.reporting_org_id:
        return None
    if not _dates_meet((a.start_date, a.end_date), (b.start_date, b.end_date)):
        return None
    reasons = [_("Same recipients"), _("Dates overlap")]
    score = 40
    a_words, b_words = _words(a.title_text), _words(b.title_text)
    similarity = len(a_words & b_words) / len(a_words | b_words) if a_words and b_words else 0
    if similarity >= 0.5:
        score += int(30 * similarity)
        reasons.append(_("Similar titles (%(percent)d%% of words)") % {"percent": similarity * 100})
    if a.reporting_org_id in participants[b.pk] or b.reporting_org_id in participants[a.pk]:
        score += 30
        reasons.append(_("One names the other's publisher as a participant"))
    related = (getattr(a, "related", None) or []) + (getattr(b, "related", None) or [])
    refs = {str(item.get("ref") or "") for item in related if isinstance(item, dict)}
    if a.iati_identifier in refs or b.iati_identifier in refs:
        score += 40
        reasons.append(_("One refers to the other (related activity)"))
    if len(reasons) == 2:
        return None
    return ProjectSuggestion(a, b, score, reasons)


def project_links(*, user: Actor | None, filters: AnalysisFilters) -> list[ProjectLink]:
    """Decided project links between activities in the scope the reader may read."""
    scope = scope_of(filters)
    ids = coverage_facts(user, scope).values("activity_id")
    readable = activity_visible(user).values("pk")
    return list(
        ProjectLink.objects.filter(first_id__in=ids, first__in=readable, second__in=readable)
        .select_related("first__reporting_org", "second__reporting_org", "decided_by")
        .order_by("-updated_at")
    )


# --------------------------------------------------------------------------- doors


def overlap_mark_allowed(
    *, user: Actor | None, first: str, second: str, member: str, provision: str
) -> tuple[Activity, Activity, Member, Provision]:
    """The door for marking an overlap: both activities readable (else 404), the member and
    provision known (else 404), and ``user`` a coordinator: the secretariat (else 403)."""
    one = activity_get(user=user, iati_identifier=first)
    other = activity_get(user=user, iati_identifier=second)
    found_member = Member.objects.filter(iso_code__iexact=member).first()
    found_provision = Provision.objects.filter(code=provision).first()
    if found_member is None or found_provision is None:
        raise Http404(_("No such member or provision."))
    if not may_mark_overlap(user):
        raise PermissionDenied(_("Only the WCO secretariat marks overlaps."))
    return one, other, found_member, found_provision


def mission_create_allowed(*, user: Actor | None, iati_identifier: str) -> Activity:
    """The door for recording a mission of an activity: readable (else 404); the reporting
    partner's editors and the secretariat (else 403)."""
    activity = activity_get(user=user, iati_identifier=iati_identifier)
    if not may_record_mission(user, activity):
        raise PermissionDenied(
            _("Only the partner reporting the activity and the secretariat record its missions.")
        )
    return activity


def mission_get_for_edit(*, user: Actor | None, pk: int) -> Mission:
    """The door for changing or deleting a mission (the same people)."""
    mission = mission_visible(user).select_related("activity", "member").filter(pk=pk).first()
    if mission is None:
        raise Http404(_("No such mission that you may see."))
    if not may_record_mission(user, mission.activity):
        raise PermissionDenied(
            _("Only the partner reporting the activity and the secretariat change its missions.")
        )
    return mission


def project_link_allowed(
    *, user: Actor | None, first: str, second: str
) -> tuple[Activity, Activity]:
    """The door for confirming or rejecting that two activities report one project: both
    readable (else 404); the secretariat only (else 403)."""
    one = activity_get(user=user, iati_identifier=first)
    other = activity_get(user=user, iati_identifier=second)
    if not may_decide_project_link(user):
        raise PermissionDenied(_("Only the WCO secretariat links activities as one project."))
    return one, other


def fingerprints(activity_ids: Iterable[int]) -> dict[int, str]:
    facts.refresh()
    return dict(
        ActivityFact.objects.filter(activity_id__in=list(activity_ids)).values_list(
            "activity_id", "fingerprint"
        )
    )
