"""What the activity pages show beside the activity: codelist names and filter choices."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cbcoord.accounts.actors import Actor
from cbcoord.core import i18n
from cbcoord.frameworks.models import Instrument
from cbcoord.iati.codelists import Label
from cbcoord.registry.models import Member, Organisation, OrganisationKind, Region
from cbcoord.registry.selectors import organisation_visible

LABELLED = (
    "ActivityStatus",
    "TransactionType",
    "OrganisationRole",
    "Country",
    "Sector",
    "Region",
    "BudgetType",
    "ActivityDateType",
    "OrganisationType",
)


def codelist_labels(names: tuple[str, ...] = LABELLED) -> dict[str, dict[str, Label]]:
    return i18n.codelist_labels(*names)


def filter_choices(user: Actor | None) -> dict[str, Any]:
    """Choices of the activity list's filters: the partners ``user`` may see."""
    partners: QuerySet[Organisation] = (
        organisation_visible(user)
        .filter(kind__in=OrganisationKind.partner_kinds())
        .order_by("name")
    )
    return {
        "regions": Region.objects.order_by("sort_order", "code"),
        "members": Member.objects.exclude(iso_code="").order_by("name"),
        "partners": partners,
        "statuses": list(i18n.codelist_labels("ActivityStatus")["ActivityStatus"].items()),
        "instruments": Instrument.objects.order_by("code"),
    }
