"""What the activity pages show beside the activity: codelist names, filter choices, totals by
currency, transactions in date order, and what each history entry changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.history import changed_fields
from cbcoord.activities import derive
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


# --------------------------------------------------------------------------- the activity page

TOTAL_LABELS = {
    "budget": gettext_lazy("Total budget"),
    "commitment": gettext_lazy("Total commitments"),
    "spend": gettext_lazy("Total disbursements and expenditure"),
}


def totals(data: dict[str, Any]) -> list[tuple[str, list[tuple[Decimal, str]]]]:
    """(label, [(amount, currency), ...]) of each total the content has, every currency
    shown (``derive.totals_by_currency``)."""
    found = derive.totals_by_currency(data)
    return [
        (str(TOTAL_LABELS[kind]), [(amount, code) for code, amount in found[kind].items()])
        for kind in derive.TOTAL_KINDS
        if found[kind]
    ]


def transactions_in_order(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The transactions by date (undated last), then by type, then as published."""
    items = [item for item in data.get("transactions") or [] if isinstance(item, dict)]

    def key(item: dict[str, Any]) -> tuple[bool, str, int, str]:
        kind = str(item.get("type") or "")
        return (
            not item.get("date"),
            str(item.get("date") or ""),
            int(kind) if kind.isdigit() else 99,
            kind,
        )

    return sorted(items, key=key)


PART_LABELS = {
    "title": gettext_lazy("title"),
    "description": gettext_lazy("description"),
    "status": gettext_lazy("status"),
    "dates": gettext_lazy("dates"),
    "currency": gettext_lazy("default currency"),
    "countries": gettext_lazy("recipient countries"),
    "regions": gettext_lazy("recipient regions"),
    "sectors": gettext_lazy("sectors"),
    "budgets": gettext_lazy("budgets"),
    "transactions": gettext_lazy("transactions"),
    "participants": gettext_lazy("participating organisations"),
    "reporting_org": gettext_lazy("reporting organisation (in the IATI content)"),
    "other": gettext_lazy("other IATI content"),
    "visible_to": gettext_lazy("organisations it is visible to"),
}
# Columns that follow the content (its parts say what changed) or are bookkeeping.
_HIDDEN_COLUMNS = (
    *derive.COLUMN_NAMES,
    "content_hash",
    "publisher_hash",
    "publisher_updated_at",
    "publisher_warnings",
    "edited_at",
)


def history_fields(record: Any, older: Any | None) -> list[str]:
    """What a history entry of an activity changed: the parts of its IATI content (title,
    dates, countries, ...), then its other fields (visibility, the publisher's version, ...)."""
    parts = [str(PART_LABELS.get(part, part)) for part in record.changed_parts or []]
    if not parts and older is not None and record.content_hash != older.content_hash:
        parts.append(_("IATI content"))
    others = changed_fields(record, older, hidden=_HIDDEN_COLUMNS)
    return parts + [name for name in others if name not in parts]
