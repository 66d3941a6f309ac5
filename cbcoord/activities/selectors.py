"""Reads on activities. ``activity_visible`` is the only door: every page, API answer, download
and export starts from it, so the visibility levels hold everywhere."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import organisation_id_of
from cbcoord.activities.models import (
    Activity,
    ActivityCountry,
    ActivityParticipant,
    ActivityProvision,
    ActivityRegion,
    ActivitySector,
)
from cbcoord.activities.permissions import may_create_activity_for, may_edit_activity
from cbcoord.registry.models import Organisation, RecipientRegionCover
from cbcoord.registry.visibility import visibility_q


def activity_visible(user: Actor | None, *, include_withdrawn: bool = True) -> QuerySet[Activity]:
    """Activities ``user`` may read (``registry.visibility``): the reporting organisation
    owns an activity; its participating organisations belong to its coordination group."""
    queryset = Activity.objects.all()
    if not include_withdrawn:
        queryset = queryset.filter(withdrawn_at__isnull=True)
    organisation_id = organisation_id_of(user)
    participant = (
        Exists(
            ActivityParticipant.objects.filter(
                activity=OuterRef("pk"), organisation_id=organisation_id
            )
        )
        if organisation_id is not None
        else None
    )
    condition = visibility_q(
        user,
        model=Activity,
        owner="reporting_org",
        named="visible_to",
        regions="regions",
        concerned=participant,
    )
    return queryset if condition is None else queryset.filter(condition)


def activity_get(*, user: Actor | None, iati_identifier: str) -> Activity:
    """The activity, if ``user`` may read it (else 404)."""
    try:
        return (
            activity_visible(user)
            .select_related("reporting_org", "import_run", "created_by")
            .get(iati_identifier=iati_identifier)
        )
    except Activity.DoesNotExist as error:
        raise Http404(f"No activity {iati_identifier!r} that you may see.") from error


def activity_get_for_edit(*, user: Actor | None, iati_identifier: str) -> Activity:
    """The door for changing an activity: 404 if ``user`` may not read it, 403 if they may
    not edit it (the secretariat, or the reporting organisation's partner editors)."""
    activity = activity_get(user=user, iati_identifier=iati_identifier)
    if not may_edit_activity(user, activity):
        raise PermissionDenied(_("You may edit only the activities your organisation reports."))
    return activity


def activity_create_allowed(*, user: Actor | None, organisation: Organisation) -> Organisation:
    """The door for entering an activity reported by ``organisation``: returns it, or raises
    PermissionDenied."""
    if not may_create_activity_for(user, organisation):
        raise PermissionDenied(
            _("You may not enter activities for %(organisation)s.")
            % {"organisation": organisation.name}
        )
    return organisation


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


def activity_list(*, user: Actor | None, filters: ActivityFilters) -> QuerySet[Activity]:
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
        # The partner's participations are read once (IN a list), not once per activity: a
        # correlated EXISTS let SQLite walk all of a partner's participant rows for every
        # activity (12,500 × 100,000 for the IDB in a 100,000-activity corpus: minutes).
        queryset = queryset.filter(
            Q(reporting_org__key=filters.partner)
            | Q(
                pk__in=ActivityParticipant.objects.filter(organisation__key=filters.partner).values(
                    "activity_id"
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


def covering_country_q(iso_code: str) -> Q:
    """Activities that cover the member ``iso_code``: it is a recipient country, or a recipient
    region (OECD DAC, vocabulary 1) covers it (``registry.RecipientRegionCover``)."""
    code = iso_code.upper()
    dac_codes = RecipientRegionCover.objects.filter(member__iso_code=code).values("dac_code")
    return Q(Exists(ActivityCountry.objects.filter(activity=OuterRef("pk"), code=code))) | Q(
        Exists(
            ActivityRegion.objects.filter(
                activity=OuterRef("pk"), code__in=dac_codes, vocabulary__in=["", "1"]
            )
        )
    )
