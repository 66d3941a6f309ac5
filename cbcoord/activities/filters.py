"""The activity list's filters and order: one definition for the page, the API, the downloads
and the command line (``cbcoord.core.filters``). ``selectors.activity_list`` applies them."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import field_validator

from cbcoord.core.filters import FilterProblem, FilterSet, filter_field
from cbcoord.frameworks.models import Instrument, Provision
from cbcoord.iati import codelists
from cbcoord.registry.models import Region
from cbcoord.registry.selectors import organisation_visible

#: The orders a list may take: a column, ascending, or with "-" descending. Activities without
#: a value (no budget, no start date) come first in ascending order and last in descending.
Sort = Literal[
    "updated",
    "-updated",
    "title",
    "-title",
    "start",
    "-start",
    "end",
    "-end",
    "budget",
    "-budget",
]
DEFAULT_SORT: Sort = "-updated"


class Relevance(models.TextChoices):
    """Which activities a list shows by whether they are customs or border-agency capacity
    building (``Activity.is_relevant``). Unassessed activities count as relevant."""

    RELEVANT = "relevant", gettext_lazy("Relevant to customs")
    ALL = "all", gettext_lazy("All activities")
    NOT_RELEVANT = "not_relevant", gettext_lazy("Not relevant")


class ActivityFilters(FilterSet):
    """Which activities a list shows, and in which order."""

    passthrough = ("sort",)

    q: str | None = filter_field(
        None,
        title=gettext_lazy("Search"),
        description="Words in the title or the IATI identifier.",
    )
    region: str | None = filter_field(
        None,
        title=gettext_lazy("Region"),
        description="WCO region code (AMC, ESA, EUR, MENA, AP, WCA): activities in its members.",
    )
    country: str | None = filter_field(
        None,
        title=gettext_lazy("Member"),
        description="ISO 3166-1 alpha-2 code of a recipient country, e.g. DO.",
    )
    partner: str | None = filter_field(
        None,
        title=gettext_lazy("Partner"),
        description="Key of an organisation that reports the activity or takes part in it, "
        "e.g. idb.",
    )
    reporting_org: str | None = filter_field(
        None,
        title=gettext_lazy("Reporting organisation"),
        description="IATI organisation identifier (or key) of the reporting organisation.",
    )
    status: str | None = filter_field(
        None,
        title=gettext_lazy("Status"),
        description="IATI ActivityStatus code: 1 pipeline, 2 implementation, 3 finalisation, "
        "4 closed, 5 cancelled, 6 suspended.",
    )
    sector: str | None = filter_field(
        None,
        title=gettext_lazy("Sector"),
        description="Sector code of any vocabulary, e.g. 33120 (trade facilitation).",
    )
    instrument: str | None = filter_field(
        None,
        title=gettext_lazy("Instrument"),
        description="Instrument code, e.g. TFA: activities tagged with any of its provisions.",
    )
    provision: str | None = filter_field(
        None,
        title=gettext_lazy("Provision"),
        description="Provision code, e.g. TFA-7.4: activities tagged with it.",
    )
    start: datetime.date | None = filter_field(
        None,
        title=gettext_lazy("From"),
        description="Activities running on or after this day (YYYY-MM-DD).",
    )
    end: datetime.date | None = filter_field(
        None,
        title=gettext_lazy("To"),
        description="Activities running on or before this day (YYYY-MM-DD).",
    )
    include_withdrawn: bool = filter_field(
        False,
        title=gettext_lazy("Include withdrawn"),
        description="Also activities their publisher no longer publishes.",
    )
    relevance: Relevance = filter_field(
        Relevance.RELEVANT,
        title=gettext_lazy("Relevance"),
        description="relevant (the default): customs or border-agency capacity building, and "
        "activities not yet assessed; all: every activity; not_relevant: those judged not "
        "relevant.",
    )
    sort: Sort = filter_field(
        DEFAULT_SORT,
        title=gettext_lazy("Order"),
        description="updated, title, start, end or budget; with a leading - for descending. "
        "Default: -updated (most recently updated first).",
    )

    @field_validator("region", "country", "instrument", "provision", mode="after")
    @classmethod
    def _codes_upper(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else value

    @field_validator("q", "partner", "reporting_org", "status", "sector", mode="after")
    @classmethod
    def _stripped(cls, value: str | None) -> str | None:
        return value.strip() if value else value

    def problems(self, user: Any = None) -> list[FilterProblem]:
        """The values that name nothing: an unknown region, country, status, instrument or
        provision, a partner or reporting organisation ``user`` may not see. One query per
        such filter that is set."""
        found: list[FilterProblem] = []

        def unknown(name: str, message: str) -> None:
            found.append(FilterProblem(name, str(getattr(self, name)), message))

        if self.region and not Region.objects.filter(code=self.region).exists():
            unknown("region", _("unknown region %(code)s") % {"code": self.region})
        if self.country and self.country not in codelists.codes("Country"):
            unknown("country", _("unknown country %(code)s") % {"code": self.country})
        if self.status and self.status not in codelists.codes("ActivityStatus"):
            unknown("status", _("unknown status %(code)s") % {"code": self.status})
        if self.partner and not organisation_visible(user).filter(key=self.partner).exists():
            unknown("partner", _("unknown partner %(key)s") % {"key": self.partner})
        if (
            self.reporting_org
            and not organisation_visible(user)
            .filter(Q(iati_org_id=self.reporting_org) | Q(key=self.reporting_org))
            .exists()
        ):
            unknown(
                "reporting_org",
                _("unknown reporting organisation %(ref)s") % {"ref": self.reporting_org},
            )
        if self.instrument and not Instrument.objects.filter(code=self.instrument).exists():
            unknown("instrument", _("unknown instrument %(code)s") % {"code": self.instrument})
        if self.provision and not Provision.objects.filter(code=self.provision).exists():
            unknown("provision", _("unknown provision %(code)s") % {"code": self.provision})
        return found


class TagReviewFilters(FilterSet):
    """Which activities' provision tags the review queue shows."""

    status: Literal["suggested", "confirmed", "rejected"] = filter_field(
        "suggested",
        title=gettext_lazy("Tags"),
        description="suggested (the default: waiting for review), confirmed or rejected.",
    )
    instrument: str | None = filter_field(
        None,
        title=gettext_lazy("Instrument"),
        description="Instrument code, e.g. TFA: tags of its provisions.",
    )
    provision: str | None = filter_field(
        None,
        title=gettext_lazy("Provision"),
        description="Provision code, e.g. TFA-7.4.",
    )
    partner: str | None = filter_field(
        None,
        title=gettext_lazy("Partner"),
        description="Key of an organisation that reports the activity or takes part in it.",
    )
    region: str | None = filter_field(
        None,
        title=gettext_lazy("Region"),
        description="WCO region code (AMC, ESA, EUR, MENA, AP, WCA).",
    )

    @field_validator("region", "instrument", "provision", mode="after")
    @classmethod
    def _codes_upper(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else value

    @field_validator("partner", mode="after")
    @classmethod
    def _stripped(cls, value: str | None) -> str | None:
        return value.strip() if value else value

    def problems(self, user: Any = None) -> list[FilterProblem]:
        """Values that name nothing: as the activity list's (``ActivityFilters.problems``)."""
        listed = ActivityFilters(
            region=self.region,
            partner=self.partner,
            instrument=self.instrument,
            provision=self.provision,
        )
        return listed.problems(user)
