"""Reads on the registry, applying what each audience may see."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import is_secretariat, is_signed_in, require_secretariat
from cbcoord.core.i18n import collation_key
from cbcoord.registry.filters import MemberFilters, OrganisationFilters
from cbcoord.registry.matching import normalise_name
from cbcoord.registry.models import (
    Member,
    Organisation,
    OrganisationKind,
    Person,
    Region,
    RegionalRole,
)
from cbcoord.registry.permissions import may_edit_organisation


def region_list() -> QuerySet[Region]:
    return Region.objects.annotate(member_count=Count("members")).order_by("sort_order", "code")


def region_get(*, code: str) -> Region:
    try:
        return Region.objects.get(code__iexact=code)
    except Region.DoesNotExist as error:
        raise Http404(f"No region with code {code!r}.") from error


def organisation_visible(user: Actor | None) -> QuerySet[Organisation]:
    """Organisations a user may see: the public sees published, verified ones; signed-in users
    all (an activity's page names the organisations taking part, reviewed or not)."""
    queryset = Organisation.objects.all()
    if not is_signed_in(user):
        queryset = queryset.filter(is_published=True, is_verified=True)
    return queryset


def organisation_list(
    *, user: Actor | None, filters: OrganisationFilters | None = None
) -> QuerySet[Organisation]:
    """The organisations of the partner list (not member administrations) that ``user`` may
    see and that pass ``filters``, by name: the one place their meaning is written. Only
    verified organisations are listed; the secretariat may ask for the others
    (``verified=false``: those held for review)."""
    filters = filters or OrganisationFilters()
    queryset = organisation_visible(user).exclude(kind=OrganisationKind.MEMBER_ADMINISTRATION)
    verified = filters.verified if is_secretariat(user) else True
    if verified is None:
        verified = True
    queryset = queryset.filter(is_verified=verified)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.region:
        # EXISTS, not joins: a join through two relations would need DISTINCT.
        queryset = queryset.filter(
            Exists(
                Organisation.active_regions.through.objects.filter(
                    organisation_id=OuterRef("pk"), region__code=filters.region
                )
            )
            | Exists(
                RegionalRole.objects.filter(
                    organisation_id=OuterRef("pk"), region__code=filters.region
                )
            )
        )
    if filters.q:
        queryset = queryset.filter(
            Q(name__icontains=filters.q)
            | Q(acronym__icontains=filters.q)
            | Q(iati_org_id__iexact=filters.q)
            | Q(iati_org_aliases__icontains=filters.q)
        )
    return queryset.order_by("name", "pk")


def organisation_get(*, user: Actor | None, key: str) -> Organisation:
    try:
        return organisation_visible(user).get(key=key)
    except Organisation.DoesNotExist as error:
        raise Http404(f"No organisation {key!r}.") from error


def organisation_get_for_edit(*, user: Actor | None, key: str) -> Organisation:
    """The door for changing an organisation (its profile, its people): the organisation, if
    ``user`` may see it (else 404) and edit it (else 403)."""
    organisation = organisation_get(user=user, key=key)
    if not may_edit_organisation(user, organisation):
        raise PermissionDenied(_("You may only edit your own organisation."))
    return organisation


def person_visible(user: Actor | None, organisation: Organisation) -> QuerySet[Person]:
    """The people of ``organisation`` that ``user`` may see: all of them when signed in, the
    published ones for the public. Contact details follow ``person_contact_visible``."""
    people = organisation.people.all()
    return people if is_signed_in(user) else people.filter(is_published=True)


def person_contact_visible(user: Actor | None) -> bool:
    """Whether ``user`` may read people's e-mail addresses (pages and API alike): signed-in
    users may; the public sees names and job titles of published people only."""
    return is_signed_in(user)


def person_get_for_edit(*, user: Actor | None, pk: int) -> Person:
    """The door for changing or removing a person: 404 if ``user`` may not see them, 403 if
    ``user`` may not edit their organisation."""
    try:
        person = Person.objects.select_related("organisation").get(pk=pk)
    except Person.DoesNotExist as error:
        raise Http404(f"No person {pk}.") from error
    if not person_visible(user, person.organisation).filter(pk=pk).exists():
        raise Http404(f"No person {pk}.")
    if not may_edit_organisation(user, person.organisation):
        raise PermissionDenied(_("You may only edit people of your own organisation."))
    return person


def member_list(*, filters: MemberFilters | None = None) -> QuerySet[Member]:
    """The WCO members that pass ``filters``, by name (members are public)."""
    filters = filters or MemberFilters()
    queryset = Member.objects.select_related("region", "organisation")
    if filters.region:
        queryset = queryset.filter(region__code=filters.region)
    if filters.iso_code:
        queryset = queryset.filter(iso_code=filters.iso_code)
    if filters.q:
        queryset = queryset.filter(
            Q(name__icontains=filters.q) | Q(organisation__name__icontains=filters.q)
        )
    return queryset.order_by("name", "pk")


def by_country_name(members: Iterable[Member]) -> list[Member]:
    """``members`` in the order of their names in the reader's language (``country_name``),
    as drop-downs and tables list them; the database orders by the English name only."""
    return sorted(members, key=lambda member: collation_key(member.country_name))


def member_get(*, pk: int) -> Member:
    try:
        return Member.objects.select_related("region", "organisation").get(pk=pk)
    except Member.DoesNotExist as error:
        raise Http404(f"No member {pk}.") from error


def member_get_by_iso(*, iso_code: str) -> Member:
    member = member_list(filters=MemberFilters(iso_code=iso_code.upper())).first()
    if member is None:
        raise Http404(f"No member with ISO code {iso_code!r}.")
    return member


def roles_of_region(
    *, region: Region, on: datetime.date | None = None, current_only: bool = False
) -> QuerySet[RegionalRole]:
    roles = region.roles.select_related("organisation", "organisation__member")
    if current_only:
        day = on or timezone.localdate()
        roles = roles.filter(start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )
    return roles.order_by("-start_date", "role")


@dataclass(frozen=True)
class RegionOverview:
    region: Region
    members: list[Member]
    partners: list[Organisation]
    roles: list[RegionalRole]


def region_overview(*, user: Actor | None, code: str) -> RegionOverview:
    region = region_get(code=code)
    members = by_country_name(member_list(filters=MemberFilters(region=region.code)))
    partners = list(
        organisation_list(user=user, filters=OrganisationFilters(region=region.code)).filter(
            kind__in=OrganisationKind.partner_kinds()
        )
    )
    roles = list(roles_of_region(region=region))
    return RegionOverview(region=region, members=members, partners=partners, roles=roles)


def member_roles(*, member: Member) -> QuerySet[RegionalRole]:
    return member.organisation.regional_roles.select_related("region").order_by("-start_date")


def organisation_with_people(*, user: Actor | None, key: str) -> tuple[Organisation, list[Person]]:
    organisation = organisation_get(user=user, key=key)
    return organisation, list(person_visible(user, organisation))


def regions_with_members() -> QuerySet[Region]:
    return Region.objects.prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("name"))
    )


# --------------------------------------------------------------------------- review queue


@dataclass(frozen=True)
class ReviewItem:
    """An organisation held for review, where it was met, and registry organisations whose
    names are close to its own."""

    organisation: Organisation
    reported: int
    participations: int
    suggestions: list[Organisation]


def organisations_for_review(*, user: Actor | None, limit: int = 200) -> list[ReviewItem]:
    """The review queue (secretariat only): unverified organisations, the most mentioned
    first, each with up to three suggested matches among verified organisations."""
    require_secretariat(user, _("review organisations"))
    pending = list(
        Organisation.objects.filter(is_verified=False)
        .annotate(
            reported=Count("reported_activities", distinct=True),
            mentioned=Count("participations", distinct=True),
        )
        .order_by("-mentioned", "-reported", "name")[:limit]
    )
    known = list(Organisation.objects.filter(is_verified=True).order_by("name"))
    return [
        ReviewItem(
            organisation=organisation,
            reported=organisation.reported,
            participations=organisation.mentioned,
            suggestions=_suggestions(organisation, known),
        )
        for organisation in pending
    ]


def _suggestions(organisation: Organisation, known: list[Organisation]) -> list[Organisation]:
    words = set(normalise_name(organisation.name).split()) - _COMMON_WORDS
    if not words:
        return []
    scored = []
    for candidate in known:
        names = [candidate.name, candidate.acronym, *(candidate.name_aliases or [])]
        candidate_words = set(" ".join(normalise_name(name) for name in names).split())
        overlap = len(words & candidate_words)
        if overlap:
            scored.append((overlap / len(words | candidate_words), candidate.name, candidate))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [candidate for _score, _name, candidate in scored[:3]]


_COMMON_WORDS = frozenset(
    {"of", "de", "del", "la", "the", "and", "y", "et", "e", "for", "pour", "para", "des", "du"}
)


def organisation_get_for_review(*, user: Actor | None, key: str) -> Organisation:
    """The door to the review actions: the secretariat, and an organisation that exists."""
    require_secretariat(user, _("review organisations"))
    try:
        return Organisation.objects.get(key=key)
    except Organisation.DoesNotExist as error:
        raise Http404(f"No organisation {key!r}.") from error
