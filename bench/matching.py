"""Matching needs and activities at scale: 200 members, 2,000 needs, 100,000 activities.

``python -m bench.measure matching DATABASE_URL`` (what ``make bench`` runs in its own
process): a fresh database gets the reference data, then deterministic rows written straight
with bulk inserts (not through the importer, whose cost ``make bench`` measures apart):

- members: the 188 of the reference data and 12 more (user-assigned ISO codes QM…QX);
- activities: 100,000, reported by 8 partners, public, dated between 2015 and 2030 (a tenth
  open-ended); 85 % in one recipient country, 5 % in two, 10 % regional (a DAC recipient
  region); 1 % withdrawn, 1 % cancelled; each supports 1 to 3 provisions;
- needs: 2,000, ten a member, 1 to 3 provisions each, identified between 2018 and 2025.

Then it times ``matching.suggestions_for_needs`` on all the needs at once (the top 20 of
each, with their activities loaded), as the system reads them, and a single need and a single
activity as their pages ask.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from bench.rows import write_places_and_tags

MEMBERS = 200
NEEDS = 2_000
ACTIVITIES = 100_000
BATCH = 5_000


def _populate(seed: int = 0) -> dict[str, float]:
    from django.db import connection, transaction

    from cbcoord.activities.models import (
        Activity,
        Origin,
        Visibility,
    )
    from cbcoord.frameworks.models import Provision
    from cbcoord.needs.models import Need, NeedStatus
    from cbcoord.registry.models import (
        Member,
        Organisation,
        OrganisationKind,
        RecipientRegionCover,
        Region,
    )

    rng = random.Random(seed)  # noqa: S311 (deterministic data, not secrets)
    started = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # a scratch database: no need to wait for the disk
            cursor.execute("PRAGMA synchronous=OFF")
    regions = list(Region.objects.order_by("code"))
    with transaction.atomic():
        extra = MEMBERS - Member.objects.exclude(iso_code="").count()
        for index in range(max(extra, 0)):
            code = "Q" + "MNOPQRSTUVWXYZ"[index]
            organisation = Organisation.objects.create(
                key=f"bench-customs-{code.lower()}",
                name=f"Bench customs {code}",
                kind=OrganisationKind.MEMBER_ADMINISTRATION,
            )
            Member.objects.create(
                organisation=organisation,
                region=regions[index % len(regions)],
                name=f"Bench member {code}",
                iso_code=code,
            )
    members = list(Member.objects.exclude(iso_code="").order_by("iso_code")[:MEMBERS])
    iso_codes = [member.iso_code for member in members]
    dac_codes = sorted(set(RecipientRegionCover.objects.values_list("dac_code", flat=True)))
    partners = list(
        Organisation.objects.filter(kind__in=OrganisationKind.partner_kinds()).order_by("key")[:8]
    )
    leaves = list(
        Provision.objects.filter(children__isnull=True)
        .exclude(instrument__code__in=["THEME", "WCO-SP"])
        .values_list("pk", flat=True)
    )
    parents = list(
        Provision.objects.filter(children__isnull=False).distinct().values_list("pk", flat=True)
    )
    provisions = leaves * 4 + parents  # activities mostly name measures and standards

    def day(first: int, last: int) -> dt.date:
        return dt.date(first, 1, 1) + dt.timedelta(days=rng.randrange((last - first) * 365))

    for offset in range(0, ACTIVITIES, BATCH):
        with transaction.atomic():
            batch = []
            for number in range(offset, min(offset + BATCH, ACTIVITIES)):
                start = day(2015, 2028)
                end = (
                    None
                    if rng.random() < 0.1
                    else start + dt.timedelta(days=rng.randrange(90, 1500))
                )
                batch.append(
                    Activity(
                        iati_identifier=f"XM-BENCH-{number:06d}",
                        reporting_org=partners[number % len(partners)],
                        title_text=f"Bench activity {number}",
                        status="5" if rng.random() < 0.01 else "2",
                        start_date=start,
                        end_date=end,
                        data={"title": {"en": f"Bench activity {number}"}},
                        content_hash=f"{number:064d}",
                        visibility=Visibility.PUBLIC,
                        origin=Origin.IMPORT,
                        withdrawn_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
                        if rng.random() < 0.01
                        else None,
                    )
                )
            created = Activity.objects.bulk_create(batch)
            write_places_and_tags(
                created,
                rng,
                dac_codes=dac_codes,
                iso_codes=iso_codes,
                provisions=provisions,
                regional=0.10,
                two_countries=0.05,
            )

    with transaction.atomic():
        needs = []
        for number in range(NEEDS):
            member = members[number % len(members)]
            needs.append(
                Need(
                    key=f"NEED-{member.iso_code}-{number // len(members) + 1:04d}",
                    member=member,
                    description=f"Bench need {number}",
                    source="self_assessment",
                    identified_on=day(2018, 2025),
                    status=NeedStatus.IDENTIFIED,
                    visibility="public",
                )
            )
        created_needs = Need.objects.bulk_create(needs)
        Need.provisions.through.objects.bulk_create(
            [
                Need.provisions.through(need_id=need.pk, provision_id=provision_id)
                for need in created_needs
                for provision_id in rng.sample(leaves, rng.randint(1, 3))
            ]
        )
        Need.regions.through.objects.bulk_create(
            [
                Need.regions.through(need_id=need.pk, region_id=need.member.region_id)
                for need in created_needs
            ]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as a database in use would have statistics
    return {"populate_seconds": time.perf_counter() - started}


def measure() -> dict[str, Any]:
    """Populate, then time matching (the module docstring)."""
    from cbcoord.accounts.actors import SYSTEM
    from cbcoord.activities.models import Activity
    from cbcoord.needs.matching import (
        needs_for_activity,
        suggestions_for_need,
        suggestions_for_needs,
    )
    from cbcoord.needs.models import Need

    result: dict[str, Any] = _populate()
    needs = list(Need.objects.select_related("member").order_by("pk"))
    started = time.perf_counter()
    found = suggestions_for_needs(needs, user=SYSTEM, limit=20)
    result["seconds"] = time.perf_counter() - started
    result["needs"] = len(needs)
    result["activities"] = Activity.objects.count()
    result["suggestions"] = sum(len(rows) for rows in found.values())
    result["needs_with_suggestions"] = sum(1 for rows in found.values() if rows)
    one = needs[len(needs) // 2]
    started = time.perf_counter()
    result["one_need_suggestions"] = len(suggestions_for_need(one, user=SYSTEM))
    result["one_need_seconds"] = time.perf_counter() - started
    # An activity that was suggested somewhere, so that its page has needs to list.
    activity = next(s.activity for rows in found.values() for s in rows if s.activity)
    started = time.perf_counter()
    result["one_activity_needs"] = len(needs_for_activity(activity, user=SYSTEM))
    result["one_activity_seconds"] = time.perf_counter() - started
    return result
