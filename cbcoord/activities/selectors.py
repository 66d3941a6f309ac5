"""Reads on activities. ``activity_visible`` is the only door: every page, API answer, download
and export starts from it, so the visibility levels hold everywhere."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404

from cbcoord.accounts.permissions import is_signed_in, is_wco_staff
from cbcoord.activities.models import (
    Activity,
    ActivityCountry,
    ActivityParticipant,
    ActivityProvision,
    ActivitySector,
    Visibility,
)
from cbcoord.registry.models import Member, Organisation


def activity_visible(user: Any, *, include_withdrawn: bool = True) -> QuerySet[Activity]:
    """Activities ``user`` may read.

    - public: everyone;
    - coordination group: signed-in users of the WCO, of the reporting or participating
      organisations, of members in the activity's WCO regions, and of partners active there;
    - named organisations: the WCO, the reporting organisation and the organisations named;
    - WCO only: the WCO and the reporting organisation.
    """
    queryset = Activity.objects.all()
    if not include_withdrawn:
        queryset = queryset.filter(withdrawn_at__isnull=True)
    if is_wco_staff(user):
        return queryset
    public = Q(visibility=Visibility.PUBLIC)
    if not is_signed_in(user) or user.organisation_id is None:
        return queryset.filter(public)
    organisation_id = user.organisation_id
    own = Q(reporting_org_id=organisation_id)
    participant = Exists(
        ActivityParticipant.objects.filter(activity=OuterRef("pk"), organisation_id=organisation_id)
    )
    region_ids = set(
        Member.objects.filter(organisation_id=organisation_id).values_list("region_id", flat=True)
    ) | set(
        Organisation.active_regions.through.objects.filter(
            organisation_id=organisation_id
        ).values_list("region_id", flat=True)
    )
    in_region = Exists(
        Activity.regions.through.objects.filter(
            activity_id=OuterRef("pk"), region_id__in=region_ids
        )
    )
    coordination = Q(visibility=Visibility.COORDINATION) & (in_region | participant)
    named = Q(visibility=Visibility.NAMED) & Exists(
        Activity.visible_to.through.objects.filter(
            activity_id=OuterRef("pk"), organisation_id=organisation_id
        )
    )
    # Conditions on the row itself (EXISTS, no join): no duplicates to remove, and a list can
    # walk an index in its order and stop at the page's end.
    return queryset.filter(public | own | coordination | named)


def activity_get(*, user: Any, iati_identifier: str) -> Activity:
    try:
        return (
            activity_visible(user)
            .select_related("reporting_org", "import_run", "created_by")
            .get(iati_identifier=iati_identifier)
        )
    except Activity.DoesNotExist as error:
        raise Http404(f"No activity {iati_identifier!r} that you may see.") from error


@dataclass(frozen=True)
class ActivityFilters:
    region: str | None = None
    country: str | None = None
    partner: str | None = None
    status: str | None = None
    sector: str | None = None
    provision: str | None = None
    instrument: str | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    search: str | None = None
    include_withdrawn: bool = False
    reporting_org: str | None = None
    import_run: int | None = None


def activity_list(*, user: Any, filters: ActivityFilters) -> QuerySet[Activity]:
    queryset = activity_visible(user, include_withdrawn=filters.include_withdrawn)
    if filters.region:  # Exists, not a join: a join would need DISTINCT over every column
        queryset = queryset.filter(
            Exists(
                Activity.regions.through.objects.filter(
                    activity_id=OuterRef("pk"), region__code__iexact=filters.region
                )
            )
        )
    if filters.country:
        queryset = queryset.filter(
            Exists(
                ActivityCountry.objects.filter(
                    activity=OuterRef("pk"), code=filters.country.upper()
                )
            )
        )
    if filters.partner:
        queryset = queryset.filter(
            Q(reporting_org__key=filters.partner)
            | Exists(
                ActivityParticipant.objects.filter(
                    activity=OuterRef("pk"), organisation__key=filters.partner
                )
            )
        )
    if filters.reporting_org:
        queryset = queryset.filter(
            Q(reporting_org__iati_org_id=filters.reporting_org)
            | Q(reporting_org__key=filters.reporting_org)
        )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.sector:
        queryset = queryset.filter(
            Exists(ActivitySector.objects.filter(activity=OuterRef("pk"), code=filters.sector))
        )
    if filters.provision:
        queryset = queryset.filter(
            Exists(
                ActivityProvision.objects.filter(
                    activity=OuterRef("pk"), provision__code__iexact=filters.provision
                )
            )
        )
    if filters.instrument:
        queryset = queryset.filter(
            Exists(
                ActivityProvision.objects.filter(
                    activity=OuterRef("pk"), provision__instrument__code__iexact=filters.instrument
                )
            )
        )
    # Period: activities whose span overlaps [start, end]; open ends count as unbounded.
    if filters.start:
        queryset = queryset.filter(Q(end_date__gte=filters.start) | Q(end_date__isnull=True))
    if filters.end:
        queryset = queryset.filter(Q(start_date__lte=filters.end) | Q(start_date__isnull=True))
    if filters.search:
        queryset = queryset.filter(
            Q(title_text__icontains=filters.search) | Q(iati_identifier__icontains=filters.search)
        )
    if filters.import_run:
        queryset = queryset.filter(import_run_id=filters.import_run)
    return queryset.select_related("reporting_org").order_by("-updated_at", "pk")


# The large JSON columns, which a list of activities does not show.
_LARGE_COLUMNS = ("data", "warnings", "publisher_data", "publisher_warnings")


def activity_rows(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """``queryset`` for a list: without the large JSON columns (a 5 KB ``data`` per row made
    a page of a 100,000-activity list sort and carry half a gigabyte), but with the title's
    narratives, which ``Activity.title`` shows in the reader's language."""
    return queryset.defer(*_LARGE_COLUMNS).annotate(title_narratives=F("data__title"))
