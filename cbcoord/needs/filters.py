"""The filters of the needs list and of the TFA commitments (page, API, command and files)."""

from __future__ import annotations

from typing import Any, Literal, cast

from django.utils.translation import gettext as _

# Titles are lazy, translated when shown (``FilterSet.described``); pydantic types them str.
from django.utils.translation import gettext_lazy
from pydantic import Field

from cbcoord.core.filters import FilterProblem, FilterSet
from cbcoord.frameworks.models import Instrument, Provision
from cbcoord.registry.models import Member, Region

PriorityValue = Literal["high", "medium", "low"]
StatusValue = Literal["identified", "support_sought", "supported", "met", "dropped"]
SourceValue = Literal[
    "diagnostic_mission",
    "self_assessment",
    "tfa_category_c",
    "strategic_plan",
    "meeting_decision",
    "other",
]
PositionValue = Literal["unconfirmed", "confirmed", "disputed"]
SupportValue = Literal["confirmed", "none"]
CategoryValue = Literal["A", "B", "C"]


def member_for(value: str) -> Member | None:
    """The member a filter names: its ISO 3166 code (DO) or its number in cbcoord."""
    value = value.strip()
    if value.isdigit():
        return Member.objects.filter(pk=int(value)).first()
    if len(value) == 2:
        return Member.objects.filter(iso_code__iexact=value).first()
    return None


def _record_problems(filters: FilterSet) -> list[FilterProblem]:
    problems = []
    region = getattr(filters, "region", None)
    if region and not Region.objects.filter(code__iexact=region).exists():
        problems.append(FilterProblem("region", region, _("there is no such WCO region")))
    member = getattr(filters, "member", None)
    if member and member_for(member) is None:
        problems.append(FilterProblem("member", member, _("there is no such member")))
    for name in ("provision", "measure"):
        code = getattr(filters, name, None)
        if code and not Provision.objects.filter(code__iexact=code).exists():
            problems.append(FilterProblem(name, code, _("there is no such provision")))
    instrument = getattr(filters, "instrument", None)
    if instrument and not Instrument.objects.filter(code__iexact=instrument).exists():
        problems.append(FilterProblem("instrument", instrument, _("there is no such instrument")))
    return problems


class NeedFilters(FilterSet):
    region: str | None = Field(
        None, title=cast(str, gettext_lazy("Region")), description="WCO region code, e.g. AMC."
    )
    member: str | None = Field(
        None,
        title=cast(str, gettext_lazy("Member")),
        description="The member's ISO 3166 code (DO) or its number in cbcoord.",
    )
    provision: str | None = Field(
        None,
        title=cast(str, gettext_lazy("Provision")),
        description="Provision code, e.g. TFA-7.4; a parent (TFA-7) includes its parts.",
    )
    instrument: str | None = Field(
        None,
        title=cast(str, gettext_lazy("Instrument")),
        description="Instrument code, e.g. TFA or RKC.",
    )
    priority: PriorityValue | None = Field(None, title=cast(str, gettext_lazy("Priority")))
    status: StatusValue | None = Field(None, title=cast(str, gettext_lazy("Status")))
    source: SourceValue | None = Field(None, title=cast(str, gettext_lazy("Source")))
    position: PositionValue | None = Field(
        None,
        title=cast(str, gettext_lazy("Member's position")),
        description="Whether the member's administration has confirmed the need.",
    )
    support: SupportValue | None = Field(
        None,
        title=cast(str, gettext_lazy("Confirmed support")),
        description="confirmed: a supporting activity is confirmed; none: not yet.",
    )
    q: str | None = Field(
        None,
        title=cast(str, gettext_lazy("Search")),
        description="Words of the key or the description.",
    )

    def problems(self, user: Any = None) -> list[FilterProblem]:
        return _record_problems(self)


class TfaFilters(FilterSet):
    region: str | None = Field(
        None, title=cast(str, gettext_lazy("Region")), description="WCO region code, e.g. AMC."
    )
    member: str | None = Field(
        None,
        title=cast(str, gettext_lazy("Member")),
        description="The member's ISO 3166 code (DO) or its number in cbcoord.",
    )
    measure: str | None = Field(
        None,
        title=cast(str, gettext_lazy("Measure")),
        description="TFA measure code, e.g. TFA-7.4.",
    )
    category: CategoryValue | None = Field(None, title=cast(str, gettext_lazy("Category")))

    def problems(self, user: Any = None) -> list[FilterProblem]:
        return _record_problems(self)
