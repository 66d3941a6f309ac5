"""Reads on needs and TFA commitments, and the doors.

``need_visible`` is where the visibility levels hold: every page, API answer, download and the
matching read needs through it. The doors (``need_get_for_edit``, ``need_create_allowed``,
``need_position_allowed``, ``link_decision_allowed``) return what they guard or raise; pages,
API and commands call them, and services take what they returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import organisation_id_of
from cbcoord.activities.models import Activity
from cbcoord.activities.selectors import activity_get
from cbcoord.frameworks.models import Provision
from cbcoord.needs.filters import NeedFilters, TfaFilters, member_for
from cbcoord.needs.models import (
    LinkState,
    Need,
    NeedActivityLink,
    NeedStatus,
    TfaCategory,
    TfaCommitment,
)
from cbcoord.needs.permissions import (
    may_create_need_for,
    may_decide_link,
    may_edit_need,
    may_give_member_position,
)
from cbcoord.registry.models import Member, Region
from cbcoord.registry.selectors import by_country_name
from cbcoord.registry.visibility import visibility_q

TFA = "TFA"


# --------------------------------------------------------------------------- reading needs


def need_visible(user: Actor | None) -> QuerySet[Need]:
    """Needs ``user`` may read (``registry.visibility``): the member's administration owns a
    need; the WCO and the members and partners of its region form its coordination group, and
    so does a partner whose activity was confirmed as supporting it."""
    organisation_id = organisation_id_of(user)
    supporter = (
        Exists(
            NeedActivityLink.objects.filter(
                need=OuterRef("pk"),
                state=LinkState.CONFIRMED,
                activity__reporting_org_id=organisation_id,
            )
        )
        if organisation_id is not None
        else None
    )
    condition = visibility_q(
        user,
        model=Need,
        owner="member__organisation",
        named="visible_to",
        regions="regions",
        concerned=supporter,
    )
    queryset = Need.objects.all()
    return queryset if condition is None else queryset.filter(condition)


def need_get(*, user: Actor | None, key: str) -> Need:
    """The need, if ``user`` may read it (else 404)."""
    try:
        return (
            need_visible(user)
            .select_related(
                "member__region",
                "member__organisation",
                "recorded_by",
                "recorded_by_organisation",
                "member_position_by",
                "tfa_commitment__measure",
            )
            .get(key__iexact=key)
        )
    except Need.DoesNotExist as error:
        raise Http404(_("No need %(key)s that you may see.") % {"key": key}) from error


def need_get_for_edit(*, user: Actor | None, key: str) -> Need:
    """The door for changing a need: 404 if ``user`` may not read it, 403 if they may not
    edit it (the secretariat, or the member administration's editors)."""
    need = need_get(user=user, key=key)
    if not may_edit_need(user, need):
        raise PermissionDenied(_("You may edit only your own administration's needs."))
    return need


def need_create_allowed(*, user: Actor | None, member: Member) -> Member:
    """The door for recording a need of ``member``: returns it, or raises PermissionDenied."""
    if not may_create_need_for(user, member):
        raise PermissionDenied(
            _("You may not record needs of %(member)s.") % {"member": member.country_name}
        )
    return member


def need_position_allowed(*, user: Actor | None, key: str) -> Need:
    """The door for the member's word on a need (confirm or dispute it; confirm or dispute that
    a supporting activity was delivered): the member administration's editors only."""
    need = need_get(user=user, key=key)
    if not may_give_member_position(user, need):
        raise PermissionDenied(
            _("Only %(administration)s may confirm or dispute this need.")
            % {"administration": need.member.organisation.name}
        )
    return need


def link_decision_allowed(
    *, user: Actor | None, key: str, iati_identifier: str
) -> tuple[Need, Activity]:
    """The door for confirming or rejecting that an activity answers a need: the need and the
    activity if ``user`` may read both (else 404) and is the secretariat or an editor of the
    partner reporting the activity (else 403)."""
    need = need_get(user=user, key=key)
    activity = activity_get(user=user, iati_identifier=iati_identifier)
    if not may_decide_link(user, activity):
        raise PermissionDenied(
            _("Only the secretariat and the partner reporting the activity may link it to a need.")
        )
    return need, activity


def delivery_allowed(*, user: Actor | None, key: str, iati_identifier: str) -> NeedActivityLink:
    """The door for the member's word on the delivery of a confirmed supporting activity."""
    need = need_position_allowed(user=user, key=key)
    link = (
        need.links.filter(state=LinkState.CONFIRMED, activity__iati_identifier=iati_identifier)
        .select_related("activity", "need__member")
        .first()
    )
    if link is None:
        raise Http404(_("No confirmed supporting activity %(id)s.") % {"id": iati_identifier})
    return link


def need_list(*, user: Actor | None, filters: NeedFilters) -> QuerySet[Need]:
    """The needs ``user`` may read that pass ``filters`` (which the caller has checked with
    ``problems()``; a value naming nothing matches nothing)."""
    queryset = need_visible(user)
    if filters.region:
        queryset = queryset.filter(member__region__code__iexact=filters.region)
    if filters.member:
        member = member_for(filters.member)
        queryset = queryset.filter(member=member) if member else queryset.none()
    queryset = _under_provision(queryset, filters)
    for lookup, value in (
        ("priority", filters.priority),
        ("status", filters.status),
        ("source", filters.source),
        ("member_position", filters.position),
    ):
        if value:
            queryset = queryset.filter(**{lookup: value})
    if filters.support:
        confirmed = Exists(
            NeedActivityLink.objects.filter(need=OuterRef("pk"), state=LinkState.CONFIRMED)
        )
        queryset = queryset.filter(confirmed if filters.support == "confirmed" else ~confirmed)
    if filters.q:
        for word in filters.q.split()[:10]:
            queryset = queryset.filter(Q(key__icontains=word) | Q(description__icontains=word))
    return queryset.select_related("member__region", "member__organisation").order_by(
        "-identified_on", "key"
    )


def _under_provision(queryset: QuerySet[Need], filters: NeedFilters) -> QuerySet[Need]:
    """The needs naming the filters' provision (or one under it) and a provision of their
    instrument."""
    through = Need.provisions.through
    if filters.provision:
        code = filters.provision
        queryset = queryset.filter(
            Exists(
                through.objects.filter(need_id=OuterRef("pk")).filter(
                    Q(provision__code__iexact=code) | Q(provision__parent__code__iexact=code)
                )
            )
        )
    if filters.instrument:
        queryset = queryset.filter(
            Exists(
                through.objects.filter(
                    need_id=OuterRef("pk"), provision__instrument__code__iexact=filters.instrument
                )
            )
        )
    return queryset


def need_rows(queryset: QuerySet[Need]) -> QuerySet[Need]:
    """``queryset`` for a list or a file: with provisions."""
    return queryset.prefetch_related(
        Prefetch("provisions", queryset=Provision.objects.order_by("sort_order", "code"))
    )


def member_needs(*, user: Actor | None, member: Member, limit: int = 10) -> list[Need]:
    """The latest open needs of ``member`` that ``user`` may read (the member's page)."""
    return list(
        need_rows(
            need_visible(user)
            .filter(member=member, status__in=NeedStatus.open_statuses())
            .order_by("-identified_on", "key")
        )[:limit]
    )


@dataclass(frozen=True)
class StatusStep:
    status: str
    label: str
    date: Any


def need_status_history(need: Need) -> list[StatusStep]:
    """Each status the need has had and since when, oldest first (for every reader; who changed
    it is in the full history, which only the secretariat sees)."""
    steps: list[StatusStep] = []
    labels = dict(NeedStatus.choices)
    for entry in need.history.order_by("history_date", "history_id").values(
        "status", "history_date"
    ):
        if not steps or steps[-1].status != entry["status"]:
            status = entry["status"]
            steps.append(StatusStep(status, str(labels.get(status, status)), entry["history_date"]))
    return steps


def confirmed_links(*, user: Actor | None, need: Need) -> list[NeedActivityLink]:
    """The activities confirmed as supporting ``need`` that ``user`` may read."""
    from cbcoord.activities.selectors import activity_visible

    return list(
        need.links.filter(
            state=LinkState.CONFIRMED, activity__in=activity_visible(user).values("pk")
        )
        .select_related(
            "activity__reporting_org",
            "confirmed_by",
            "confirmed_by_organisation",
            "delivery_by",
        )
        .order_by("-confirmed_at")
    )


# --------------------------------------------------------------------------- TFA


def tfa_measures() -> list[Provision]:
    """The 36 measures of the TFA's Section I: the TFA provisions without parts."""
    return list(
        Provision.objects.filter(instrument__code=TFA)
        .exclude(Exists(Provision.objects.filter(parent=OuterRef("pk"))))
        .order_by("sort_order", "code")
    )


def tfa_commitment_list(*, filters: TfaFilters) -> QuerySet[TfaCommitment]:
    """TFA commitments (public: members notify them to the WTO, which publishes them)."""
    queryset = TfaCommitment.objects.select_related("member__region", "measure")
    if filters.region:
        queryset = queryset.filter(member__region__code__iexact=filters.region)
    if filters.member:
        member = member_for(filters.member)
        queryset = queryset.filter(member=member) if member else queryset.none()
    if filters.measure:
        queryset = queryset.filter(measure__code__iexact=filters.measure)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    return queryset.annotate(supported=_supported()).order_by(
        "member__name", "measure__sort_order", "category"
    )


def _supported() -> Exists:
    """Whether a commitment's need has a confirmed supporting activity."""
    return Exists(
        NeedActivityLink.objects.filter(
            need__tfa_commitment=OuterRef("pk"), state=LinkState.CONFIRMED
        )
    )


@dataclass
class TfaCell:
    measure: Provision
    commitments: list[TfaCommitment] = field(default_factory=list)

    @property
    def categories(self) -> str:
        return "/".join(commitment.category for commitment in self.commitments)

    @property
    def unsupported_c(self) -> bool:
        """A category C part without a confirmed supporting activity: it shows as a need."""
        return any(
            commitment.category == TfaCategory.C and not getattr(commitment, "supported", False)
            for commitment in self.commitments
        )


@dataclass
class TfaRow:
    member: Member
    cells: list[TfaCell]

    @property
    def has_commitments(self) -> bool:
        return any(cell.commitments for cell in self.cells)


@dataclass
class TfaMatrix:
    region: Region
    measures: list[Provision]
    rows: list[TfaRow]
    needs: dict[int, str]  # commitment pk → key of the need it shows as

    @property
    def unsupported(self) -> list[TfaCommitment]:
        return [
            commitment
            for row in self.rows
            for cell in row.cells
            for commitment in cell.commitments
            if commitment.category == TfaCategory.C and not getattr(commitment, "supported", False)
        ]


def tfa_matrix(*, region: Region) -> TfaMatrix:
    """The members of ``region`` × the TFA measures: each cell the member's commitments for
    the measure (a measure split across categories has several)."""
    measures = tfa_measures()
    members = by_country_name(Member.objects.filter(region=region))
    commitments = list(
        tfa_commitment_list(
            filters=TfaFilters(region=region.code, member=None, measure=None, category=None)
        )
    )
    by_cell: dict[tuple[int, int], list[TfaCommitment]] = {}
    for commitment in commitments:
        by_cell.setdefault((commitment.member_id, commitment.measure_id), []).append(commitment)
    rows = [
        TfaRow(
            member=member,
            cells=[
                TfaCell(measure=measure, commitments=by_cell.get((member.pk, measure.pk), []))
                for measure in measures
            ],
        )
        for member in members
    ]
    needs = dict(
        Need.objects.filter(tfa_commitment__in=[c.pk for c in commitments]).values_list(
            "tfa_commitment_id", "key"
        )
    )
    for commitment in commitments:
        commitment.need_key = needs.get(commitment.pk, "")  # type: ignore[attr-defined]
    return TfaMatrix(region=region, measures=measures, rows=rows, needs=needs)
