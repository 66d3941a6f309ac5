"""Demo data for the 2019 Americas and Caribbean Development Partners Coordination Meeting.

Real organisations come from the reference data; what is illustrative here (people's entries,
the Vice-Chair's term dates, the demo accounts) is flagged ``is_demo``.
"""

from __future__ import annotations

import datetime
import json
import secrets
from dataclasses import dataclass, field
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
