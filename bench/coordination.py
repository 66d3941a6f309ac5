"""The coordination analyses at scale: 200 members in 6 regions, 60 partners, 500 provisions,
1,000,000 activities with tags, 20,000 needs.

python -m bench.coordination DATABASE_URL [--activities 1000000] [--repeat 20] [--explain]

(``make bench BENCH_ARGS="--only coordination"`` runs it on SQLite and, when PostgreSQL 15
binaries are present, on a throwaway PostgreSQL cluster; ``--coordination-activities N`` there
sets the size.) A fresh database gets the reference data, then deterministic rows written
straight with bulk inserts (not through the importer, whose cost ``make bench`` measures apart):

- members: the reference data's and more (user-assigned ISO codes QM…QZ, AA…) to 200, spread
  over the 6 regions; partners: the reference data's and more to 60; provisions: the
  catalogue's and more (provisions under the Revised Kyoto Convention's standards) to 500;
- activities: public (a twentieth visible to coordination only), dated between 2015 and 2028 (a
  tenth open-ended), 1 to 3 years long; 95 % in one recipient country, 2 % in two, 3 %
  regional (a DAC recipient region, which covers several members); 1 % withdrawn, 1 %
  cancelled; 1 to 3 provisions each; a commitment and a disbursement in one of three
  currencies;
- needs: 20,000, a hundred a member, 1 to 3 provisions each, identified between 2018 and 2025,
  high priority for a third.

The database triggers note every activity written; the facts are then worked out from
nothing (``facts.rebuild``, timed), as ``cbcoord refresh_coordination`` would after a large
import. Then, with ``DEBUG`` off and through Django's test client, for one region (the
Americas and Caribbean) and one year: the matrix, gaps, overlaps and synergies API calls and
the region page, as the public, a partner editor (the IDB) and the secretariat, each asked
once to warm up and ``--repeat`` times: the median and 95th percentile of server time, and
the queries. The reach (issue 13): each API call's 95th percentile under 500 ms on SQLite and
200 ms on PostgreSQL; the page under 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import string
import sys
import time
from typing import Any

from bench.lists import _as_the_server_starts, _explain, _one, _patch_templates, _readers, _setup
from bench.rows import write_places_and_tags

MEMBERS = 200
PARTNERS = 60
PROVISIONS = 500
NEEDS = 20_000
BATCH = 10_000
REGION = "AMC"
YEAR = 2022
REACH_MS = {"sqlite": 500, "postgresql": 200}


def _urls(year: int) -> list[tuple[str, str]]:
    period = f"region={REGION}&year_from={year}&year_to={year}"
    return [
        ("matrix", f"/api/coordination/matrix?{period}"),
        ("gaps", f"/api/coordination/gaps?{period}"),
        ("overlaps", f"/api/coordination/overlaps?{period}"),
        ("synergies", f"/api/coordination/synergies?{period}"),
        ("region page", f"/coordination/regions/{REGION}/?year_from={year}&year_to={year}"),
    ]


def _extra_codes(count: int, taken: set[str]) -> list[str]:
    """User-assigned-looking two-letter codes not in ``taken``: QM…QZ, then XA…XZ, then AA…"""
    candidates = [f"Q{c}" for c in "MNOPQRSTUVWXYZ"] + [f"X{c}" for c in string.ascii_uppercase]
    candidates += [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase]
    return [code for code in candidates if code not in taken][:count]


def _reference_to_size() -> None:
    """Members, partners and provisions up to the benchmark's numbers."""
    from django.db import transaction

    from cbcoord.frameworks.models import Provision
    from cbcoord.registry.models import Member, Organisation, OrganisationKind, Region

    regions = list(Region.objects.order_by("code"))
    with transaction.atomic():
        members = Member.objects.exclude(iso_code="")
        taken = set(Member.objects.values_list("iso_code", flat=True))
        for index, code in enumerate(_extra_codes(MEMBERS - members.count(), taken)):
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
        partners = Organisation.objects.filter(kind__in=OrganisationKind.partner_kinds())
        for index in range(PARTNERS - partners.count()):
            Organisation.objects.create(
                key=f"bench-partner-{index:02d}",
                name=f"Bench partner {index}",
                kind=OrganisationKind.partner_kinds()[
                    index % len(OrganisationKind.partner_kinds())
                ],
            )
        # Below the Revised Kyoto Convention's standards (depth 2), so that the matrix's
        # columns at levels 0 and 1 stay the catalogue's.
        standards = list(Provision.objects.filter(instrument__code="RKC", depth=1).order_by("code"))
        for index in range(PROVISIONS - Provision.objects.count()):
            parent = standards[index % len(standards)]
            Provision.objects.create(
                instrument_id=parent.instrument_id,
                code=f"{parent.code}.B{index}",
                parent=parent,
                kind="standard",
                depth=parent.depth + 1,
                title_en=f"Bench standard {index}",
            )


def populate(activities: int, seed: int = 0) -> dict[str, float]:
    from django.db import connection, transaction

    from cbcoord.activities.models import (
        Activity,
        Origin,
        Visibility,
    )
    from cbcoord.coordination.models import FactChange
    from cbcoord.frameworks.models import Provision
    from cbcoord.needs.models import Need, NeedStatus
    from cbcoord.registry.models import (
        Member,
        Organisation,
        OrganisationKind,
        RecipientRegionCover,
    )

    rng = random.Random(seed)  # noqa: S311 (deterministic data, not secrets)
    started = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # a scratch database: no need to wait for the disk
            cursor.execute("PRAGMA synchronous=OFF")
    _reference_to_size()
    members = list(Member.objects.exclude(iso_code="").order_by("iso_code"))
    iso_codes = [member.iso_code for member in members]
    dac_codes = sorted(set(RecipientRegionCover.objects.values_list("dac_code", flat=True)))
    partners = list(
        Organisation.objects.filter(kind__in=OrganisationKind.partner_kinds()).order_by("key")
    )
    provisions = list(
        Provision.objects.exclude(instrument__code__in=["THEME", "WCO-SP"]).values_list(
            "pk", flat=True
        )
    )
    leaves = list(
        Provision.objects.filter(children__isnull=True)
        .exclude(instrument__code__in=["THEME", "WCO-SP"])
        .values_list("pk", flat=True)
    )
    currencies = ["USD", "EUR", "CAD"]
    first_day = dt.date(2015, 1, 1)

    for offset in range(0, activities, BATCH):
        with transaction.atomic():
            batch = []
            for number in range(offset, min(offset + BATCH, activities)):
                start = first_day + dt.timedelta(days=rng.randrange(14 * 365))
                end = None if rng.random() < 0.1 else start + dt.timedelta(rng.randrange(365, 1095))
                currency = currencies[number % 3]
                amount = 10_000 * rng.randint(5, 500)
                data = {
                    "title": {"en": f"Bench activity {number}"},
                    "default_currency": currency,
                    "transactions": [
                        {"type": "2", "value": str(amount), "date": start.isoformat()},
                        {"type": "3", "value": str(amount // 3), "date": start.isoformat()},
                    ],
                }
                batch.append(
                    Activity(
                        iati_identifier=f"XM-BENCH-{number:07d}",
                        reporting_org=partners[number % len(partners)],
                        title_text=f"Bench activity {number}",
                        status="5" if rng.random() < 0.01 else "2",
                        start_date=start,
                        end_date=end,
                        default_currency=currency,
                        data=data,
                        content_hash=f"{number:064d}",
                        visibility=Visibility.COORDINATION
                        if number % 20 == 7
                        else Visibility.PUBLIC,
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
                regional=0.03,
                two_countries=0.02,
            )
        if offset and offset % 100_000 == 0:
            print(f"  {offset:,} activities written", file=sys.stderr, flush=True)

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
                    priority="high" if number % 3 == 0 else "medium",
                    identified_on=dt.date(2018, 1, 1) + dt.timedelta(rng.randrange(8 * 365)),
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
    written = time.perf_counter() - started
    # The triggers noted every activity; work the facts out from nothing instead, in one go.
    from cbcoord.coordination import facts

    FactChange.objects.all().delete()
    started = time.perf_counter()
    with transaction.atomic():  # as ``facts.refresh`` runs it
        facts.rebuild()
    rebuilt = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as a database in use would have statistics
    return {"populate_seconds": written, "facts_seconds": rebuilt}


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.coordination", description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--page-repeat", type=int, default=5, help="runs of the region page")
    parser.add_argument("--year", type=int, default=YEAR)
    parser.add_argument("--readers", default="public,partner,secretariat")
    parser.add_argument("--explain", action="store_true", help="print each slowest query's plan")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database as it is (already filled)"
    )
    options = parser.parse_args()
    _setup(options.database_url)
    _patch_templates()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from cbcoord.activities.models import Activity
    from cbcoord.coordination.models import CoverageFact
    from cbcoord.needs.models import Need

    result: dict[str, Any] = {}
    call_command("migrate", verbosity=0)
    if not options.reuse:
        call_command("load_reference", verbosity=0, stdout=sys.stderr)
        result.update(populate(options.activities))
    result["activities"] = Activity.objects.count()
    result["facts"] = CoverageFact.objects.count()
    result["needs"] = Need.objects.count()
    vendor = connection.vendor
    print(
        f"{vendor}: {result['activities']:,} activities, {result['needs']:,} needs, "
        f"{result['facts']:,} coverage facts",
        flush=True,
    )
    if not options.reuse:
        print(
            f"data written in {result['populate_seconds']:.0f} s; facts worked out from "
            f"nothing in {result['facts_seconds']:.0f} s",
            flush=True,
        )
    print(
        f"region {REGION}, year {options.year}; median and 95th percentile of {options.repeat} "
        f"({options.page_repeat} for the page) after one warm-up; DEBUG off; reach: API p95 < {REACH_MS.get(vendor, 500)} ms, "
        "page < 1,000 ms",
        flush=True,
    )
    print(f"{'call':<14} {'reader':<12} {'median':>9} {'p95':>9} {'queries':>8} {'db':>9}")
    readers = _readers()
    _as_the_server_starts()
    timings: dict[str, dict[str, float]] = {}
    for name, url in _urls(options.year):
        for reader in options.readers.split(","):
            client = Client()
            if readers[reader] is not None:
                client.force_login(readers[reader])
            _one(client, url)
            repeat = options.page_repeat if url.startswith("/coordination/") else options.repeat
            runs = [_one(client, url) for _ in range(repeat)]
            totals = [run.total * 1000 for run in runs]  # type: ignore[attr-defined]
            median, p95 = statistics.median(totals), _p95(totals)
            db = statistics.median(sum(q[2] for q in run.queries) for run in runs) * 1000
            timings[f"{name}/{reader}"] = {"median_ms": median, "p95_ms": p95}
            print(
                f"{name:<14} {reader:<12} {median:7.1f}ms {p95:7.1f}ms "
                f"{len(runs[-1].queries):8d} {db:7.1f}ms",
                flush=True,
            )
            if options.explain:
                sql, params, seconds = max(runs[-1].queries, key=lambda q: q[2])
                print(f"    slowest query {seconds * 1000:.1f} ms: {sql[:300]}")
                for line in _explain(sql, params).splitlines():
                    print("      " + line)
    result["timings"] = timings
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
