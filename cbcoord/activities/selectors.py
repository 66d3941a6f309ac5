"""Reads on activities. ``activity_visible`` is the only door: every page, API answer, download
and export starts from it, so the visibility levels hold everywhere."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OrderBy, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import is_secretariat, organisation_id_of
from cbcoord.activities.filters import ActivityFilters, Relevance, TagReviewFilters
from cbcoord.activities.models import (
    Activity,
    ActivityCountry,
    ActivityParticipant,
    ActivityProvision,
    ActivityRegion,
    ActivitySector,
    TagStatus,
)
from cbcoord.activities.permissions import (
    may_create_activity_for,
    may_edit_activity,
    may_review_activity,
    may_review_tags,
)
from cbcoord.core.ids import many_ids
from cbcoord.registry.models import Organisation, OrganisationKind, RecipientRegionCover, Region
from cbcoord.registry.selectors import organisation_visible
from cbcoord.registry.visibility import visibility_q


def activity_visible(user: Actor | None, *, include_withdrawn: bool = True) -> QuerySet[Activity]:
    """Activities ``user`` may read (``registry.visibility``): the reporting organisation
    owns an activity; its participating organisations belong to its coordination group."""
    queryset = Activity.objects.all()
    if not include_withdrawn:
        queryset = queryset.filter(withdrawn_at__isnull=True)
    organisation_id = organisation_id_of(user)
    participant = (
        Exists(
            ActivityParticipant.objects.filter(
                activity=OuterRef("pk"), organisation_id=organisation_id
            )
        )
        if organisation_id is not None
        else None
    )
    condition = visibility_q(
        user,
        model=Activity,
        owner="reporting_org",
        named="visible_to",
        regions="regions",
        concerned=participant,
    )
    return queryset if condition is None else queryset.filter(condition)


def activity_get(*, user: Actor | None, iati_identifier: str) -> Activity:
    """The activity, if ``user`` may read it (else 404)."""
    try:
        return (
            activity_visible(user)
            .select_related("reporting_org", "import_run", "created_by")
            .get(iati_identifier=iati_identifier)
        )
    except Activity.DoesNotExist as error:
        raise Http404(f"No activity {iati_identifier!r} that you may see.") from error


def activity_get_for_edit(*, user: Actor | None, iati_identifier: str) -> Activity:
    """The door for changing an activity: 404 if ``user`` may not read it, 403 if they may
    not edit it (the secretariat, or the reporting organisation's partner editors)."""
    activity = activity_get(user=user, iati_identifier=iati_identifier)
    if not may_edit_activity(user, activity):
        raise PermissionDenied(_("You may edit only the activities your organisation reports."))
    return activity


def activity_create_allowed(*, user: Actor | None, organisation: Organisation) -> Organisation:
    """The door for entering an activity reported by ``organisation``: returns it, or raises
    PermissionDenied."""
    if not may_create_activity_for(user, organisation):
        raise PermissionDenied(
            _("You may not enter activities for %(organisation)s.")
            % {"organisation": organisation.name}
        )
    return organisation


def activity_get_for_review(*, user: Actor | None, iati_identifier: str) -> Activity:
    """The door for reviewing an activity's provision tags (confirm, reject, add) and for
    deciding whether it is relevant: 404 if ``user`` may not read it, 403 unless they are
    the secretariat or a partner editor of its reporting organisation."""
    activity = activity_get(user=user, iati_identifier=iati_identifier)
    if not may_review_activity(user, activity):
        raise PermissionDenied(
            _("You may review only the tags of the activities your organisation reports.")
        )
    return activity


def activity_tag_get_for_review(*, user: Actor | None, pk: int) -> ActivityProvision:
    """The door for confirming or rejecting one tag: 404 if ``user`` may not read its
    activity, 403 if they may not review it (``activity_get_for_review``)."""
    tag = (
        ActivityProvision.objects.select_related("provision", "activity__reporting_org")
        .filter(pk=pk, activity__in=activity_visible(user))
        .first()
    )
    if tag is None:
        raise Http404(f"No tag {pk} that you may see.")
    if not may_review_activity(user, tag.activity):
        raise PermissionDenied(
            _("You may review only the tags of the activities your organisation reports.")
        )
    return tag


def tag_review_allowed(*, user: Actor | None) -> None:
    """The door of the review queue: the secretariat and partner editors, else 403."""
    if not may_review_tags(user):
        raise PermissionDenied(
            _("Only the WCO secretariat and partner editors review provision tags.")
        )


def _tag_conditions(filters: TagReviewFilters) -> Q:
    """The tags a review list shows: of the filters' status, provision and instrument."""
    condition = Q(status=filters.status)
    if filters.provision:
        condition &= Q(provision__code=filters.provision)
    if filters.instrument:
        condition &= Q(provision__instrument__code=filters.instrument)
    return condition


def tag_review_list(*, user: Actor | None, filters: TagReviewFilters) -> QuerySet[Activity]:
    """The activities whose tags ``user`` reviews (the secretariat: all they may read; a
    partner editor: those their organisation reports) that have a tag of the filters'
    status (suggested by default), provision and instrument, in a region or of a partner,
    most recently updated first. ``review_tags`` gives each one's tags."""
    tag_review_allowed(user=user)
    listed = ActivityFilters(
        region=filters.region, partner=filters.partner, relevance=Relevance.ALL, sort="-updated"
    )
    queryset = activity_list(user=user, filters=listed)
    if not is_secretariat(user):
        queryset = queryset.filter(reporting_org_id=organisation_id_of(user))
    return queryset.filter(
        Exists(ActivityProvision.objects.filter(_tag_conditions(filters), activity=OuterRef("pk")))
    )


def review_tags(
    activity_ids: Iterable[int], filters: TagReviewFilters
) -> dict[int, list[ActivityProvision]]:
    """The tags of these activities (read through ``tag_review_list``) that the review list
    shows, by activity, strongest first: one query."""
    found: dict[int, list[ActivityProvision]] = defaultdict(list)
    tags = (
        ActivityProvision.objects.filter(
            _tag_conditions(filters), activity_id__in=list(activity_ids)
        )
        .select_related("provision", "reviewed_by")
        .order_by("activity_id", F("confidence").desc(nulls_last=True), "provision__sort_order")
    )
    for tag in tags:
        found[tag.activity_id].append(tag)
    return found


def activity_tags(activity: Activity) -> list[ActivityProvision]:
    """An activity's tags for its page (read through ``activity_get``): confirmed, then
    suggested, then rejected; strongest first."""
    order: dict[str, int] = {TagStatus.CONFIRMED: 0, TagStatus.SUGGESTED: 1, TagStatus.REJECTED: 2}
    tags = list(
        activity.provision_links.select_related("provision", "reviewed_by").order_by(
            "provision__sort_order"
        )
    )
    return sorted(tags, key=lambda tag: (order.get(tag.status, 3), -(tag.confidence or 0)))


#: The column behind each order of ``ActivityFilters.sort``; each has an index over
#: (column, id) of the activities not withdrawn (``Activity.Meta.indexes``), so that a page
#: of the list is read from an index in its order on both databases, never by sorting them all.
SORT_COLUMNS = {
    "updated": "updated_at",
    "title": "title_text",
    "start": "start_date",
    "end": "end_date",
    "budget": "total_budget",
}
_NULLABLE = {"start_date", "end_date", "total_budget"}


def activity_order(sort: str) -> tuple[OrderBy, OrderBy]:
    """The ORDER BY of ``sort``: the column, then the id (each page is one slice of one
    order). An empty value counts as smaller than any other, on both databases."""
    column = SORT_COLUMNS[sort.removeprefix("-")]
    nullable = column in _NULLABLE
    if sort.startswith("-"):
        return F(column).desc(nulls_last=nullable or None), F("id").desc()
    return F(column).asc(nulls_first=nullable or None), F("id").asc()


def _region_holders(code: str) -> QuerySet[Any]:
    region_id = Subquery(Region.objects.filter(code=code).order_by().values("pk")[:1])
    return Activity.regions.through.objects.filter(region_id=region_id)


def _organisation_id(key: str) -> Subquery:
    return Subquery(Organisation.objects.filter(key=key).order_by().values("pk")[:1])


def _partner_holders(key: str) -> QuerySet[Any]:
    return ActivityParticipant.objects.filter(organisation_id=_organisation_id(key))


# A rejected tag says the activity does not support the provision.
def _provision_holders(code: str) -> QuerySet[Any]:
    return ActivityProvision.objects.filter(provision__code=code).exclude(status=TagStatus.REJECTED)


def _instrument_holders(code: str) -> QuerySet[Any]:
    return ActivityProvision.objects.filter(provision__instrument__code=code).exclude(
        status=TagStatus.REJECTED
    )


#: Each filter on codes and the rows holding a code, each with its ``activity_id``: the one
#: place each is written, tested per activity (EXISTS, below) or read whole (``_held``).
_HOLDERS: dict[str, Callable[[str], QuerySet[Any]]] = {
    "region": _region_holders,
    "country": lambda code: ActivityCountry.objects.filter(code=code),
    "partner": _partner_holders,
    "sector": lambda code: ActivitySector.objects.filter(code=code),
    "provision": _provision_holders,
    "instrument": _instrument_holders,
}


def _holding(name: str) -> Callable[[str], Exists]:
    """The filter ``name`` as a test of each activity: EXISTS one of its rows holding the
    code."""

    def condition(code: str) -> Exists:
        return Exists(_HOLDERS[name](code).filter(activity_id=OuterRef("pk")))

    return condition


def _with_partner(key: str) -> Q:
    return Q(reporting_org_id=_organisation_id(key)) | Q(_holding("partner")(key))


def _reported_by(identifier: str) -> Exists:
    # EXISTS too, not "reporting_org_id IN (…)": SQLite would read the organisation's
    # activities from the foreign key's index and sort them all.
    return Exists(
        Organisation.objects.filter(
            Q(iati_org_id=identifier) | Q(key=identifier), pk=OuterRef("reporting_org_id")
        )
    )


def _with_status(code: str) -> Q:
    return Q(status=code)


# Period: activities whose span overlaps [start, end]; open ends count as unbounded.
def _ending_after(start: object) -> Q:
    return Q(end_date__gte=start) | Q(end_date__isnull=True)


def _starting_before(end: object) -> Q:
    return Q(start_date__lte=end) | Q(start_date__isnull=True)


def _matching_text(text: str) -> Q:
    return Q(title_text__icontains=text) | Q(iati_identifier__icontains=text)


#: Each filter of ``ActivityFilters`` (but relevance, withdrawn and order) and its condition.
_CONDITIONS: dict[str, Callable[[Any], Q | Exists]] = {
    "region": _holding("region"),
    "country": _holding("country"),
    "partner": _with_partner,
    "reporting_org": _reported_by,
    "status": _with_status,
    "sector": _holding("sector"),
    "provision": _holding("provision"),
    "instrument": _holding("instrument"),
    "start": _ending_after,
    "end": _starting_before,
    "q": _matching_text,
}


# The filters on codes, written for counting: "id IN (the activities holding the code)",
# read from the index that leads with the code. A list's page walks its order's index and
# tests each row with the EXISTS above until it has a page, and its count goes on until it
# has ``COUNT_LIMIT`` rows: quick when many rows match, a walk to the end of the table when
# few do (country=GT&status=3: 0.5 s at 100,000 activities on SQLite, which tests each row
# in turn). Starting from the code's index instead reads the few matching rows alone (16 ms),
# but reads every holder of a code many hold (region=AMC: all of them), so it is the way
# only for a code held by few rows (``FEW_HOLDERS``, counted first from the same index).
FEW_HOLDERS = 20_000


def _few(rows: QuerySet[Any]) -> bool:
    return rows.order_by().values("pk")[: FEW_HOLDERS + 1].count() <= FEW_HOLDERS


def _held_by_few(name: str, value: str) -> Q | None:
    """The filter as a membership test, if few rows hold its code (else None)."""
    holders = _HOLDERS[name](value)
    if name == "partner":  # or reports them
        reported = Activity.objects.filter(reporting_org_id=_organisation_id(value))
        if not (_few(holders) and _few(reported)):
            return None
        return Q(pk__in=reported.order_by().values("pk")) | _held(holders)
    if not _few(holders):
        return None
    return _held(holders)


def _text_ids(text: str, *, withdrawn: bool) -> Q:
    """The text filter as a membership test: each side from an index holding its column
    (SQLite: the title's order index, the identifier's unique one), never from the rows,
    each with its 5 KB of content. Withdrawn activities (``withdrawn``: when the list shows
    them) are not in the title's index: they are read from the rows."""
    titled = Activity.objects.filter(title_text__icontains=text)
    named = Activity.objects.filter(iati_identifier__icontains=text)
    condition = Q(pk__in=titled.filter(withdrawn_at__isnull=True).order_by().values("pk")) | Q(
        pk__in=named.order_by().values("pk")
    )
    if withdrawn:
        condition |= Q(pk__in=titled.filter(withdrawn_at__isnull=False).order_by().values("pk"))
    return condition


def _filtered(
    user: Actor | None, filters: ActivityFilters, written: dict[str, Q] | None = None
) -> QuerySet[Activity]:
    """``activity_list``'s rows, unordered; ``written``: filters' conditions written another
    way (``activity_count_source``)."""
    written = written or {}
    queryset = activity_visible(user, include_withdrawn=filters.include_withdrawn)
    # Unassessed activities (is_relevant null) count as relevant.
    if filters.relevance == Relevance.RELEVANT:
        queryset = queryset.exclude(is_relevant=False)
    elif filters.relevance == Relevance.NOT_RELEVANT:
        queryset = queryset.filter(is_relevant=False)
    for name, condition in _CONDITIONS.items():
        value = getattr(filters, name)
        if value:
            queryset = queryset.filter(written[name] if name in written else condition(value))
    return queryset


def activity_list(*, user: Actor | None, filters: ActivityFilters) -> QuerySet[Activity]:
    """The activities ``user`` may read that pass ``filters``, in the filters' order: the one
    place where each filter's meaning is written (pages, API, downloads, commands).

    Every condition is an EXISTS on the activity (never a join, which would need DISTINCT),
    and the codes are looked up inside the query (no query of their own). Its pages count
    their rows in ``activity_count_source``."""
    queryset = _filtered(user, filters)
    return queryset.select_related("reporting_org").order_by(*activity_order(filters.sort))


def activity_count_source(*, user: Actor | None, filters: ActivityFilters) -> QuerySet[Activity]:
    """The activities of ``activity_list``, unordered, written as the database counts them
    fastest: the text filter, and each filter on a code few rows hold, as a membership test
    (``FEW_HOLDERS``); one query for each code filter to find out."""
    written: dict[str, Q] = {}
    if filters.q:
        written["q"] = _text_ids(filters.q, withdrawn=filters.include_withdrawn)
    for name in _HOLDERS:
        value = getattr(filters, name)
        found = _held_by_few(name, value) if value else None
        if found is not None:
            written[name] = found
    return _filtered(user, filters, written)


@dataclass(frozen=True)
class ActivityCodes:
    """What a list shows of an activity's index rows."""

    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()


def activity_codes(
    activity_ids: Iterable[int], *, regions: bool = True
) -> dict[int, ActivityCodes]:
    """The recipient countries, WCO regions (unless ``regions`` is false) and sectors of
    these activities (already read through ``activity_visible``), in their order in the
    content: a query for each, whatever the number of activities."""
    ids = list(activity_ids)
    countries: dict[int, list[str]] = defaultdict(list)
    wco_regions: dict[int, list[str]] = defaultdict(list)
    sectors: dict[int, list[str]] = defaultdict(list)
    if ids:
        for activity_id, code in (
            ActivityCountry.objects.filter(activity_id__in=ids)
            .order_by("activity_id", "pk")
            .values_list("activity_id", "code")
        ):
            countries[activity_id].append(code)
        if regions:
            for activity_id, code in (
                Activity.regions.through.objects.filter(activity_id__in=ids)
                .order_by("activity_id", "region__sort_order")
                .values_list("activity_id", "region__code")
            ):
                wco_regions[activity_id].append(code)
        for activity_id, code in (
            ActivitySector.objects.filter(activity_id__in=ids)
            .order_by("activity_id", "pk")
            .values_list("activity_id", "code")
        ):
            sectors[activity_id].append(code)
    return {
        pk: ActivityCodes(tuple(countries[pk]), tuple(wco_regions[pk]), tuple(sectors[pk]))
        for pk in ids
    }


# The large JSON columns, which a list of activities does not show.
_LARGE_COLUMNS = ("data", "warnings", "publisher_data", "publisher_warnings")


def activity_rows(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """``queryset`` for a list: without the large JSON columns (a 5 KB ``data`` per row made
    a page of a 100,000-activity list sort and carry half a gigabyte), but with the title's
    narratives, which ``Activity.title`` shows in the reader's language."""
    return queryset.defer(*_LARGE_COLUMNS).annotate(title_narratives=F("data__title"))


def covering_country_q(iso_code: str) -> Q:
    """Activities that cover the member ``iso_code``: it is a recipient country, or a recipient
    region (OECD DAC, vocabulary 1) covers it (``registry.RecipientRegionCover``).

    Written as the list's filters are (``FEW_HOLDERS``): as EXISTS tests of each activity when
    many rows name the country and its regions, and as "id IN (those activities)" when few
    do, so that a member with few activities is not found by testing every activity (one
    query to find out)."""
    code = iso_code.upper()
    dac_codes = RecipientRegionCover.objects.filter(member__iso_code=code).values("dac_code")
    countries = ActivityCountry.objects.filter(code=code)
    regions = ActivityRegion.objects.filter(code__in=dac_codes, vocabulary__in=["", "1"])
    if _few(countries) and _few(regions):
        return _held(countries) | _held(regions)
    return Q(Exists(countries.filter(activity=OuterRef("pk")))) | Q(
        Exists(regions.filter(activity=OuterRef("pk")))
    )


def _held(rows: QuerySet[Any]) -> Q:
    return Q(pk__in=rows.order_by().values("activity_id"))


# --------------------------------------------------------------------------- summaries

#: How many of the most recently updated activities a summary names.
SUMMARY_LATEST = 5
#: How many partners a summary names (the most active first).
SUMMARY_PARTNERS = 12


@dataclass(frozen=True)
class PartnerActivity:
    """A partner active in a summary's activities: as their reporting organisation or as a
    participating organisation, counted once an activity."""

    organisation: Organisation
    activities: int


@dataclass(frozen=True)
class ActivitySummary:
    """What a page of a region, member, organisation or provision says of the activities that
    concern it: how many (``count`` exact up to ``COUNT_LIMIT``, a lower bound past it), the
    most recently updated, and, when asked, the partners active in them, the most active
    first (``partner_count`` of them in all). ``direct_count``: for a member, the activities
    naming it as a recipient country (what the list's ``?country=`` shows), the rest being
    regional activities covering it; else the same as ``count``."""

    count: int
    count_exact: bool
    latest: list[Activity]
    partners: list[PartnerActivity]
    partner_count: int
    direct_count: int
    direct_exact: bool

    @property
    def regional_count(self) -> int:
        return max(self.count - self.direct_count, 0) if self.direct_exact else 0


def activity_summary(
    *,
    user: Actor | None,
    filters: ActivityFilters,
    covering: str = "",
    with_partners: bool = False,
    latest: int = SUMMARY_LATEST,
    partners: int = SUMMARY_PARTNERS,
) -> ActivitySummary:
    """The summary of the activities ``user`` may read that pass ``filters`` (``activity_list``:
    withdrawn ones left out unless asked) and are relevant. ``covering``: the ISO code of a
    member whose activities these are, counting the regional activities that cover it
    (``covering_country_q``) as well as those naming it.

    Bounded as the list is: the ids of the first ``COUNT_LIMIT`` (and one more) are read in
    the list's order, from its index, and the rest is worked out from them: the count
    (exact up to ``COUNT_LIMIT``, a lower bound past it), the most recently updated, and the
    partners (counted among those activities: the most recently updated, when there are
    more). A fixed number of queries whatever the activities: two, three more for a member
    (whether few rows name it, ``covering_country_q``, and those naming it), three more with
    the partners; one when there is none (and for a member, its two)."""
    from cbcoord.core.pagination import COUNT_LIMIT

    # Relevant ones only (and those not yet assessed): the test reads ``is_relevant`` from the
    # order's index, where a NOT IN of the activities decided not relevant read the table.
    filters = filters.model_copy(update={"relevance": Relevance.RELEVANT})
    if covering:
        code = covering.upper()
        wide = filters.model_copy(update={"country": None})
        queryset = activity_list(user=user, filters=wide).filter(covering_country_q(code))
    else:
        queryset = activity_list(user=user, filters=filters)
    # The reporting organisation rides along in the order's index: no row is read for it.
    reporters = dict(queryset.values_list("pk", "reporting_org_id")[: COUNT_LIMIT + 1])
    exact = len(reporters) <= COUNT_LIMIT
    ids = list(reporters)[:COUNT_LIMIT]
    if not ids:
        return ActivitySummary(0, True, [], [], 0, 0, True)
    shown = ids[:latest]
    found = {
        activity.pk: activity
        for activity in activity_rows(Activity.objects.filter(pk__in=shown))
        .select_related("reporting_org")
        .only(*_SUMMARY_FIELDS)
    }
    direct_count = len(ids)
    if covering:
        direct_count = (
            ActivityCountry.objects.filter(activity_id__in=many_ids(ids), code=covering.upper())
            .values("activity_id")
            .distinct()
            .count()
        )
    active = (
        partners_active(user=user, reporters={pk: reporters[pk] for pk in ids})
        if with_partners
        else []
    )
    return ActivitySummary(
        count=len(ids),
        count_exact=exact,
        latest=[found[pk] for pk in shown if pk in found],
        partners=active[:partners],
        partner_count=len(active),
        direct_count=direct_count,
        direct_exact=exact,
    )


_SUMMARY_FIELDS = (
    "iati_identifier",
    "title_text",
    "status",
    "start_date",
    "end_date",
    "updated_at",
    "is_demo",
    "reporting_org__name",
    "reporting_org__acronym",
    "reporting_org__key",
)


def partners_active(*, user: Actor | None, reporters: dict[int, int]) -> list[PartnerActivity]:
    """The partners (verified development partners and implementers ``user`` may see) that
    report or take part in these activities (``reporters``: activity id -> its reporting
    organisation's id), each with its number of them (an activity counted once per
    organisation), the most active first, then by name. Two queries: the participating
    organisations of the activities, then the organisations."""
    if not reporters:
        return []
    counts: dict[int, int] = defaultdict(int)
    for organisation_id in reporters.values():
        counts[organisation_id] += 1
    for activity_id, organisation_id in (
        # Up to 10,000 ids: one parameter, not a placeholder each (``many_ids``).
        ActivityParticipant.objects.filter(activity_id__in=many_ids(reporters))
        .filter(organisation_id__isnull=False)
        .order_by()
        .values_list("activity_id", "organisation_id")
        .distinct()
    ):
        if organisation_id != reporters[activity_id]:
            counts[organisation_id] += 1
    organisations = organisation_visible(user).filter(
        pk__in=list(counts), kind__in=OrganisationKind.partner_kinds(), is_verified=True
    )
    found = [
        PartnerActivity(organisation, counts[organisation.pk]) for organisation in organisations
    ]
    found.sort(key=lambda item: (-item.activities, item.organisation.name.casefold()))
    return found
