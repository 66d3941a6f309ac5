"""The filters of the provision list (the catalogue's search): one definition for the page, the
API, the downloads and the command line (``cbcoord.core.filters``).
``selectors.provision_list`` applies them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import field_validator

from cbcoord.core.filters import FilterProblem, FilterSet, filter_field
from cbcoord.frameworks.models import Instrument, Provision


class ProvisionFilters(FilterSet):
    """Which provisions of the catalogue a list shows."""

    q: str | None = filter_field(
        None,
        title=gettext_lazy("Search"),
        description="Words (each must match) in the code, number or title in any language.",
    )
    instrument: str | None = filter_field(
        None, title=gettext_lazy("Instrument"), description="Instrument code, e.g. TFA."
    )
    kind: str | None = filter_field(
        None,
        title=gettext_lazy("Kind"),
        description="Provision kind, e.g. article, measure, standard.",
    )
    parent: str | None = filter_field(
        None,
        title=gettext_lazy("Part of"),
        description="Code of the parent provision, e.g. TFA-7: its direct children.",
    )
    verified: bool | None = filter_field(
        None,
        title=gettext_lazy("Verified"),
        description="true: provisions read from a source; false: those marked UNVERIFIED.",
    )

    @field_validator("instrument", "parent", mode="after")
    @classmethod
    def _codes_upper(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else value

    def problems(self, user: Any = None) -> list[FilterProblem]:
        found = []
        if self.instrument and not Instrument.objects.filter(code=self.instrument).exists():
            found.append(
                FilterProblem(
                    "instrument",
                    self.instrument,
                    _("unknown instrument %(code)s") % {"code": self.instrument},
                )
            )
        if self.parent and not Provision.objects.filter(code=self.parent).exists():
            found.append(
                FilterProblem(
                    "parent", self.parent, _("unknown provision %(code)s") % {"code": self.parent}
                )
            )
        return found
