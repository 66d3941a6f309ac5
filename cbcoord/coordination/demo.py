"""The coordination view's illustrative demo data (flagged ``is_demo``), for the 2019
Americas and Caribbean page: activities that overlap, a co-financed project reported by its
funder and its implementer, a regional programme in Canadian dollars, missions that clash,
one overlap already marked, and needs that three members share. Called by ``cbcoord
load_demo`` after its own activities and needs; safe to run again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities.models import Activity, ActivityProvision
from cbcoord.coordination import facts
from cbcoord.coordination.models import (
    ActivityFact,
    Mission,
    MissionKind,
    OverlapMark,
    OverlapVerdict,
)
from cbcoord.coordination.selectors import pair_fingerprint
from cbcoord.core.reference import LoadReport
from cbcoord.frameworks.models import Provision
from cbcoord.registry.models import Member, Organisation
from cbcoord.registry.visibility import Visibility

DATA = Path(__file__).resolve().parent / "data" / "demo_activities.xml"

TAGS = {
    "XI-IATI-EC_INTPA-DEMO-DO-BORDER": ["TFA-10", "TFA-8"],
    "CA-3-DEMO-CARIB-RISK": ["TFA-7.4"],
    "XI-IATI-EC_INTPA-DEMO-JM-PCA": ["TFA-7.5"],
    "XM-DAC-5-52-DEMO-JM-PCA": ["TFA-7.5"],
    "XM-DAC-47079-DEMO-JM-RULINGS": ["TFA-3"],
}

#: (activity, member, kind, start, end, note)
MISSIONS = (
    (
        "XM-DAC-909-DEMO-DO-SW",
        "DO",
        MissionKind.SCOPING,
        "2019-03-04",
        "2019-03-08",
        "VUCE scoping",
    ),
    (
        "XI-IATI-EC_INTPA-DEMO-DO-BORDER",
        "DO",
        MissionKind.EXPERT_VISIT,
        "2019-03-11",
        "2019-03-15",
        "",
    ),
    (
        "US-GOV-1-DEMO-TFA-JM",
        "JM",
        MissionKind.TRAINING,
        "2019-05-13",
        "2019-05-17",
        "Rulings unit",
    ),
    ("XM-DAC-47079-DEMO-JM-RULINGS", "JM", MissionKind.ADVISORY, "2019-05-20", "2019-05-22", ""),
    ("XM-DAC-43000-DEMO-CAPTAC-RISK", "GT", MissionKind.DIAGNOSTIC, "2019-06-03", "2019-06-07", ""),
)

#: Needs three members share (a regional synergy on risk management): (member, priority, text).
SHARED_NEEDS = (
    ("HT", "high", "Risk management: a selectivity module and a small targeting unit."),
    ("GT", "medium", "Risk management: profiles for express consignments."),
    ("DO", "high", "Risk management: an integrated risk engine for all border agencies."),
)


def load_coordination_demo(report: LoadReport) -> None:
    from cbcoord.imports.importer import iati_import
    from cbcoord.needs.models import Need
    from cbcoord.needs.services import need_create

    run = iati_import(
        user=SYSTEM, path=DATA, source="cbcoord demo data (coordination)", source_kind="path"
    )
    report["activity created"] += run.added
    activities = Activity.objects.filter(iati_identifier__in=list(TAGS))
    activities.update(is_demo=True)
    provisions = dict(Provision.objects.values_list("code", "pk"))
    for activity in activities:
        for code in TAGS[activity.iati_identifier]:
            ActivityProvision.objects.get_or_create(
                activity=activity, provision_id=provisions[code]
            )
    facts.refresh()
    by_identifier = {a.iati_identifier: a for a in Activity.objects.filter(is_demo=True)}
    members = {m.iso_code: m for m in Member.objects.filter(iso_code__in=["DO", "JM", "GT", "HT"])}
    for identifier, iso, kind, start, end, note in MISSIONS:
        mission_activity = by_identifier.get(identifier)
        if mission_activity is None:
            continue
        _mission, created = Mission.objects.get_or_create(
            activity=mission_activity,
            member=members[iso],
            kind=kind,
            start_date=dt.date.fromisoformat(start),
            defaults={"end_date": dt.date.fromisoformat(end), "note": note, "is_demo": True},
        )
        report.record("mission", "created" if created else "unchanged")
    first, second = sorted(
        (by_identifier["XM-DAC-909-DEMO-DO-SW"], by_identifier["XI-IATI-EC_INTPA-DEMO-DO-BORDER"]),
        key=lambda a: a.pk,
    )
    current = dict(
        ActivityFact.objects.filter(activity_id__in=[first.pk, second.pk]).values_list(
            "activity_id", "fingerprint"
        )
    )
    _mark, created = OverlapMark.objects.get_or_create(
        first=first,
        second=second,
        member=members["DO"],
        provision_id=provisions["TFA-10.4"],
        defaults={
            "verdict": OverlapVerdict.COMPLEMENTARY,
            "note": "IDB builds the single window; the EU connects the other border agencies "
            "to it (illustrative).",
            "fingerprint": pair_fingerprint(current, first.pk, second.pk),
            "is_demo": True,
        },
    )
    report.record("overlap mark", "created" if created else "unchanged")
    wco = Organisation.objects.get(key="wco")
    for iso, priority, text in SHARED_NEEDS:
        if Need.objects.filter(member=members[iso], description=text).exists():
            report.record("need", "unchanged")
            continue
        need_create(
            user=SYSTEM,
            member=members[iso],
            data={
                "provisions": [Provision.objects.get(code="TFA-7.4")],
                "description": text,
                "priority": priority,
                "source": "meeting_decision",
                "source_reference": "Regional consultation before the 2019 meeting (illustrative)",
                "identified_on": dt.date(2019, 1, 31),
                "recorded_by_organisation": wco,
                "visibility": Visibility.PUBLIC,
                "estimated_cost": Decimal("400000"),
                "currency": "USD",
            },
            is_demo=True,
        )
        report.record("need", "created")
