"""`make bench BENCH_ARGS="--only brief"`: time the meeting brief (PDF and XLSX) for a region
with many partners, activities and action items, in a fresh SQLite database.

python -m bench.brief DATABASE_URL [--activities N] [--partners N] [--items N]
Prints one JSON line: seconds to build the data, the PDF and the XLSX, and their sizes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--activities", type=int, default=5000)
    parser.add_argument("--partners", type=int, default=60)
    parser.add_argument("--items", type=int, default=300)
    options = parser.parse_args()
    os.environ["DATABASE_URL"] = options.database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbcoord.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    started = time.perf_counter()
    meeting = _generate(options.activities, options.partners, options.items)
    built = time.perf_counter() - started

    from cbcoord.accounts.actors import SYSTEM
    from cbcoord.meetings.brief import render

    render.render(meeting=meeting, user=SYSTEM, fmt="xlsx", language="en")  # warm the imports
    started = time.perf_counter()
    pdf = render.render(meeting=meeting, user=SYSTEM, fmt="pdf", language="en")
    pdf_seconds = time.perf_counter() - started
    started = time.perf_counter()
    xlsx = render.render(meeting=meeting, user=SYSTEM, fmt="xlsx", language="en")
    xlsx_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "build_seconds": built,
                "pdf_seconds": pdf_seconds,
                "xlsx_seconds": xlsx_seconds,
                "pdf_bytes": len(pdf),
                "xlsx_bytes": len(xlsx),
            }
        )
    )


def _generate(activities: int, partners: int, items: int) -> object:
    from django.db import transaction

    from cbcoord.accounts.actors import SYSTEM
    from cbcoord.activities.models import Activity, ActivityCountry, Origin, Visibility
    from cbcoord.meetings import services
    from cbcoord.meetings.models import ActionStatus, MeetingStatus
    from cbcoord.registry.models import Member, Organisation, Region

    rng = random.Random(0)  # noqa: S311 - deterministic bench data
    region = Region.objects.get(code="AMC")
    members = list(Member.objects.filter(region=region).exclude(iso_code=""))
    with transaction.atomic():
        orgs = [
            Organisation.objects.create(
                key=f"bench-partner-{n}",
                name=f"Bench partner {n}",
                acronym=f"BP{n}",
                kind="development_partner",
            )
            for n in range(partners)
        ]
        for org in orgs:
            org.active_regions.add(region)
        rows = [
            Activity(
                iati_identifier=f"XX-BENCH-{n}",
                reporting_org=rng.choice(orgs),
                title_text=f"Customs modernisation {n}",
                status=rng.choice(["1", "2", "2", "2", "3", "4"]),
                data={"title": {"en": f"Customs modernisation {n}"}},
                content_hash=str(n),
                origin=Origin.MANUAL,
                visibility=Visibility.PUBLIC,
            )
            for n in range(activities)
        ]
        Activity.objects.bulk_create(rows, batch_size=1000)
        Activity.regions.through.objects.bulk_create(
            [Activity.regions.through(activity_id=row.pk, region_id=region.pk) for row in rows],
            batch_size=2000,
        )
        ActivityCountry.objects.bulk_create(
            [
                ActivityCountry(activity_id=row.pk, code=rng.choice(members).iso_code)
                for row in rows
            ],
            batch_size=2000,
        )
        series = services.series_create(
            user=SYSTEM,
            data={"key": "bench", "name": "Bench series", "kind": "regional", "region": region},
        )
        previous = services.meeting_create(
            user=SYSTEM,
            series=series,
            data={
                "title": "Bench 2024",
                "start_date": datetime.date(2024, 3, 1),
                "city": "Lima",
                "country": "PE",
            },
        )
        for n in range(items):
            item = services.action_item_create(
                user=SYSTEM,
                meeting=previous,
                data={
                    "text": f"Bench action item {n}: follow up the support",
                    "owner_organisation": rng.choice(orgs),
                    "due_date": datetime.date(2024, 6, 1) + datetime.timedelta(days=n % 300),
                },
            )
            if n % 3 == 0:
                services.action_item_progress(
                    user=SYSTEM,
                    item=item,
                    text=f"Progress on {n}",
                    status=ActionStatus.IN_PROGRESS,
                    noted_on=datetime.date(2024, 9, 1),
                )
        services.meeting_update(
            user=SYSTEM, meeting=previous, data={"status": MeetingStatus.CLOSED}
        )
        meeting = services.meeting_create(
            user=SYSTEM,
            series=series,
            data={
                "title": "Bench 2025",
                "start_date": datetime.date(2025, 3, 1),
                "city": "Lima",
                "country": "PE",
            },
            host=orgs[0],
            co_organisers=orgs[:3],
        )
        for org in orgs:
            services.participant_add(
                user=SYSTEM, meeting=meeting, organisation=org, roles=["delegate"]
            )
        for n in range(12):
            services.agenda_item_create(
                user=SYSTEM, meeting=meeting, data={"title": f"Agenda item {n}"}
            )
    return meeting


if __name__ == "__main__":
    main()
