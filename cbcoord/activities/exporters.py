"""Downloads of activities (``cbcoord.core.exporters``): the list as CSV or XLSX, and the
activities as IATI 2.03 XML. Both read through ``selectors.activity_list``, so the reader's
visibility holds in every file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cbcoord.accounts.permissions import is_secretariat
from cbcoord.activities.export import parsed_activities
from cbcoord.activities.filters import ActivityFilters, Relevance
from cbcoord.activities.models import Activity, Origin, Visibility
from cbcoord.activities.selectors import activity_codes, activity_list, activity_rows
from cbcoord.core import i18n
from cbcoord.core.exporters import Column, Exporter, ExportError, register
from cbcoord.core.filters import filter_field
from cbcoord.iati.writer import iter_activities_xml
from cbcoord.registry.models import Organisation

#: Activities read per query (with their countries, regions and sectors).
CHUNK = 1000


def _named(codes: Sequence[str], names: dict[str, Any]) -> list[str]:
    return [f"{code} {names[code]}" if names.get(code) else code for code in codes]


@register
class ActivitiesExporter(Exporter):
    identifier = "activities"
    title = gettext_lazy("Activities")
    description = gettext_lazy(
        "One row per activity, with its countries, WCO regions, sectors and totals, in the "
        "list's order."
    )
    filters = ActivityFilters
    columns = (
        Column("identifier", gettext_lazy("IATI identifier"), width=30),
        Column("title", gettext_lazy("Title"), width=50),
        Column("reporting_org", gettext_lazy("Reporting organisation"), width=30),
        Column("status", gettext_lazy("Status")),
        Column("start", gettext_lazy("Start"), "date"),
        Column("end", gettext_lazy("End"), "date"),
        Column("countries", gettext_lazy("Recipient countries"), width=30),
        Column("regions", gettext_lazy("WCO regions")),
        Column("sectors", gettext_lazy("Sectors"), width=30),
        Column("total_budget", gettext_lazy("Total budget"), "money", width=16),
        Column("total_commitment", gettext_lazy("Total commitments"), "money", width=16),
        Column("total_spend", gettext_lazy("Total disbursements and expenditure"), "money"),
        Column("currency", gettext_lazy("Currency")),
        Column("visibility", gettext_lazy("Visibility")),
        Column("origin", gettext_lazy("Origin")),
        Column("withdrawn", gettext_lazy("Withdrawn"), "bool"),
        Column("updated", gettext_lazy("Last updated"), "datetime", width=18),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        labels = i18n.codelist_labels("ActivityStatus", "Country", "Sector")
        visibility = dict(Visibility.choices)
        origin = dict(Origin.choices)
        # The organisations' names from one query, not a join on every activity exported (a
        # planner that misjudges the filters' selectivity may choose a nested loop for it).
        organisations = dict(Organisation.objects.values_list("pk", "name"))
        activities = (
            activity_rows(activity_list(user=user, filters=filters))
            .select_related(None)
            .iterator(chunk_size=CHUNK)
        )
        while chunk := list(islice(activities, CHUNK)):
            codes = activity_codes(activity.pk for activity in chunk)
            for activity in chunk:
                found = codes[activity.pk]
                yield [
                    activity.iati_identifier,
                    activity.title,
                    organisations.get(activity.reporting_org_id, ""),
                    str(labels["ActivityStatus"].get(activity.status) or activity.status),
                    activity.start_date,
                    activity.end_date,
                    _named(found.countries, labels["Country"]),
                    list(found.regions),
                    _named(found.sectors, labels["Sector"]),
                    activity.total_budget,
                    activity.total_commitment,
                    activity.total_spend,
                    activity.default_currency,
                    str(visibility.get(activity.visibility, activity.visibility)),
                    str(origin.get(activity.origin, activity.origin)),
                    activity.is_withdrawn,
                    activity.updated_at,
                ]


class IatiExportFilters(ActivityFilters):
    """The activity filters, and which visibility levels to write. An IATI file holds every
    activity by default, relevant or not: it gives back what publishers published, with the
    provision tags saying what each supports (the list's link asks for what the list shows)."""

    relevance: Relevance = filter_field(
        Relevance.ALL,
        title=gettext_lazy("Relevance"),
        description="all (the default for IATI files): every activity; relevant: customs or "
        "border-agency capacity building, and activities not yet assessed; not_relevant: those "
        "judged not relevant.",
    )

    visibility: Literal["public", "all"] = filter_field(
        "public",
        title=gettext_lazy("Visibility"),
        description="public (the default): public activities only; all: every activity the "
        "reader may see (the WCO secretariat only).",
    )


def iati_queryset(*, user: Any, filters: IatiExportFilters) -> QuerySet[Activity]:
    """The activities an IATI file holds: the public ones that pass ``filters``, or (the
    secretariat only) every one it may see, by identifier."""
    if filters.visibility == "all" and not is_secretariat(user):
        raise PermissionDenied(
            _("Only the WCO secretariat may export activities that are not public.")
        )
    queryset = activity_list(user=user, filters=filters)
    if filters.visibility != "all":
        queryset = queryset.filter(visibility=Visibility.PUBLIC)
    return queryset.order_by("iati_identifier")


@register
class IatiActivitiesExporter(Exporter):
    """The activities as an IATI 2.03 activity file: what came in goes back out."""

    identifier = "iati-activities"
    title = gettext_lazy("Activities (IATI XML)")
    description = gettext_lazy(
        "IATI 2.03 activity file of the public activities (the secretariat may ask for all)."
    )
    filters = IatiExportFilters
    formats = ("xml",)

    def filename(self, fmt: str) -> str:
        return f"cbcoord-activities-{timezone.now():%Y%m%d-%H%M%S}.{fmt}"

    def stream(self, fmt: str, *, user: Any, filters: Any) -> Iterator[bytes]:
        """The file, written as it is sent (100,000 activities take over a minute, longer
        than a proxy waits for a first byte). Refusals are raised here, before any byte."""
        if fmt != "xml":
            raise ExportError(_("%(format)s is not a format of this export.") % {"format": fmt})
        queryset = iati_queryset(user=user, filters=filters)
        return iter_activities_xml(parsed_activities(queryset), generated_datetime=timezone.now())
