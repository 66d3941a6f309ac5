"""The index rows of activities (countries, regions, sectors, participants, WCO regions).

Written from ``Activity.data`` by the importer and by hand edits alike, so that the filters
always agree with the IATI content. Call inside the transaction that saves the activities.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from cbcoord.activities import derive
from cbcoord.activities.models import (
    Activity,
    ActivityCountry,
    ActivityParticipant,
    ActivityRegion,
    ActivitySector,
)
from cbcoord.core.i18n import pick_narrative
from cbcoord.iati.organisations import OrganisationMatcher
from cbcoord.registry.models import Member


def content_hash(data: Mapping[str, Any]) -> str:
    """The hash the importer compares: sha256 of the canonical JSON of the IATI content."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def region_of_country_map() -> dict[str, int]:
    """ISO country code -> WCO region id, from the members."""
    return dict(Member.objects.exclude(iso_code="").values_list("iso_code", "region_id"))


def write_index_rows(
    activities: Iterable[Activity],
    *,
    replace: Iterable[int] = (),
    organisations: OrganisationMatcher | None = None,
    region_of_country: Mapping[str, int] | None = None,
) -> None:
    """(Re)write the index rows of ``activities`` (which must have primary keys).

    ``replace``: primary keys whose existing rows are deleted first (activities that already
    existed). ``organisations`` and ``region_of_country`` are per-run caches; built when omitted.
    Participating organisations not in the registry are created unverified, as on import.
    """
    activities = list(activities)
    replace = list(replace)
    if organisations is None:
        organisations = OrganisationMatcher()
    if region_of_country is None:
        region_of_country = region_of_country_map()
    if replace:
        for model in (ActivityCountry, ActivityRegion, ActivitySector, ActivityParticipant):
            model.objects.filter(activity_id__in=replace).delete()
        Activity.regions.through.objects.filter(activity_id__in=replace).delete()
    countries: list[ActivityCountry] = []
    regions: list[ActivityRegion] = []
    sectors: list[ActivitySector] = []
    participants: list[ActivityParticipant] = []
    wco_regions: list[Any] = []
    for activity in activities:
        data = activity.data
        seen_regions: set[int] = set()
        for code, percentage in derive.country_rows(data):
            countries.append(
                ActivityCountry(activity_id=activity.pk, code=code, percentage=percentage)
            )
            region_id = region_of_country.get(code)
            if region_id is not None and region_id not in seen_regions:
                seen_regions.add(region_id)
                wco_regions.append(
                    Activity.regions.through(activity_id=activity.pk, region_id=region_id)
                )
        for code, vocabulary, percentage in derive.region_rows(data):
            regions.append(
                ActivityRegion(
                    activity_id=activity.pk, code=code, vocabulary=vocabulary, percentage=percentage
                )
            )
        for code, vocabulary, percentage in derive.sector_rows(data):
            sectors.append(
                ActivitySector(
                    activity_id=activity.pk, code=code, vocabulary=vocabulary, percentage=percentage
                )
            )
        for org in data.get("participating_orgs") or []:
            name = pick_narrative(org.get("name"), "en")
            organisation = organisations.match(
                ref=org.get("ref"), name=name, org_type=org.get("type"), role=org.get("role")
            )
            participants.append(
                ActivityParticipant(
                    activity_id=activity.pk,
                    organisation=organisation,
                    role=(org.get("role") or "")[:10],
                    ref=(org.get("ref") or "")[:200],
                    name=name[:500],
                )
            )
    ActivityCountry.objects.bulk_create(countries, batch_size=1000)
    ActivityRegion.objects.bulk_create(regions, batch_size=1000)
    ActivitySector.objects.bulk_create(sectors, batch_size=1000)
    ActivityParticipant.objects.bulk_create(participants, batch_size=1000)
    Activity.regions.through.objects.bulk_create(wco_regions, batch_size=1000)
