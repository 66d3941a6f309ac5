"""Matching needs and activities: which activities may answer a need, and which needs an
activity may answer. One rule, read in both directions (``suggestions_for_needs`` does the
work; ``needs_for_activity`` asks it about one activity).

An activity is suggested for a need when all three hold:

- **provision**: it supports one of the need's provisions (``ActivityProvision``), the
  provision one above it in the hierarchy (its parent: broader) or one below (a part:
  narrower), or a provision linked to it by the instrument cross-walk
  (``frameworks.selectors.crosswalk_pairs``, read both ways);
- **place**: the member is a recipient country of the activity, or a recipient region of the
  activity covers the member (``registry.RecipientRegionCover``, as
  ``activities.selectors.covering_country_q``);
- **time**: the activity's dates overlap the need's window (``window_start`` or, without it,
  the date the need was identified, to ``window_end`` or open), ends touching; an activity
  without a start or an end date is open on that side.

Withdrawn and cancelled activities (IATI status 5) are never suggested, nor activities the
reader may not see. The score adds the points of the best provision relation (same 50,
cross-walk 40, narrower 35, broader 25; +5 for each further need provision matched, up to +10),
the place (recipient country 30, covering region 15) and the time (dates within the window
20, open dates 10). Suggestions are ranked by score, then by the latest start.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.activities.models import (
    Activity,
    ActivityCountry,
    ActivityProvision,
    ActivityRegion,
    TagStatus,
)
from cbcoord.activities.selectors import activity_visible
from cbcoord.frameworks.models import Provision
from cbcoord.frameworks.selectors import crosswalk_pairs
from cbcoord.needs.models import LinkState, Need, NeedActivityLink, NeedStatus
from cbcoord.needs.selectors import need_visible
from cbcoord.registry.models import RecipientRegionCover

CANCELLED = "5"  # IATI ActivityStatus

#: Points of each reason (module docstring).
POINTS = {
    "same": 50,
    "crosswalk": 40,
    "narrower": 35,
    "broader": 25,
    "country": 30,
    "region": 15,
    "dates": 20,
    "open": 10,
}
EXTRA_PROVISION_POINTS = 5
EXTRA_PROVISION_LIMIT = 10
RELATION_ORDER = ("same", "crosswalk", "narrower", "broader")
RANK = {kind: rank for rank, kind in enumerate(RELATION_ORDER)}


@dataclass(frozen=True)
class Reason:
    """One reason for a suggestion. ``kind``: same, crosswalk, narrower, broader (provision),
    country, region (place), dates, open (time)."""

    kind: str
    points: int
    need_code: str = ""
    activity_code: str = ""
    detail: str = ""

    @property
    def text(self) -> str:
        """The reason in the reader's language."""
        values = {"need": self.need_code, "activity": self.activity_code, "detail": self.detail}
        texts = {
            "same": _("Same provision: %(need)s"),
            "crosswalk": _("Cross-walk: %(activity)s answers the same need as %(need)s"),
            "narrower": _("Part of the provision: %(activity)s is part of %(need)s"),
            "broader": _("Broader provision: %(activity)s contains %(need)s"),
            "country": _("Recipient country: %(detail)s"),
            "region": _("Regional activity: its recipient region %(detail)s covers the member"),
            "dates": _("Dates overlap the need's window (%(detail)s)"),
            "open": _("Open dates (%(detail)s)"),
            "extra": _("Also matches %(need)s"),
            "by_hand": _("Linked without a suggestion"),
        }
        return texts.get(self.kind, self.kind) % values

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "points": self.points,
            "need_code": self.need_code,
            "activity_code": self.activity_code,
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, value: Any) -> Reason | None:
        if not isinstance(value, dict) or "kind" not in value:
            return None
        return cls(
            kind=str(value["kind"]),
            points=int(value.get("points") or 0),
            need_code=str(value.get("need_code") or ""),
            activity_code=str(value.get("activity_code") or ""),
            detail=str(value.get("detail") or ""),
        )


@dataclass
class Suggestion:
    """An activity that may answer a need, its score and the reasons."""

    need_id: int
    activity_id: int
    score: int
    reasons: tuple[Reason, ...]
    start: dt.date | None = None
    activity: Activity | None = None
    link: NeedActivityLink | None = None

    @property
    def state(self) -> str:
        return self.link.state if self.link is not None else LinkState.SUGGESTED

    @property
    def reason_texts(self) -> list[str]:
        return [reason.text for reason in self.reasons]


@dataclass
class NeedMatch:
    """A need that an activity may answer, with the score and reasons."""

    need: Need
    suggestion: Suggestion

    @property
    def score(self) -> int:
        return self.suggestion.score

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return self.suggestion.reasons


# --------------------------------------------------------------------------- the catalogue


@dataclass
class _Catalogue:
    """The provisions' hierarchy and the cross-walk, read once per matching."""

    codes: dict[int, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    parent: dict[int, int | None] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    equivalents: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _Catalogue:
        """Two queries: the provisions, then the whole cross-walk (a few hundred links; it
        was a query per provision asked about, 41 for a page of gaps)."""
        catalogue = cls()
        for pk, code, parent_id in Provision.objects.values_list("pk", "code", "parent_id"):
            catalogue.codes[pk] = code
            catalogue.ids[code] = pk
            catalogue.parent[pk] = parent_id
            if parent_id is not None:
                catalogue.children[parent_id].append(pk)
        for left, right in crosswalk_pairs():
            if left != right:
                catalogue.equivalents.setdefault(left, set()).add(right)
                catalogue.equivalents.setdefault(right, set()).add(left)
        return catalogue

    def crosswalk(self, provision_id: int) -> set[int]:
        """The provisions one cross-walk step away, in either direction."""
        return self.equivalents.get(provision_id, set())

    def targets(self, provision_ids: Iterable[int]) -> dict[int, list[tuple[str, int]]]:
        """For a need's provisions: each provision an activity may support, with how it
        relates (kind, the need's provision), best relation first."""
        found: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for pid in provision_ids:
            found[pid].append(("same", pid))
            for other in self.crosswalk(pid):
                found[other].append(("crosswalk", pid))
            for child in self.children.get(pid, ()):
                found[child].append(("narrower", pid))
            parent = self.parent.get(pid)
            if parent is not None:
                found[parent].append(("broader", pid))
        for relations in found.values():
            relations.sort(key=lambda item: RANK[item[0]])
        return found


# --------------------------------------------------------------------------- matching


def _window(need: Need) -> tuple[dt.date | None, dt.date | None]:
    return need.window_start or need.identified_on, need.window_end


def _span(start: dt.date | None, end: dt.date | None) -> str:
    return f"{start.isoformat() if start else '…'} – {end.isoformat() if end else '…'}"


def suggestions_for_needs(
    needs: Sequence[Need],
    *,
    user: Actor | None,
    activity_ids: Iterable[int] | None = None,
    limit: int | None = 20,
    include_decided: bool = False,
    load_activities: bool = True,
) -> dict[int, list[Suggestion]]:
    """Suggested activities for each of ``needs`` (by need pk), ranked, at most ``limit``
    each. Only open needs get suggestions; only activities ``user`` may read are suggested
    (``activity_ids`` narrows them further). Activities already confirmed or rejected for a
    need are left out unless ``include_decided``."""
    result: dict[int, list[Suggestion]] = {need.pk: [] for need in needs}
    open_needs = [need for need in needs if need.status in NeedStatus.open_statuses()]
    if not open_needs:
        return result
    catalogue = _Catalogue.load()
    need_provisions = _provisions_of_needs(open_needs)
    targets = {need.pk: catalogue.targets(need_provisions[need.pk]) for need in open_needs}
    all_targets = {pid for found in targets.values() for pid in found}
    if not all_targets:
        return result

    # The activities that may be suggested: readable, not withdrawn, not cancelled, and
    # supporting one of the provisions sought.
    # Activities decided not relevant (customs capacity building at all) are no answer to a
    # need, as they are out of the lists; not yet assessed ones count, as there.
    base = (
        activity_visible(user, include_withdrawn=False)
        .exclude(status=CANCELLED)
        .exclude(is_relevant=False)
    )
    if activity_ids is not None:
        base = base.filter(pk__in=list(activity_ids))
    provisions_of = _provisions_of_activities(base, all_targets)
    if not provisions_of:
        return result
    places = _Places.load(open_needs, provisions_of)
    dates = _activity_dates(places.activity_ids())
    decided = _decided_links(open_needs)
    for need in open_needs:
        candidates = _candidates(
            need,
            targets[need.pk],
            places.by_country,
            places.by_region,
            places.covers.get(need.member_id, []),
            provisions_of,
            dates,
        )
        result[need.pk] = _chosen(
            need,
            candidates,
            decided[need.pk],
            include_decided=include_decided,
            limit=limit,
            catalogue=catalogue,
            dates=dates,
        )
    if load_activities:
        _load_activities(result)
    return result


def _provisions_of_needs(needs: Sequence[Need]) -> dict[int, list[int]]:
    """Need pk → the pks of its provisions."""
    found: dict[int, list[int]] = defaultdict(list)
    for need_id, provision_id in Need.provisions.through.objects.filter(
        need_id__in=[need.pk for need in needs]
    ).values_list("need_id", "provision_id"):
        found[need_id].append(provision_id)
    return found


def _provisions_of_activities(
    activities: QuerySet[Activity], provision_ids: set[int]
) -> dict[int, list[int]]:
    """Activity pk → which of ``provision_ids`` it supports, for the ``activities`` supporting
    any (the candidates)."""
    found: dict[int, list[int]] = defaultdict(list)
    for activity_id, provision_id in (
        ActivityProvision.objects.filter(provision_id__in=provision_ids)
        # A rejected tag says the activity does not support the provision.
        .exclude(status=TagStatus.REJECTED)
        # "activity_id + 0": the tags are found from the provisions' index, then each is
        # looked up in the readable activities. Given the column itself, SQLite looks up
        # every readable activity × provision pair in the (activity, provision) index
        # instead: 8 million lookups, 1.1 s, for the gaps of a region at 100,000 activities.
        .alias(candidate=F("activity_id") + 0)
        .filter(candidate__in=activities.values("pk"))
        .values_list("activity_id", "provision_id")
    ):
        found[activity_id].append(provision_id)
    return found


@dataclass
class _Places:
    """Where the candidates go: their recipient countries and (DAC) recipient regions, as far
    as the needs' members are concerned."""

    covers: dict[int, list[str]]  # member pk → the DAC regions covering it
    by_country: dict[tuple[int, str], set[int]]  # (provision, ISO code) → candidate pks
    by_region: dict[tuple[int, str], set[int]]  # (provision, DAC code) → candidate pks

    @classmethod
    def load(cls, needs: Sequence[Need], provisions_of: dict[int, list[int]]) -> _Places:
        members = {need.member_id: need.member for need in needs}
        iso_codes = {member.iso_code.upper() for member in members.values() if member.iso_code}
        covers: dict[int, list[str]] = defaultdict(list)
        for member_id, dac_code in RecipientRegionCover.objects.filter(
            member_id__in=list(members)
        ).values_list("member_id", "dac_code"):
            covers[member_id].append(dac_code)
        dac_codes = {code for codes in covers.values() for code in codes}
        # Rows of other activities are skipped here (``provisions_of`` names the candidates).
        by_country: dict[tuple[int, str], set[int]] = defaultdict(set)
        for activity_id, code in ActivityCountry.objects.filter(code__in=iso_codes).values_list(
            "activity_id", "code"
        ):
            for provision_id in provisions_of.get(activity_id, ()):
                by_country[(provision_id, code)].add(activity_id)
        by_region: dict[tuple[int, str], set[int]] = defaultdict(set)
        if dac_codes:
            for activity_id, code in ActivityRegion.objects.filter(
                code__in=dac_codes, vocabulary__in=["", "1"]
            ).values_list("activity_id", "code"):
                for provision_id in provisions_of.get(activity_id, ()):
                    by_region[(provision_id, code)].add(activity_id)
        return cls(covers, by_country, by_region)

    def activity_ids(self) -> set[int]:
        """Every candidate placed in a need's country or region."""
        found: set[int] = set()
        for group in (self.by_country, self.by_region):
            for ids in group.values():
                found |= ids
        return found


#: Ids per query when reading the candidates' dates (well under SQLite's 32,766 parameters).
_DATES_CHUNK = 5_000


def _activity_dates(ids: Iterable[int]) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """Activity pk → its (start, end), for the candidates ``ids`` (already the activities the
    reader may see: ``_Places`` keeps only those of ``provisions_of``). Read for the
    activities placed in the needs' countries and regions only, not for every activity that
    supports a provision sought: a region's gaps name most of the catalogue."""
    wanted = sorted(ids)
    dates: dict[int, tuple[dt.date | None, dt.date | None]] = {}
    for start in range(0, len(wanted), _DATES_CHUNK):
        dates.update(
            (pk, (begin, end))
            for pk, begin, end in Activity.objects.filter(
                pk__in=wanted[start : start + _DATES_CHUNK]
            ).values_list("pk", "start_date", "end_date")
        )
    return dates


def _decided_links(needs: Sequence[Need]) -> dict[int, dict[int, NeedActivityLink]]:
    """Need pk → activity pk → the link confirmed or rejected."""
    decided: dict[int, dict[int, NeedActivityLink]] = defaultdict(dict)
    for link in NeedActivityLink.objects.filter(need_id__in=[need.pk for need in needs]).exclude(
        state=LinkState.SUGGESTED
    ):
        decided[link.need_id][link.activity_id] = link
    return decided


def _chosen(
    need: Need,
    candidates: list[Candidate],
    decided: dict[int, NeedActivityLink],
    *,
    include_decided: bool,
    limit: int | None,
    catalogue: _Catalogue,
    dates: dict[int, tuple[dt.date | None, dt.date | None]],
) -> list[Suggestion]:
    """The first ``limit`` candidates as suggestions, leaving out those already decided
    (``decided``: activity pk → link) unless ``include_decided``."""
    chosen = []
    for candidate in candidates:
        decision = decided.get(candidate[2])
        if decision is not None and not include_decided:
            continue
        suggestion = _suggestion(need, candidate, catalogue, dates)
        suggestion.link = decision
        chosen.append(suggestion)
        if limit is not None and len(chosen) >= limit:
            break
    return chosen


#: A candidate: (-score, -start as an ordinal, activity pk, (place kind, place code),
#: {need provision: (relation rank, activity provision)}), sorted as ranked.
Candidate = tuple[int, int, int, tuple[str, str], dict[int, tuple[int, int]]]


def _candidates(
    need: Need,
    targets: dict[int, list[tuple[str, int]]],
    by_country: dict[tuple[int, str], set[int]],
    by_region: dict[tuple[int, str], set[int]],
    dac_codes: list[str],
    provisions_of: dict[int, list[int]],
    dates: dict[int, tuple[dt.date | None, dt.date | None]],
) -> list[Candidate]:
    """The activities that meet the three conditions for ``need``, ranked (scores only: the
    reasons are written for those shown)."""
    place = _place_of_activities(need, targets, by_country, by_region, dac_codes)
    window_start, window_end = _window(need)
    found: list[Candidate] = []
    for activity_id, placed in place.items():
        if activity_id not in dates:
            continue
        start, end = dates[activity_id]
        if not (
            (end is None or window_start is None or end >= window_start)
            and (start is None or window_end is None or start <= window_end)
        ):
            continue
        best: dict[int, tuple[int, int]] = {}
        for provision_id in provisions_of[activity_id]:
            for kind, need_provision in targets.get(provision_id, ()):
                rank = RANK[kind]
                current = best.get(need_provision)
                if current is None or rank < current[0]:
                    best[need_provision] = (rank, provision_id)
        if not best:
            continue
        top = min(rank for rank, _provision in best.values())
        score = (
            POINTS[RELATION_ORDER[top]]
            + min(EXTRA_PROVISION_POINTS * (len(best) - 1), EXTRA_PROVISION_LIMIT)
            + POINTS[placed[0]]
            + POINTS["open" if start is None or end is None else "dates"]
        )
        found.append((-score, -(start.toordinal() if start else 0), activity_id, placed, best))
    found.sort(key=lambda candidate: candidate[:3])
    return found


def _place_of_activities(
    need: Need,
    targets: dict[int, list[tuple[str, int]]],
    by_country: dict[tuple[int, str], set[int]],
    by_region: dict[tuple[int, str], set[int]],
    dac_codes: list[str],
) -> dict[int, tuple[str, str]]:
    """Activity pk → where it meets ``need``'s member: ("country", ISO code) when it names
    the member's country, else ("region", DAC code) of the first region covering the member."""
    iso = (need.member.iso_code or "").upper()
    place: dict[int, tuple[str, str]] = {}
    for provision_id in targets:
        for code in dac_codes:
            for activity_id in by_region.get((provision_id, code), ()):
                place.setdefault(activity_id, ("region", code))
        if iso:
            for activity_id in by_country.get((provision_id, iso), ()):
                place[activity_id] = ("country", iso)
    return place


def _suggestion(
    need: Need,
    candidate: Candidate,
    catalogue: _Catalogue,
    dates: dict[int, tuple[dt.date | None, dt.date | None]],
) -> Suggestion:
    """The suggestion a candidate makes, with its reasons."""
    _score, _start, activity_id, (place_kind, place_code), best = candidate
    ranked = sorted(best.items(), key=lambda item: (item[1][0], item[0]))
    (need_provision, (rank, activity_provision)), *others = ranked
    kind = RELATION_ORDER[rank]
    reasons = [
        Reason(
            kind,
            POINTS[kind],
            catalogue.codes[need_provision],
            catalogue.codes[activity_provision],
        )
    ]
    extra = 0
    for other_need_provision, (_rank, other_activity_provision) in others:
        if extra >= EXTRA_PROVISION_LIMIT:
            break
        extra += EXTRA_PROVISION_POINTS
        reasons.append(
            Reason(
                "extra",
                EXTRA_PROVISION_POINTS,
                catalogue.codes[other_need_provision],
                catalogue.codes[other_activity_provision],
            )
        )
    reasons.append(Reason(place_kind, POINTS[place_kind], detail=place_code))
    start, end = dates[activity_id]
    time_kind = "open" if start is None or end is None else "dates"
    reasons.append(Reason(time_kind, POINTS[time_kind], detail=_span(start, end)))
    return Suggestion(
        need_id=need.pk,
        activity_id=activity_id,
        score=sum(reason.points for reason in reasons),
        reasons=tuple(reasons),
        start=start,
    )


#: What a suggestion shows of its activity.
SHOWN = (
    "iati_identifier",
    "title_text",
    "status",
    "start_date",
    "end_date",
    "withdrawn_at",
    "is_demo",
    "hand_edited",
    "reporting_org__key",
    "reporting_org__name",
    "reporting_org__acronym",
)


def _load_activities(result: dict[int, list[Suggestion]]) -> None:
    wanted = sorted({s.activity_id for suggestions in result.values() for s in suggestions})
    activities: dict[int, Activity] = {}
    for offset in range(0, len(wanted), 500):
        for activity in (
            Activity.objects.filter(pk__in=wanted[offset : offset + 500])
            .select_related("reporting_org")
            .only(*SHOWN)
            .annotate(title_narratives=F("data__title"))
        ):
            activities[activity.pk] = activity
    for suggestions in result.values():
        for suggestion in suggestions:
            suggestion.activity = activities.get(suggestion.activity_id)


def suggestions_for_need(
    need: Need, *, user: Actor | None, limit: int | None = 20, include_decided: bool = False
) -> list[Suggestion]:
    """The activities that may answer ``need``, ranked, with the reasons."""
    return suggestions_for_needs([need], user=user, limit=limit, include_decided=include_decided)[
        need.pk
    ]


def match(need: Need, activity: Activity, *, user: Actor | None) -> Suggestion | None:
    """How ``activity`` answers ``need`` (None: matching would not suggest it)."""
    found = suggestions_for_needs(
        [need],
        user=user,
        activity_ids=[activity.pk],
        limit=None,
        include_decided=True,
        load_activities=False,
    )[need.pk]
    return found[0] if found else None


def needs_for_activity(
    activity: Activity, *, user: Actor | None, limit: int | None = 20
) -> list[NeedMatch]:
    """The open needs ``user`` may read that ``activity`` may answer, ranked by score (the
    same rule as ``suggestions_for_need``, read from the activity's side). Needs the
    activity was already confirmed or rejected for are included, with their link."""
    catalogue = _Catalogue.load()
    provision_ids = list(
        ActivityProvision.objects.filter(activity=activity).values_list("provision_id", flat=True)
    )
    if not provision_ids:
        return []
    related: set[int] = set()
    for pid in provision_ids:
        related.add(pid)
        related.update(catalogue.crosswalk(pid))
        related.update(catalogue.children.get(pid, ()))
        parent = catalogue.parent.get(pid)
        if parent is not None:
            related.add(parent)
    countries = list(activity.countries.values_list("code", flat=True))
    dac_codes = list(
        activity.recipient_regions.filter(vocabulary__in=["", "1"]).values_list("code", flat=True)
    )
    place = Q(member__iso_code__in=[code.upper() for code in countries])
    if dac_codes:
        place |= Q(
            Exists(
                RecipientRegionCover.objects.filter(
                    member_id=OuterRef("member_id"), dac_code__in=dac_codes
                )
            )
        )
    needs = list(
        need_visible(user)
        .filter(status__in=NeedStatus.open_statuses())
        .filter(place)
        .filter(
            Exists(
                Need.provisions.through.objects.filter(
                    need_id=OuterRef("pk"), provision_id__in=related
                )
            )
        )
        .select_related("member")
    )
    found = suggestions_for_needs(
        needs,
        user=user,
        activity_ids=[activity.pk],
        limit=None,
        include_decided=True,
        load_activities=False,
    )
    matches = [
        NeedMatch(need=need, suggestion=found[need.pk][0]) for need in needs if found[need.pk]
    ]
    matches.sort(key=lambda m: (-m.score, m.need.key))
    return matches[:limit] if limit is not None else matches
