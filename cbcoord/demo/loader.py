"""Demo data for the 2019 Americas and Caribbean Development Partners Coordination Meeting.

Real organisations come from the reference data; what is illustrative here (people's entries,
the Vice-Chair's term dates, the demo accounts) is flagged ``is_demo``.
"""

from __future__ import annotations

import datetime
import json
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from cbcoord.accounts.actors import SYSTEM
from cbcoord.accounts.models import Role, User
from cbcoord.core.reference import LoadReport, upsert
from cbcoord.registry.models import (
    Member,
    Organisation,
    Person,
    Region,
    RegionalRole,
    RegionalRoleKind,
)

DEMO_REGION = "AMC"
# The partners named in the WCO news item on the meeting held in Washington, D.C., 14 March 2019.
MEETING_PARTNERS = ("wco", "idb", "imf", "usaid", "cbsa", "worldbank", "oas", "uscbp")
SEED_SOURCE = (
    "WCO news item on the 2019 Development Partners Coordination Meeting, Americas and Caribbean"
)

DEMO_PEOPLE = (
    ("wco", "Ricardo Treviño Chapa", "Deputy Secretary General"),
    ("idb", "Fabrizio Opertti", "Manager, Integration and Trade Sector"),
    (
        "imf",
        "Katherine Baer",
        "Chief, Revenue Administration Division (Latin America, the Caribbean and Africa)",
    ),
    ("uscbp", "Kevin McAleenan", "Commissioner"),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    organisation_key: str


DEMO_ACCOUNTS = (
    DemoAccount("demo-secretariat", Role.SECRETARIAT, "wco"),
    DemoAccount("demo-partner", Role.PARTNER_EDITOR, "idb"),
    DemoAccount("demo-member", Role.MEMBER_EDITOR, "customs-do"),
    DemoAccount("demo-viewer", Role.VIEWER, "usaid"),
)


DEMO_DIR = Path(__file__).resolve().parent / "data"


class DemoDataError(Exception):
    pass


@dataclass
class DemoResult:
    report: LoadReport = field(default_factory=LoadReport)
    passwords: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def demo_load(*, reset_passwords: bool = True) -> DemoResult:
    """Load the demo; safe to run again (no duplicates). Needs `load_reference` first.

    New demo accounts get a fresh random password, returned in the result and stored nowhere
    but as a hash. With ``reset_passwords`` existing demo accounts get a new one too.
    """
    result = DemoResult()
    try:
        region = Region.objects.get(code=DEMO_REGION)
        partners = {key: Organisation.objects.get(key=key) for key in MEETING_PARTNERS}
        dominican = Member.objects.select_related("organisation").get(iso_code="DO")
    except (Region.DoesNotExist, Organisation.DoesNotExist, Member.DoesNotExist) as error:
        raise DemoDataError(
            f"Reference data missing ({error}); run `cbcoord load_reference` first."
        ) from error

    for organisation in partners.values():
        organisation.active_regions.add(region)

    administration = dominican.organisation
    upsert(
        Organisation,
        lookup={"pk": administration.pk},
        values={"name": "Dirección General de Aduanas (Dominican Republic)", "acronym": "DGA"},
        report=result.report,
    )
    upsert(
        RegionalRole,
        lookup={
            "region": region,
            "organisation": administration,
            "role": RegionalRoleKind.VICE_CHAIR,
            "start_date": datetime.date(2018, 7, 1),
        },
        values={
            "end_date": datetime.date(2020, 6, 30),
            "note": (
                "Vice-Chair at the 14 March 2019 meeting (WCO news item); term dates illustrative."
            ),
            "is_demo": True,
        },
        report=result.report,
    )
    for key, name, title in DEMO_PEOPLE:
        upsert(
            Person,
            lookup={"organisation": partners[key], "name": name},
            values={"title": title, "is_demo": True, "is_published": False},
            report=result.report,
        )

    organisations = {**partners, "customs-do": administration}
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        created = user is None
        if user is None:
            user = User(username=account.username)
        user.role = account.role
        user.organisation = organisations[account.organisation_key]
        user.is_demo = True
        user.is_active = True
        user.is_staff = account.role == Role.SECRETARIAT
        user.first_name = "Demo"
        user.last_name = str(Role(account.role).label)
        if created or reset_passwords:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            result.passwords[account.username] = password
        user.save()
        result.report.record("user", "created" if created else "updated")
    _load_demo_activities(result)
    from cbcoord.demo.meetings import load_demo_meetings

    load_demo_meetings(result.report, region, organisations)
    _load_demo_needs(result)
    from cbcoord.coordination.demo import load_coordination_demo

    load_coordination_demo(result.report)
    return result


def _load_demo_activities(result: DemoResult) -> None:
    """Import the illustrative activities like any IATI file, then flag and tag them."""
    from cbcoord.activities.models import Activity, ActivityProvision, Visibility
    from cbcoord.frameworks.models import Provision
    from cbcoord.imports.importer import iati_import

    path = DEMO_DIR / "activities.xml"
    run = iati_import(user=SYSTEM, path=path, source="cbcoord demo data", source_kind="path")
    if run.status != "completed" or run.refused:
        raise DemoDataError(f"Demo activities did not import: {run.message or run.refused}")
    result.report["activity created"] += run.added
    result.report["activity updated"] += run.updated
    result.report["activity unchanged"] += run.unchanged
    tags: dict[str, list[str]] = json.loads((DEMO_DIR / "activity_provisions.json").read_text())
    activities = Activity.objects.filter(iati_identifier__in=list(tags))
    activities.update(is_demo=True)
    # A pipeline plan is not public: the coordination group sees it.
    activities.filter(status="1").update(visibility=Visibility.COORDINATION)
    provisions = dict(Provision.objects.values_list("code", "pk"))
    for activity in activities:
        for code in tags[activity.iati_identifier]:
            ActivityProvision.objects.get_or_create(
                activity=activity, provision_id=provisions[code]
            )


# Illustrative TFA commitments of the Dominican Republic for the measures whose TFA Database
# page could not be read (cbcoord/needs/data/SOURCES.md): flagged demo, not its notifications.
ILLUSTRATIVE_TFA = (
    ("DO", "1.1", "A", None, "2017-02-22"),
    ("DO", "3", "C", "2020-12-31", "2024-12-31"),
    ("DO", "7.1", "B", "2019-12-31", "2020-12-31"),
    ("DO", "7.4", "B", "2019-12-31", "2021-12-31"),
    ("DO", "7.7", "C", "2021-12-31", "2025-12-31"),
    ("DO", "10.4", "C", "2020-12-31", "2023-12-31"),
)


@dataclass(frozen=True)
class DemoNeed:
    iso_code: str
    provisions: tuple[str, ...]
    description: str
    priority: str
    source: str
    source_reference: str
    identified_on: str
    reported_by: str  # organisation key
    confirmed_by_member: bool = False
    confirmed_activity: str = ""
    extra: dict[str, object] = field(default_factory=dict)


DEMO_NEEDS = (
    DemoNeed(
        "DO",
        ("TFA-10.4",),
        "Single window: connect the remaining border agencies (plant and animal health, "
        "medicines) to the foreign-trade single window, with electronic permits.",
        "high",
        "meeting_decision",
        "Development Partners Coordination Meeting, Americas and Caribbean, 14 March 2019",
        "2019-03-14",
        "wco",
        extra={"estimated_cost": "850000", "currency": "USD", "estimated_duration_months": 24},
    ),
    DemoNeed(
        "DO",
        ("TFA-7.5", "RKC-GA-6.6"),
        "Post-clearance audit: a risk-based audit programme and training for 20 auditors.",
        "medium",
        "self_assessment",
        "DGA self-assessment against the Revised Kyoto Convention",
        "2018-11-30",
        "customs-do",
        confirmed_by_member=True,
    ),
    DemoNeed(
        "DO",
        ("TFA-3",),
        "Advance rulings on tariff classification and origin: procedure, legal basis and a "
        "public register of rulings.",
        "medium",
        "diagnostic_mission",
        "IDB diagnostic mission report (illustrative)",
        "2018-06-01",
        "idb",
    ),
    DemoNeed(
        "JM",
        ("TFA-3", "TFA-1.2"),
        "Advance rulings: publish rulings on the internet and train the rulings unit.",
        "medium",
        "diagnostic_mission",
        "USAID trade facilitation diagnostic (illustrative)",
        "2018-03-01",
        "usaid",
        confirmed_activity="US-GOV-1-DEMO-TFA-JM",
    ),
    DemoNeed(
        "JM",
        ("RKC-GA-6.3",),
        "Risk management: selectivity rules and a targeting centre for sea cargo.",
        "high",
        "strategic_plan",
        "Jamaica Customs Agency strategic plan consultation (illustrative)",
        "2019-03-14",
        "wco",
    ),
)


def _load_demo_needs(result: DemoResult) -> None:
    """TFA commitments (the DR's and Jamaica's from the TFA Database, the DR's other measures
    illustrative) and illustrative needs; safe to run again."""
    from cbcoord.activities.models import Activity
    from cbcoord.frameworks.models import Provision
    from cbcoord.needs import reference as tfa_reference
    from cbcoord.needs.models import LinkState, MemberPosition, Need
    from cbcoord.needs.services import link_decide, need_create

    tfa_reference.load_tfa_rows(
        tfa_reference.read_tfa_rows(tfa_reference.TFA_NOTIFICATIONS),
        is_demo=False,
        report=result.report,
    )
    tfa_reference.load_tfa_rows(
        [
            tfa_reference.TfaRow(
                iso_code=iso,
                measure=measure,
                category=category,
                indicative_date=datetime.date.fromisoformat(indicative) if indicative else None,
                definitive_date=datetime.date.fromisoformat(definitive),
                source="Illustrative (cbcoord demo data), not the member's notification",
            )
            for iso, measure, category, indicative, definitive in ILLUSTRATIVE_TFA
        ],
        is_demo=True,
        report=result.report,
    )
    for demo in DEMO_NEEDS:
        member = Member.objects.select_related("organisation").get(iso_code=demo.iso_code)
        need = Need.objects.filter(member=member, description=demo.description).first()
        if need is None:
            need = need_create(
                user=SYSTEM,
                member=member,
                data={
                    "provisions": list(Provision.objects.filter(code__in=demo.provisions)),
                    "description": demo.description,
                    "priority": demo.priority,
                    "source": demo.source,
                    "source_reference": demo.source_reference,
                    "identified_on": datetime.date.fromisoformat(demo.identified_on),
                    "recorded_by_organisation": Organisation.objects.get(key=demo.reported_by),
                    **{
                        key: (Decimal(str(value)) if key == "estimated_cost" else value)
                        for key, value in demo.extra.items()
                    },
                },
                is_demo=True,
            )
            if demo.confirmed_by_member:
                need.member_position = MemberPosition.CONFIRMED
                need.member_comment = "Our own self-assessment (illustrative)."
                need.member_position_at = need.created_at
                need.save()
            result.report.record("need", "created")
        else:
            result.report.record("need", "unchanged")
        if demo.confirmed_activity and not need.links.filter(state=LinkState.CONFIRMED).exists():
            activity = Activity.objects.get(iati_identifier=demo.confirmed_activity)
            link_decide(user=SYSTEM, need=need, activity=activity, state=LinkState.CONFIRMED)
