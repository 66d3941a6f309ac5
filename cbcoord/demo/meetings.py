"""Demo meetings: the 2019 Americas and Caribbean Development Partners Coordination Meeting as
the WCO news item describes it (shared/seed), and its follow-up, the Capacity Building
Committee of April 2019. Everything is flagged ``is_demo``. What the news item says is kept as
it says it; the decisions, action items, their progress and the consultation's rankings are
illustrations, and are said to be."""

from __future__ import annotations

import datetime

from cbcoord.accounts.actors import SYSTEM
from cbcoord.core.reference import LoadReport
from cbcoord.frameworks.models import Instrument, Provision
from cbcoord.meetings import services
from cbcoord.meetings.models import (
    ActionItem,
    ActionStatus,
    Consultation,
    ConsultationStatus,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    MeetingVisibility,
    ParticipantRole,
    ProgressNote,
    SeriesKind,
)
from cbcoord.registry.models import Member, Organisation, Person, Region

AMERICAS_SERIES = "americas-coordination"
CBC_SERIES = "capacity-building-committee"
SEED = "WCO news item on the 2019 Development Partners Coordination Meeting, Americas and Caribbean"

TOPICS = (
    "Comprehensive review of the Revised Kyoto Convention; the WCO Strategic Plan 2019-2022; "
    "the Framework of Standards on cross-border e-commerce."
)


def _provisions(*codes: str) -> list[Provision]:
    return list(Provision.objects.filter(code__in=codes))


def _instruments(*codes: str) -> list[Instrument]:
    return list(Instrument.objects.filter(code__in=codes))


def load_demo_meetings(
    report: LoadReport, region: Region, organisations: dict[str, Organisation]
) -> None:
    americas, _created = MeetingSeries.objects.update_or_create(
        key=AMERICAS_SERIES,
        defaults={
            "name": "Development Partners Coordination Meeting, Americas and Caribbean",
            "kind": SeriesKind.REGIONAL,
            "region": region,
            "description": "The region's annual meeting of development partners and members.",
            "is_demo": True,
        },
    )
    committee, _created = MeetingSeries.objects.update_or_create(
        key=CBC_SERIES,
        defaults={
            "name": "Capacity Building Committee",
            "kind": SeriesKind.COMMITTEE,
            "region": None,
            "description": "The WCO committee on capacity building, at WCO headquarters.",
            "is_demo": True,
        },
    )
    if not americas.meetings.filter(start_date=datetime.date(2019, 3, 14)).exists():
        _americas_2019(americas, organisations)
        report.record("meeting", "created")
    else:
        report.record("meeting", "unchanged")
    if not committee.meetings.filter(start_date__year=2019, start_date__month=4).exists():
        _committee_2019(committee, organisations)
        report.record("meeting", "created")
    else:
        report.record("meeting", "unchanged")
    if not Consultation.objects.filter(key="strategic-plan-2019-2022").exists():
        _consultation(americas)
        report.record("consultation", "created")


def _person(organisation: Organisation, name: str) -> Person | None:
    return organisation.people.filter(name=name).first()


def _americas_2019(series: MeetingSeries, orgs: dict[str, Organisation]) -> Meeting:
    meeting = services.meeting_create(
        user=SYSTEM,
        series=series,
        data={
            "title": "2019 Development Partners Coordination Meeting, Americas and Caribbean",
            "start_date": datetime.date(2019, 3, 14),
            "city": "Washington, D.C.",
            "country": "US",
            "venue": "Inter-American Development Bank",
            "status": MeetingStatus.PLANNED,
            "visibility": MeetingVisibility.PUBLISHED,
            "summary": (
                "Co-organised by the WCO, the Inter-American Development Bank and the "
                "International Monetary Fund, hosted by the IDB. The Deputy Secretary General "
                "highlighted the importance of holding the meeting annually to capitalise on "
                "regional synergies. Source: " + SEED + "."
            ),
        },
        host=orgs["idb"],
        co_organisers=[orgs["wco"], orgs["idb"], orgs["imf"]],
    )
    Meeting.objects.filter(pk=meeting.pk).update(is_demo=True)
    people = {
        "dsg": _person(orgs["wco"], "Ricardo Treviño Chapa"),
        "opertti": _person(orgs["idb"], "Fabrizio Opertti"),
        "baer": _person(orgs["imf"], "Katherine Baer"),
        "mcaleenan": _person(orgs["uscbp"], "Kevin McAleenan"),
    }
    for key in ("usaid", "cbsa", "worldbank", "oas", "uscbp"):
        services.participant_add(
            user=SYSTEM, meeting=meeting, organisation=orgs[key], roles=[ParticipantRole.DELEGATE]
        )
    services.participant_add(
        user=SYSTEM,
        meeting=meeting,
        organisation=orgs["customs-do"],
        roles=[ParticipantRole.VICE_CHAIR],
        note="In its capacity as regional Vice-Chair",
    )
    speakers = {}
    for key, organisation, roles in (
        ("opertti", orgs["idb"], [ParticipantRole.OPENING_SPEAKER]),
        ("baer", orgs["imf"], [ParticipantRole.OPENING_SPEAKER]),
        ("dsg", orgs["wco"], [ParticipantRole.DELEGATE]),
    ):
        if people[key] is not None:
            speakers[key] = services.participant_add(
                user=SYSTEM,
                meeting=meeting,
                organisation=organisation,
                person=people[key],
                roles=roles,
            )
    services.agenda_item_create(
        user=SYSTEM,
        meeting=meeting,
        data={
            "title": "Opening",
            "description": "Welcome by the IDB's Manager for Integration and Trade and the IMF's Chief of the Revenue Administration Division.",
        },
        presenters=[speakers[key] for key in ("opertti", "baer") if key in speakers],
    )
    services.agenda_item_create(
        user=SYSTEM,
        meeting=meeting,
        data={
            "title": "Address by the WCO Deputy Secretary General",
            "description": "2019: SMART borders for seamless Trade, Travel and Transport.",
        },
        presenters=[speakers["dsg"]] if "dsg" in speakers else [],
        provisions=_provisions("THEME-SMART-BORDERS"),
    )
    services.agenda_item_create(
        user=SYSTEM,
        meeting=meeting,
        data={
            "title": "The WCO Strategic Plan 2019-2022",
            "description": "Input collected from Members in the six regional meetings; the review of the Capacity Building Strategy.",
        },
        provisions=_provisions("WCO-SP-CBS"),
        instruments=_instruments("WCO-SP"),
    )
    for key in ("usaid", "idb", "imf", "uscbp"):
        bilateral = services.bilateral_create(
            user=SYSTEM,
            meeting=meeting,
            data={"held_on": datetime.date(2019, 3, 14), "topics": TOPICS},
            parties=[orgs["wco"], orgs[key]],
            people=[
                person
                for person in (people["dsg"], people["mcaleenan"] if key == "uscbp" else None)
                if person is not None
            ],
            instruments=_instruments("RKC", "WCO-SP", "ECOM"),
        )
        if key == "uscbp":
            bilateral.summary = "With U.S. CBP's Commissioner: ways to strengthen cooperation."
            bilateral.save()
    decision = services.decision_create(
        user=SYSTEM,
        meeting=meeting,
        text="Participants are invited to the Capacity Building Committee in April 2019 at WCO headquarters, where an initial draft of the new Capacity Building Strategy will be discussed.",
    )
    services.decision_create(
        user=SYSTEM,
        meeting=meeting,
        text="The meeting is held annually, to capitalise on regional synergies.",
    )
    illustrative = " (illustrative demo item)"
    items = [
        (
            orgs["wco"],
            people["dsg"],
            "Circulate the draft new Capacity Building Strategy to the region's partners before the Capacity Building Committee",
            datetime.date(2019, 4, 1),
            decision,
        ),
        (
            orgs["idb"],
            None,
            "Share the IDB's pipeline of customs projects in the region in cbcoord",
            datetime.date(2019, 6, 30),
            None,
        ),
        (
            orgs["customs-do"],
            None,
            "Collect the region's members' needs for implementing the E-commerce Framework of Standards",
            datetime.date(2019, 9, 30),
            None,
        ),
        (
            orgs["imf"],
            people["baer"],
            "Map revenue-administration missions in the Caribbean against WCO support",
            datetime.date(2019, 12, 31),
            None,
        ),
    ]
    created = []
    for owner, person, text, due, linked in items:
        item = services.action_item_create(
            user=SYSTEM,
            meeting=meeting,
            data={
                "text": text + illustrative,
                "owner_organisation": owner,
                "owner_person": person,
                "due_date": due,
                "decision": linked,
            },
        )
        created.append(item)
    ActionItem.objects.filter(pk__in=[item.pk for item in created]).update(is_demo=True)
    services.action_item_progress(
        user=SYSTEM,
        item=created[0],
        text="Draft sent to the partners.",
        status=ActionStatus.DONE,
        noted_on=datetime.date(2019, 3, 29),
    )
    services.action_item_progress(
        user=SYSTEM,
        item=created[2],
        text="Questionnaire sent to the region's members.",
        status=ActionStatus.IN_PROGRESS,
        noted_on=datetime.date(2019, 6, 15),
    )
    ProgressNote.objects.filter(action_item__in=created).update(author_organisation=None)
    services.meeting_update(user=SYSTEM, meeting=meeting, data={"status": MeetingStatus.CLOSED})
    return meeting


def _committee_2019(series: MeetingSeries, orgs: dict[str, Organisation]) -> Meeting:
    meeting = services.meeting_create(
        user=SYSTEM,
        series=series,
        data={
            "title": "Capacity Building Committee, April 2019",
            "start_date": datetime.date(2019, 4, 1),
            "end_date": datetime.date(2019, 4, 3),
            "city": "Brussels",
            "country": "BE",
            "venue": "WCO headquarters",
            "status": MeetingStatus.HELD,
            "visibility": MeetingVisibility.PUBLISHED,
            "summary": (
                "The follow-up event named at the Americas and Caribbean meeting: an initial "
                "draft of the new Capacity Building Strategy is discussed. The news item says "
                "April 2019; the dates here are illustrative."
            ),
        },
        host=orgs["wco"],
    )
    Meeting.objects.filter(pk=meeting.pk).update(is_demo=True)
    services.agenda_item_create(
        user=SYSTEM,
        meeting=meeting,
        data={"title": "Draft new WCO Capacity Building Strategy"},
        provisions=_provisions("WCO-SP-CBS"),
    )
    return meeting


def _consultation(meeting_series: MeetingSeries) -> None:
    meeting = meeting_series.meetings.order_by("start_date").first()
    priorities = list(Provision.objects.filter(instrument__code="WCO-SP").order_by("sort_order"))
    consultation = services.consultation_create(
        user=SYSTEM,
        data={
            "key": "strategic-plan-2019-2022",
            "title": "Input to the WCO Strategic Plan 2019-2022",
            "description": "Members rank the candidate priorities; collected in the six regional meetings. Illustrative rankings (demo data).",
            "status": ConsultationStatus.OPEN,
            "visibility": MeetingVisibility.PUBLISHED,
        },
        options=[{"label": provision.title_en, "provision": provision} for provision in priorities],
        regions=[meeting_series.region] if meeting_series.region else [],
        meetings=[meeting] if meeting else [],
    )
    Consultation.objects.filter(pk=consultation.pk).update(is_demo=True)
    options = list(consultation.options.order_by("position"))
    # Illustrative rankings of three members (demo data): option positions, best first.
    rankings = {"DO": [6, 4, 3, 9, 1], "JM": [4, 6, 1, 2], "CR": [3, 6, 4, 9, 8, 1]}
    for iso, order in rankings.items():
        member = Member.objects.filter(iso_code=iso).first()
        if member is None:
            continue
        services.consultation_rank(
            user=SYSTEM,
            consultation=consultation,
            member=member,
            ranking={
                options[position - 1].pk: rank
                for rank, position in enumerate(order, start=1)
                if position <= len(options)
            },
        )
