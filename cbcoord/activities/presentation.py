"""What the activity pages show beside the activity: codelist names, the list's rows, its
filter choices and its column headers; totals by currency, transactions in date order, and
what each history entry changed.

A list page's rows are worked out here, once, as plain text (labels, amounts formatted in
the reader's language, links): the template only prints them, so that a page of 50 rows costs
a few template nodes per row, not a filter, an include and a lookup per cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote, urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.history import changed_fields
from cbcoord.activities import derive
from cbcoord.activities.filters import DEFAULT_SORT, ActivityFilters
from cbcoord.activities.models import Activity, DecidedBy
from cbcoord.activities.selectors import activity_codes
from cbcoord.core import i18n
from cbcoord.frameworks.models import Instrument
from cbcoord.iati import codelists
from cbcoord.iati.codelists import Label
from cbcoord.registry.models import Member, OrganisationKind, Region
from cbcoord.registry.selectors import by_country_name, organisation_visible

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

#: Codes shown in a cell before "+N".
CELL_CODES = 3


def codelist_labels(names: tuple[str, ...] = LABELLED) -> dict[str, dict[str, Label]]:
    return i18n.codelist_labels(*names)


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class ActivityListRow:
    """One row of the activity list, ready to print."""

    url: str
    title: str
    identifier: str
    reporting_org: str
    status: str
    start: str
    end: str
    updated: str
    budget: str
    countries: str
    countries_title: str
    sectors: str
    sectors_title: str
    withdrawn: bool
    hand_edited: bool
    is_demo: bool


def amount(value: Decimal | None, currency: str) -> str:
    """An amount in the reader's number format, in whole units, with its currency."""
    if value is None:
        return ""
    number = formats.number_format(
        value.quantize(Decimal(1), rounding=ROUND_HALF_UP),
        decimal_pos=0,
        use_l10n=True,
        force_grouping=True,
    )
    return f"{number} {currency}".strip()


def _cell(codes: Sequence[str], names: Mapping[str, Label]) -> tuple[str, str]:
    """The text of a cell of codes (the first few, named, then "+N") and its tooltip (all)."""
    named = [names.get(code) or code for code in codes]
    shown = ", ".join(named[:CELL_CODES])
    if len(named) > CELL_CODES:
        shown += " " + _("+%(count)s") % {"count": len(named) - CELL_CODES}
    return shown, "; ".join(f"{code} {name}" for code, name in zip(codes, named, strict=True))


#: What ``reverse`` leaves unquoted in a path (django.urls.resolvers).
_SAFE = "!$&'()*+,;=/~:@"


def _detail_urls() -> Callable[[str], str]:
    """The detail page's URL of an identifier: what ``reverse("activity-detail", …)`` gives
    (the ``identifier`` converter takes any text), without its 40 µs a row."""
    try:
        base = reverse("activity-detail", args=["-"]).removesuffix("-/")
    except NoReverseMatch:  # pragma: no cover (the URL is the project's)
        return lambda identifier: ""
    return lambda identifier: f"{base}{quote(identifier, safe=_SAFE)}/" if identifier else ""


#: The columns a page of the list reads (``QuerySet.only``): the rest is not shown.
LIST_FIELDS = (
    "iati_identifier",
    "title_text",
    "status",
    "start_date",
    "end_date",
    "total_budget",
    "default_currency",
    "updated_at",
    "withdrawn_at",
    "hand_edited",
    "is_demo",
    "reporting_org__name",
)


def list_rows(activities: Iterable[Activity]) -> list[ActivityListRow]:
    """The rows of a page of the list (read with ``selectors.activity_rows``, ``LIST_FIELDS``
    only): two queries for the countries and sectors of all of them, none per row. Dates in
    ISO 8601 (one form for every language), amounts in the reader's number format."""
    activities = list(activities)
    codes = activity_codes((activity.pk for activity in activities), regions=False)
    labels = i18n.codelist_labels("ActivityStatus", "Country", "Sector")
    statuses, countries, sectors = labels["ActivityStatus"], labels["Country"], labels["Sector"]
    url = _detail_urls()
    rows = []
    for activity in activities:
        found = codes[activity.pk]
        country_text, country_title = _cell(found.countries, countries)
        sector_text, sector_title = _cell(found.sectors, sectors)
        rows.append(
            ActivityListRow(
                url=url(activity.iati_identifier),
                title=activity.title or activity.iati_identifier,
                identifier=activity.iati_identifier,
                reporting_org=activity.reporting_org.name,
                status=str(statuses.get(activity.status) or activity.status or "—"),
                start=activity.start_date.isoformat() if activity.start_date else "—",
                end=activity.end_date.isoformat() if activity.end_date else "—",
                updated=timezone.localdate(activity.updated_at).isoformat(),
                budget=amount(activity.total_budget, activity.default_currency),
                countries=country_text,
                countries_title=country_title,
                sectors=sector_text,
                sectors_title=sector_title,
                withdrawn=activity.is_withdrawn,
                hand_edited=activity.hand_edited,
                is_demo=activity.is_demo,
            )
        )
    return rows


# --------------------------------------------------------------------------- headers


@dataclass(frozen=True)
class Column:
    """A column header; sortable ones link to the list in their order."""

    title: str
    url: str = ""
    aria_sort: str = ""
    arrow: str = ""
    numeric: bool = False


COLUMNS: tuple[tuple[Any, str, bool], ...] = (
    (gettext_lazy("Activity"), "title", False),
    (gettext_lazy("Reporting organisation"), "", False),
    (gettext_lazy("Status"), "", False),
    (gettext_lazy("Countries"), "", False),
    (gettext_lazy("Sectors"), "", False),
    (gettext_lazy("Start"), "start", False),
    (gettext_lazy("End"), "end", False),
    (gettext_lazy("Budget"), "budget", True),
    (gettext_lazy("Updated"), "updated", False),
)


def columns(filters: ActivityFilters) -> list[Column]:
    """The list's headers: a sortable one links to its order (ascending first; descending
    when it is the order already; budget and updated start descending) and says which
    order the list is in (``aria-sort``)."""
    query = filters.query()
    current = filters.sort
    headers = []
    for title, key, numeric in COLUMNS:
        if not key:
            headers.append(Column(str(title), numeric=numeric))
            continue
        first = f"-{key}" if key in ("budget", "updated") else key
        if current == key:
            target, aria, arrow = f"-{key}", "ascending", "▲"
        elif current == f"-{key}":
            target, aria, arrow = key, "descending", "▼"
        else:
            target, aria, arrow = first, "", ""
        params = {name: value for name, value in query.items() if name not in ("sort", "page")}
        if target != DEFAULT_SORT:
            params["sort"] = target
        headers.append(
            Column(
                str(title),
                url="?" + urlencode(params),
                aria_sort=aria,
                arrow=arrow,
                numeric=numeric,
            )
        )
    return headers


# --------------------------------------------------------------------------- filter choices


Choices = list[tuple[str, Any]]


def _values(choices: Choices) -> set[str]:
    known: set[str] = set()
    for choice, label in choices:
        if isinstance(label, list):  # a group: (its label, its choices)
            known.update(code for code, _name in label)
        else:
            known.add(choice)
    return known


def filter_choices(user: Actor | None, filters: ActivityFilters) -> dict[str, Choices]:
    """The choices of the list's drop-downs: regions; the members, named in the reader's
    language and in its order, of the chosen region only (else grouped by region), with a
    chosen country that is not one of them named; the partners ``user`` may see; statuses;
    instruments by code and title. Four queries. (The
    ``select_options`` tag shows a chosen value that none of them has as unknown.)"""
    language = i18n.current_language()
    regions = list(Region.objects.order_by("sort_order", "code"))
    region_choices: Choices = [(region.code, region.name) for region in regions]
    members = Member.objects.exclude(iso_code="").only("iso_code", "name", "region_id")
    chosen_region = next((r for r in regions if r.code == filters.region), None)
    member_choices: Choices
    if chosen_region is not None:
        member_choices = [
            (member.iso_code, member.country_name)
            for member in by_country_name(members.filter(region=chosen_region))
        ]
    else:
        by_region: dict[int, list[tuple[str, str]]] = {}
        for member in by_country_name(members):
            by_region.setdefault(member.region_id, []).append(
                (member.iso_code, member.country_name)
            )
        member_choices = [(region.name, by_region.get(region.pk, [])) for region in regions]
    country = filters.country or ""
    country_name = str(codelists.labels("Country", language).get(country) or "")
    if country_name and country not in _values(member_choices):
        # A real country that is not a member (of the chosen region): shown by its name.
        if chosen_region is not None:
            country_name = _("%(name)s (not in %(region)s)") % {
                "name": country_name,
                "region": chosen_region.name,
            }
        member_choices.insert(0, (country, country_name))
    partners = (
        organisation_visible(user)
        .filter(kind__in=OrganisationKind.partner_kinds())
        .order_by("name")
        .values_list("key", "name")
    )
    statuses = codelists.labels("ActivityStatus", language)
    instruments = Instrument.objects.order_by("sort_order", "code")
    return {
        "regions": region_choices,
        "members": member_choices,
        "partners": list(partners),
        "statuses": [(code, f"{code} · {name}") for code, name in statuses.items()],
        "instruments": [(i.code, f"{i.code} — {i.title}") for i in instruments],
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
    "relevance_score",
)
#: What the rules decide of an activity as they tag its content: derived from the content as
#: the columns are, so a history entry names them only when a person made the decision.
_RULES_RELEVANCE = ("is_relevant", "relevance_decided_by")


def history_fields(record: Any, older: Any | None) -> list[str]:
    """What a history entry of an activity changed: the parts of its IATI content (title,
    dates, countries, ...), then its other fields (visibility, the publisher's version, ...)."""
    parts = [str(PART_LABELS.get(part, part)) for part in record.changed_parts or []]
    if not parts and older is not None and record.content_hash != older.content_hash:
        parts.append(_("IATI content"))
    hidden: tuple[str, ...] = _HIDDEN_COLUMNS
    if DecidedBy.PERSON not in {
        getattr(record, "relevance_decided_by", ""),
        getattr(older, "relevance_decided_by", ""),
    }:
        hidden = (*hidden, *_RULES_RELEVANCE)
    others = changed_fields(record, older, hidden=hidden)
    return parts + [name for name in others if name not in parts]
