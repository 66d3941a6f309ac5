"""Reads on the registry, applying what each audience may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cbcoord.accounts.permissions import is_secretariat, is_signed_in
from cbcoord.registry.models import (
    Member,
    Organisation,
    OrganisationKind,
    Person,
    Region,
    RegionalRole,
)

PARTNER_KINDS = (OrganisationKind.DEVELOPMENT_PARTNER, OrganisationKind.IMPLEMENTER)


def region_list() -> QuerySet[Region]:
    return Region.objects.annotate(member_count=Count("members")).order_by("sort_order", "code")


def region_get(*, code: str) -> Region:
    try:
        return Region.objects.get(code__iexact=code)
    except Region.DoesNotExist as error:
        raise Http404(f"No region with code {code!r}.") from error


def organisation_visible(user: Any) -> QuerySet[Organisation]:
    """Organisations a user may see: the public sees published ones, signed-in users all."""
    queryset = Organisation.objects.all()
    if not is_signed_in(user):
        queryset = queryset.filter(is_published=True)
    return queryset


def organisation_list(
    *,
    user: Any,
    kind: str | None = None,
    region: str | None = None,
    search: str | None = None,
    verified: bool | None = None,
) -> QuerySet[Organisation]:
    queryset = organisation_visible(user).exclude(kind=OrganisationKind.MEMBER_ADMINISTRATION)
    if kind:
        queryset = queryset.filter(kind=kind)
    if region:
        queryset = queryset.filter(
            Q(active_regions__code__iexact=region) | Q(regional_roles__region__code__iexact=region)
        ).distinct()
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(acronym__icontains=search)
            | Q(iati_org_id__iexact=search)
            | Q(iati_org_aliases__icontains=search)
        )
    if verified is not None:
        queryset = queryset.filter(is_verified=verified)
    return queryset.order_by("name")


def organisation_get(*, user: Any, key: str) -> Organisation:
    try:
        return organisation_visible(user).get(key=key)
    except Organisation.DoesNotExist as error:
        raise Http404(f"No organisation {key!r}.") from error


def person_visible(user: Any, organisation: Organisation) -> QuerySet[Person]:
    people = organisation.people.all()
    return people if is_signed_in(user) else people.filter(is_published=True)


def member_list(
    *, region: str | None = None, search: str | None = None, iso_code: str | None = None
) -> QuerySet[Member]:
    queryset = Member.objects.select_related("region", "organisation")
    if region:
        queryset = queryset.filter(region__code__iexact=region)
    if iso_code:
        queryset = queryset.filter(iso_code__iexact=iso_code)
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search) | Q(organisation__name__icontains=search)
        )
    return queryset.order_by("name")


def member_get(*, pk: int) -> Member:
    try:
        return Member.objects.select_related("region", "organisation").get(pk=pk)
    except Member.DoesNotExist as error:
        raise Http404(f"No member {pk}.") from error


def member_get_by_iso(*, iso_code: str) -> Member:
    member = member_list(iso_code=iso_code).first()
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


def region_overview(*, user: Any, code: str) -> RegionOverview:
    region = region_get(code=code)
    members = list(member_list(region=region.code))
    partners = list(
        organisation_list(user=user, region=region.code).filter(kind__in=[*PARTNER_KINDS])
    )
    roles = list(roles_of_region(region=region))
    return RegionOverview(region=region, members=members, partners=partners, roles=roles)


def member_roles(*, member: Member) -> QuerySet[RegionalRole]:
    return member.organisation.regional_roles.select_related("region").order_by("-start_date")


def organisation_with_people(*, user: Any, key: str) -> tuple[Organisation, list[Person]]:
    organisation = organisation_get(user=user, key=key)
    return organisation, list(person_visible(user, organisation))


def history_for(*, user: Any, instance: Any, limit: int = 50) -> list[Any]:
    """The audit trail of a record, for the secretariat only (others get an empty list)."""
    if not is_secretariat(user):
        return []
    return list(instance.history.select_related("history_user").order_by("-history_date")[:limit])


def regions_with_members() -> QuerySet[Region]:
    return Region.objects.prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("name"))
    )
