"""The index rows of activities (countries, regions, sectors, participants, WCO regions).

Written from ``Activity.data`` by the importer and by hand edits alike, so that the filters
always agree with the IATI content. Call inside the transaction that saves the activities.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from cbcoord.activities import derive
from cbcoord.activities.models import (
    Activity,
    ActivityCountry,
    ActivityParticipant,
    ActivityRegion,
    ActivitySector,
)
from cbcoord.core.bulk import bulk_insert
from cbcoord.iati import records as model
from cbcoord.registry.matching import OrganisationMatcher
from cbcoord.registry.models import Member, RecipientRegionCover


def canonical_json(data: Mapping[str, Any]) -> str:
    """The IATI content as canonical JSON: what is hashed, and what the importer stores."""
    return model.canonical_json(data)


def content_hash(data: Mapping[str, Any]) -> str:
    """The hash the importer compares: sha256 of the canonical JSON of the IATI content."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def region_of_country_map() -> dict[str, tuple[int, ...]]:
    """Where an activity's recipients put it: ISO country code -> its member's WCO region,
    and ``dac:<code>`` (an OECD DAC recipient region) -> every WCO region it covers
    (``registry.RecipientRegionCover``)."""
    found: dict[str, set[int]] = {}
    for iso_code, region_id in Member.objects.exclude(iso_code="").values_list(
        "iso_code", "region_id"
    ):
        found.setdefault(iso_code, set()).add(region_id)
    for dac_code, region_id in RecipientRegionCover.objects.values_list("dac_code", "region_id"):
        found.setdefault(f"dac:{dac_code}", set()).add(region_id)
    return {key: tuple(sorted(ids)) for key, ids in found.items()}


# IATI RegionVocabulary 1: OECD DAC region codes (the default when a file names none).
DAC_VOCABULARIES = frozenset({"", "1"})


class Indexable(Protocol):
    """What the index rows are made from: a saved activity, or the importer's light record."""

    @property
    def pk(self) -> Any: ...

    @property
    def data(self) -> Any: ...


def write_index_rows(
    activities: Iterable[Indexable],
    *,
    replace: Iterable[int] = (),
    organisations: OrganisationMatcher | None = None,
    region_of_country: Mapping[str, tuple[int, ...]] | None = None,
) -> None:
    """(Re)write the index rows of ``activities`` (which must have primary keys).

    ``replace``: primary keys whose existing rows are deleted first (activities that already
    existed). ``organisations`` and ``region_of_country`` are per-run caches; built when omitted.
    Participating organisations not in the registry are held for review (unverified and
    unpublished), as on import (``registry.matching``).
    """
    write_rows(
        [(activity.pk, derive.index_rows(activity.data)) for activity in activities],
        replace=replace,
        organisations=organisations,
        region_of_country=region_of_country,
    )


def write_rows(
    rows: Iterable[tuple[int, derive.IndexRows]],
    *,
    replace: Iterable[int] = (),
    organisations: OrganisationMatcher | None = None,
    region_of_country: Mapping[str, tuple[int, ...]] | None = None,
) -> None:
    """``write_index_rows`` from rows already derived (the importer derives them as it reads)."""
    replace = list(replace)
    if organisations is None:
        organisations = OrganisationMatcher()
    if region_of_country is None:
        region_of_country = region_of_country_map()
    if replace:
        _delete_index_rows(replace)
    countries: list[tuple[Any, ...]] = []
    regions: list[tuple[Any, ...]] = []
    sectors: list[tuple[Any, ...]] = []
    participants: list[tuple[Any, ...]] = []
    wco_regions: list[tuple[int, int]] = []
    for pk, index in rows:
        countries += [(pk, code, percentage) for code, percentage in index.countries]
        regions += [(pk, *region) for region in index.regions]
        sectors += [(pk, *sector) for sector in index.sectors]
        participants += _participant_rows(pk, index, organisations)
        wco_regions += [(pk, region_id) for region_id in _wco_regions(index, region_of_country)]
    bulk_insert(ActivityCountry, ("activity_id", "code", "percentage"), countries)
    bulk_insert(ActivityRegion, ("activity_id", "code", "vocabulary", "percentage"), regions)
    bulk_insert(ActivitySector, ("activity_id", "code", "vocabulary", "percentage"), sectors)
    bulk_insert(
        ActivityParticipant,
        ("activity_id", "organisation_id", "role", "ref", "name"),
        participants,
    )
    bulk_insert(Activity.regions.through, ("activity_id", "region_id"), wco_regions)


def _delete_index_rows(activity_ids: list[int]) -> None:
    for index_model in (ActivityCountry, ActivityRegion, ActivitySector, ActivityParticipant):
        index_model.objects.filter(activity_id__in=activity_ids).delete()
    Activity.regions.through.objects.filter(activity_id__in=activity_ids).delete()


def _wco_regions(
    index: derive.IndexRows, region_of_country: Mapping[str, tuple[int, ...]]
) -> list[int]:
    """The WCO regions an activity's recipients put it in, each once, in the order first met:
    its countries' (their members' regions), then its OECD DAC regions' (the regions each covers)."""
    keys = [code for code, _percentage in index.countries]
    keys += [
        f"dac:{code}"
        for code, vocabulary, _percentage in index.regions
        if vocabulary in DAC_VOCABULARIES
    ]
    return list(dict.fromkeys(region for key in keys for region in region_of_country.get(key, ())))


def _participant_rows(
    pk: int, index: derive.IndexRows, organisations: OrganisationMatcher
) -> list[tuple[Any, ...]]:
    """An activity's participating organisations, each matched to the registry (by reference,
    name, type, role and the activity's recipient countries)."""
    codes = [code for code, _percentage in index.countries]
    rows: list[tuple[Any, ...]] = []
    for ref, name, org_type, role in index.participants:
        organisation = organisations.match(
            ref=ref, name=name, org_type=org_type, role=role, countries=codes
        )
        rows.append(
            (
                pk,
                organisation.pk if organisation is not None else None,
                (role or "")[:10],
                (ref or "")[:200],
                name[:500],
            )
        )
    return rows
