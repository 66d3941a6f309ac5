"""Downloads of the registry (``cbcoord.core.exporters``): the partner list and the members.
Both read through the list selectors, so a reader gets the rows their page shows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from cbcoord.core.exporters import Column, Exporter, register
from cbcoord.registry.filters import MemberFilters, OrganisationFilters
from cbcoord.registry.models import OrganisationKind
from cbcoord.registry.selectors import member_list, organisation_list


@register
class OrganisationsExporter(Exporter):
    identifier = "organisations"
    title = gettext_lazy("Partners and the WCO")
    description = gettext_lazy("The organisations of the partner list, with their regions.")
    filters = OrganisationFilters
    columns = (
        Column("key", gettext_lazy("Key"), width=20),
        Column("name", gettext_lazy("Name"), width=45),
        Column("acronym", gettext_lazy("Acronym")),
        Column("kind", gettext_lazy("Kind"), width=24),
        Column("iati_org_id", gettext_lazy("IATI organisation identifier"), width=24),
        Column("iati_org_type", gettext_lazy("IATI organisation type")),
        Column("regions", gettext_lazy("Active in regions"), width=24),
        Column("website", gettext_lazy("Website"), width=30),
        Column("verified", gettext_lazy("Verified"), "bool"),
        Column("updated", gettext_lazy("Last updated"), "datetime", width=18),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        kinds = dict(OrganisationKind.choices)
        organisations = organisation_list(user=user, filters=filters).prefetch_related(
            "active_regions"
        )
        for organisation in organisations:
            yield [
                organisation.key,
                organisation.name,
                organisation.acronym,
                str(kinds.get(organisation.kind, organisation.kind)),
                organisation.iati_org_id,
                organisation.iati_org_type,
                sorted(region.code for region in organisation.active_regions.all()),
                organisation.website,
                organisation.is_verified,
                organisation.updated_at,
            ]


@register
class MembersExporter(Exporter):
    identifier = "members"
    title = gettext_lazy("WCO members")
    description = gettext_lazy("The WCO members, their regions and customs administrations.")
    filters = MemberFilters
    columns = (
        Column("name", gettext_lazy("Member"), width=32),
        Column("country", gettext_lazy("Country or territory"), width=32),
        Column("iso_code", gettext_lazy("ISO code")),
        Column("region", gettext_lazy("Region code")),
        Column("region_name", gettext_lazy("Region"), width=28),
        Column("administration", gettext_lazy("Customs administration"), width=40),
        Column("member_type", gettext_lazy("Member type")),
        Column("membership_date", gettext_lazy("Member since")),
        Column("verified", gettext_lazy("Verified"), "bool"),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        for member in member_list(filters=filters):
            yield [
                member.name,
                member.country_name,
                member.iso_code,
                member.region.code,
                member.region.name,
                member.organisation.name,
                member.member_type,
                member.membership_date,
                member.is_verified,
            ]
