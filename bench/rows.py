"""Index rows of generated bench activities, written in bulk (the coordination and matching
benches share them)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any


def write_places_and_tags(
    created: Sequence[Any],
    rng: random.Random,
    *,
    dac_codes: Sequence[str],
    iso_codes: Sequence[str],
    provisions: Sequence[int],
    regional: float,
    two_countries: float,
) -> None:
    """Give each of ``created`` a DAC recipient region (a ``regional`` share of them) or one
    recipient country (two for the last ``two_countries`` share), and 1–3 provision tags."""
    from cbcoord.activities.models import ActivityCountry, ActivityProvision, ActivityRegion

    countries, regions_rows, tags = [], [], []
    for activity in created:
        roll = rng.random()
        if roll < regional:
            regions_rows.append(
                ActivityRegion(activity=activity, code=rng.choice(dac_codes), vocabulary="1")
            )
        else:
            for code in rng.sample(iso_codes, 2 if roll > 1 - two_countries else 1):
                countries.append(ActivityCountry(activity=activity, code=code))
        for provision_id in rng.sample(provisions, rng.randint(1, 3)):
            tags.append(ActivityProvision(activity=activity, provision_id=provision_id))
    ActivityCountry.objects.bulk_create(countries)
    ActivityRegion.objects.bulk_create(regions_rows)
    ActivityProvision.objects.bulk_create(tags, ignore_conflicts=True)
