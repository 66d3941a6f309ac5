"""The filters of the coordination analyses: one definition for the pages, the API, the
downloads and the command line (``cbcoord.core.filters``). ``selectors`` applies them."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cbcoord.core.filters import FilterProblem, FilterSet, filter_field
from cbcoord.frameworks.models import Instrument
from cbcoord.iati import codelists
from cbcoord.registry.models import Member, Region
from cbcoord.registry.selectors import organisation_visible

Level = Literal["0", "1", "2"]


class AnalysisFilters(FilterSet):
    """Where and when: a region (or one member), a period of years, and which activities."""

    region: str | None = filter_field(
        None,
        title=gettext_lazy("Region"),
        description="WCO region code (AMC, ESA, EUR, MENA, AP, WCA).",
    )
    member: str | None = filter_field(
        None,
        title=gettext_lazy("Member"),
        description="ISO 3166-1 alpha-2 code of one member, e.g. DO (its region is implied).",
    )
    year_from: int | None = filter_field(
        None,
        title=gettext_lazy("From year"),
        description="First year of the period: activities active in it, amounts dated in it.",
    )
    year_to: int | None = filter_field(
        None,
        title=gettext_lazy("To year"),
        description="Last year of the period (the first year alone when omitted).",
    )
    instrument: str | None = filter_field(
        None,
        title=gettext_lazy("Instrument"),
        description="Instrument code (TFA, RKC, SAFE, ECOM, THEME, WCO-SP).",
    )
    partner: str | None = filter_field(
        None,
        title=gettext_lazy("Partner"),
        description="Key of the organisation reporting the activities, e.g. idb.",
    )
    status: str | None = filter_field(
        None,
        title=gettext_lazy("Activity status"),
        description="IATI ActivityStatus code (1 pipeline, 2 implementation, 3 finalisation, "
        "4 closed, 5 cancelled, 6 suspended); without it every status but cancelled.",
    )
    level: Level = filter_field(
        "1",
        title=gettext_lazy("Level"),
        description="Level of the provision hierarchy the columns are at: 0 the articles, "
        "chapters and pillars, 1 their measures and standards, 2 the provisions themselves.",
    )
    currency: str = filter_field(
        "USD",
        title=gettext_lazy("Reporting currency"),
        description="ISO 4217 code amounts are converted to.",
    )

    passthrough: ClassVar[tuple[str, ...]] = ("level", "currency")

    @property
    def years(self) -> tuple[int, int] | None:
        """The period as (first, last) years, or None for every year."""
        if self.year_from is None and self.year_to is None:
            return None
        first = self.year_from if self.year_from is not None else self.year_to
        last = self.year_to if self.year_to is not None else first
        assert first is not None
        assert last is not None
        return (min(first, last), max(first, last))

    def problems(self, user: Any = None) -> list[FilterProblem]:
        problems = []
        if not self.region and not self.member:
            problems.append(
                FilterProblem("region", "", _("name a region (region=AMC) or a member (member=DO)"))
            )
        if self.region and not Region.objects.filter(code__iexact=self.region).exists():
            problems.append(FilterProblem("region", self.region, _("there is no such WCO region")))
        if self.member and not Member.objects.filter(iso_code__iexact=self.member).exists():
            problems.append(FilterProblem("member", self.member, _("there is no such member")))
        if self.instrument and not Instrument.objects.filter(code__iexact=self.instrument).exists():
            problems.append(
                FilterProblem("instrument", self.instrument, _("there is no such instrument"))
            )
        if self.partner and not organisation_visible(user).filter(key=self.partner).exists():
            problems.append(FilterProblem("partner", self.partner, _("there is no such partner")))
        if self.status and self.status not in codelists.codes("ActivityStatus"):
            problems.append(FilterProblem("status", self.status, _("there is no such status")))
        if self.currency.upper() not in codelists.codes("Currency"):
            problems.append(
                FilterProblem("currency", self.currency, _("there is no such currency"))
            )
        for name in ("year_from", "year_to"):
            value = getattr(self, name)
            if value is not None and not 1950 <= value <= 2100:
                problems.append(FilterProblem(name, str(value), _("a year from 1950 to 2100")))
        return problems


class SynergyFilters(AnalysisFilters):
    k: int = filter_field(
        3,
        title=gettext_lazy("Members at least"),
        description="How many members of the region must have open needs on a provision.",
    )
    passthrough: ClassVar[tuple[str, ...]] = ("level", "currency", "k")


class ClashFilters(AnalysisFilters):
    days: int = filter_field(
        14,
        title=gettext_lazy("Days apart at most"),
        description="Missions of different partners in one administration this many days "
        "apart or less (overlapping ones are 0 days apart) clash.",
    )
    passthrough: ClassVar[tuple[str, ...]] = ("level", "currency", "days")


class FundingFilters(AnalysisFilters):
    by: Literal["partner", "member", "instrument", "year"] = filter_field(
        "partner",
        title=gettext_lazy("By"),
        description="What each row is: a partner, a member, an instrument or a year.",
    )
    passthrough: ClassVar[tuple[str, ...]] = ("level", "currency", "by")
