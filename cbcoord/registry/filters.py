"""The filters of the partner list and the member list: one definition for the pages, the API,
the downloads and the command line (``cbcoord.core.filters``). ``selectors.organisation_list``
and ``selectors.member_list`` apply them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import field_validator

from cbcoord.core.filters import FilterProblem, FilterSet, filter_field
from cbcoord.iati import codelists
from cbcoord.registry.models import OrganisationKind, Region

#: The kinds the partner list shows (member administrations are listed as members).
LISTED_KINDS = tuple(kind for kind in OrganisationKind if not kind.is_member)


def _unknown_region(filters: Any) -> list[FilterProblem]:
    if filters.region and not Region.objects.filter(code=filters.region).exists():
        return [
            FilterProblem(
                "region", filters.region, _("unknown region %(code)s") % {"code": filters.region}
            )
        ]
    return []


class OrganisationFilters(FilterSet):
    """Which organisations the partner list shows (the WCO and partners, not members)."""

    q: str | None = filter_field(
        None,
        title=gettext_lazy("Search"),
        description="Words in the name or acronym, or an IATI organisation identifier.",
    )
    kind: str | None = filter_field(
        None,
        title=gettext_lazy("Kind"),
        description="wco_secretariat, wco_regional_office, development_partner or implementer.",
    )
    region: str | None = filter_field(
        None,
        title=gettext_lazy("Region"),
        description="WCO region code: organisations active in it or holding a role there.",
    )
    verified: bool | None = filter_field(
        None,
        title=gettext_lazy("Verified"),
        description="true: verified organisations only; false: those an import created, "
        "not yet reviewed.",
    )

    @field_validator("region", mode="after")
    @classmethod
    def _code_upper(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else value

    def problems(self, user: Any = None) -> list[FilterProblem]:
        found = _unknown_region(self)
        if self.kind and self.kind not in LISTED_KINDS:
            found.append(
                FilterProblem("kind", self.kind, _("unknown kind %(kind)s") % {"kind": self.kind})
            )
        return found


class MemberFilters(FilterSet):
    """Which WCO members a list shows."""

    q: str | None = filter_field(
        None,
        title=gettext_lazy("Search"),
        description="Words in the member's or its customs administration's name.",
    )
    region: str | None = filter_field(
        None, title=gettext_lazy("Region"), description="WCO region code, e.g. AMC."
    )
    iso_code: str | None = filter_field(
        None,
        title=gettext_lazy("ISO code"),
        description="ISO 3166-1 alpha-2 code of the member's country or territory, e.g. DO.",
    )

    @field_validator("region", "iso_code", mode="after")
    @classmethod
    def _codes_upper(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else value

    def problems(self, user: Any = None) -> list[FilterProblem]:
        found = _unknown_region(self)
        if self.iso_code and self.iso_code not in codelists.codes("Country"):
            found.append(
                FilterProblem(
                    "iso_code",
                    self.iso_code,
                    _("unknown country %(code)s") % {"code": self.iso_code},
                )
            )
        return found
