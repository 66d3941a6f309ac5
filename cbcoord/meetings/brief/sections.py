"""The sections of the meeting brief, in order (``SECTIONS``). See the package docstring."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import ClassVar

from django.db.models import Count, Exists, OuterRef
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cbcoord.accounts.actors import Actor
from cbcoord.activities.models import Activity, ActivityCountry
from cbcoord.activities.selectors import activity_visible
from cbcoord.core.i18n import codelist_labels
from cbcoord.meetings import charts, selectors
from cbcoord.meetings.brief.base import Column, Section, SectionContent, Table
from cbcoord.meetings.brief.coordination import COORDINATION_SECTIONS
from cbcoord.meetings.models import DataCall, Meeting, MeetingStatus
from cbcoord.registry.models import Member, Organisation


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def _progress(row: selectors.ActionItemRow) -> str:
    parts = []
    for note in row.notes:
        text = f"{_date(note.noted_on)}: {note.text}" if note.text else _date(note.noted_on)
        if note.status:
            text += f" [{note.get_status_display()}]"
        parts.append(text)
    return "\n".join(parts)


def _links(item: object) -> str:
    codes = [provision.code for provision in item.provisions.all()]  # type: ignore[attr-defined]
    instruments = getattr(item, "instruments", None)
    if instruments is not None:
        codes += [instrument.code for instrument in instruments.all()]
    return ", ".join(codes)


class CoverSection(Section):
    id = "cover"
    title = gettext_lazy("Meeting")
    template = "meetings/brief/cover.html"
    in_contents = False

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent:
        record = selectors.meeting_record(meeting=meeting)
        dates = _date(meeting.start_date)
        if meeting.end_date != meeting.start_date:
            dates = f"{dates} – {_date(meeting.end_date)}"
        facts: list[tuple[str, object]] = [
            (_("Series"), meeting.series.name),
            (_("Dates"), dates),
            (_("Place"), ", ".join(part for part in (meeting.venue, meeting.place) if part)),
            (_("Status"), meeting.get_status_display()),
        ]
        if record.host:
            facts.append((_("Host"), ", ".join(p.organisation.display_name for p in record.host)))
        if record.co_organisers:
            facts.append(
                (
                    _("Co-organisers"),
                    ", ".join(p.organisation.display_name for p in record.co_organisers),
                )
            )
        if meeting.series.region:
            facts.append((_("Region"), meeting.series.region.name))
        return SectionContent(
            section=self,
            facts=facts,
            paragraphs=[meeting.summary] if meeting.summary else [],
            extra={"is_demo": meeting.is_demo},
        )


class ParticipantsSection(Section):
    id = "participants"
    title = gettext_lazy("Participants")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent:
        participants = list(
            meeting.participants.select_related("organisation", "person").order_by("position", "pk")
        )
        rows = [
            (
                participant.organisation.name,
                participant.person.name if participant.person else "",
                participant.person.title if participant.person else "",
                ", ".join(participant.role_labels),
                participant.note,
            )
            for participant in participants
        ]
        organisations = len({participant.organisation_id for participant in participants})
        return SectionContent(
            section=self,
            facts=[(_("Organisations"), organisations)],
            tables=[
                Table(
                    columns=[
                        Column(_("Organisation"), width=36),
                        Column(_("Person"), width=24),
                        Column(_("Position"), width=30),
                        Column(_("Roles"), width=24),
                        Column(_("Note"), width=30),
                    ],
                    rows=rows,
                    empty=_("No participants recorded."),
                )
            ],
        )


class AgendaSection(Section):
    id = "agenda"
    title = gettext_lazy("Agenda")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent:
        record = selectors.meeting_record(meeting=meeting)
        rows = [
            (
                index,
                formats.time_format(item.starts_at, "TIME_FORMAT") if item.starts_at else "",
                item.title + (f"\n{item.description}" if item.description else ""),
                ", ".join(str(presenter) for presenter in item.presenters.all()),
                _links(item),
            )
            for index, item in enumerate(record.agenda, start=1)
        ]
        return SectionContent(
            section=self,
            tables=[
                Table(
                    columns=[
                        Column("#", "int", 5),
                        Column(_("Time"), width=8),
                        Column(_("Item"), width=50),
                        Column(_("Presenters"), width=36),
                        Column(_("Instruments and provisions"), width=24),
                    ],
                    rows=rows,
                    empty=_("No agenda recorded."),
                )
            ],
        )


class BilateralsSection(Section):
    id = "bilaterals"
    title = gettext_lazy("Bilateral meetings")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        bilaterals = list(
            meeting.bilaterals.prefetch_related("parties", "people", "provisions", "instruments")
        )
        if not bilaterals:
            return None
        rows = [
            (
                ", ".join(party.display_name for party in bilateral.parties.all()),
                ", ".join(person.name for person in bilateral.people.all()),
                bilateral.topics,
                _links(bilateral),
                bilateral.summary,
            )
            for bilateral in bilaterals
        ]
        return SectionContent(
            section=self,
            tables=[
                Table(
                    columns=[
                        Column(_("Parties"), width=24),
                        Column(_("People"), width=24),
                        Column(_("Topics"), width=40),
                        Column(_("Instruments and provisions"), width=20),
                        Column(_("Summary"), width=40),
                    ],
                    rows=rows,
                )
            ],
        )


def _action_table(
    rows: list[selectors.ActionItemRow], *, origin: bool, empty: str, title: str = ""
) -> Table:
    columns = [Column(_("Meeting"), width=24)] if origin else []
    columns += [
        Column(_("Action"), width=44),
        Column(_("Owner"), width=20),
        Column(_("Due"), "date", 12),
        Column(_("Status"), width=12),
        Column(_("Progress"), width=44),
    ]
    values = []
    for row in rows:
        owner = row.item.owner_organisation.display_name
        if row.item.owner_person:
            owner = f"{owner} ({row.item.owner_person.name})"
        status = row.item.get_status_display()
        if row.overdue:
            status = f"{status} ({_('overdue')})"
        values.append(
            ((row.origin.title,) if origin else ())
            + (row.item.text, owner, row.item.due_date, status, _progress(row))
        )
    return Table(columns=columns, rows=values, title=title, empty=empty)


class DecisionsSection(Section):
    id = "decisions"
    title = gettext_lazy("Decisions and action items")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        decisions = list(meeting.decisions.order_by("position", "pk"))
        items = selectors.action_item_rows(meeting=meeting)
        if not decisions and not items and meeting.status == MeetingStatus.PLANNED:
            return None
        return SectionContent(
            section=self,
            tables=[
                Table(
                    columns=[Column("#", "int", 5), Column(_("Decision"), width=90)],
                    rows=[
                        (index, decision.text) for index, decision in enumerate(decisions, start=1)
                    ],
                    title=_("Decisions"),
                    empty=_("No decisions recorded."),
                ),
                _action_table(
                    items,
                    origin=False,
                    empty=_("No action items recorded."),
                    title=_("Action items"),
                ),
            ],
        )


class CarriedItemsSection(Section):
    id = "carried"
    title = gettext_lazy("Open action items carried over")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        rows = selectors.carried_item_rows(meeting=meeting)
        previous = selectors.previous_meeting(meeting)
        if not rows and previous is None:
            return None
        statuses = Counter(row.item.get_status_display() for row in rows)
        facts: list[tuple[str, object]] = [(_("Carried over"), len(rows))]
        facts += [(label, count) for label, count in sorted(statuses.items())]
        return SectionContent(
            section=self,
            facts=facts,
            tables=[
                _action_table(
                    rows, origin=True, empty=_("No open action item was carried to this meeting.")
                )
            ],
        )


class DataFreshnessSection(Section):
    id = "data-freshness"
    title = gettext_lazy("Partners' data")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        region = meeting.series.region
        if region is None:
            return None
        data_call = DataCall.objects.filter(meeting=meeting).first()
        rows = selectors.data_freshness(user=user, region=region, data_call=data_call)
        facts: list[tuple[str, object]] = []
        if data_call is not None:
            answered = sum(1 for row in rows if row.answered)
            facts = [
                (_("Data call deadline"), _date(data_call.deadline)),
                (_("Partners asked"), len(rows)),
                (_("Answered"), answered),
                (_("Not answered"), len(rows) - answered),
            ]
        columns = [
            Column(_("Partner"), width=30),
            Column(_("Confirmed for this meeting"), "datetime", 18),
            Column(_("Last confirmed"), "datetime", 18),
            Column(_("Activities in the region"), "int", 12),
            Column(_("Changed since the call"), "int", 12),
            Column(_("Last change"), "datetime", 18),
        ]
        return SectionContent(
            section=self,
            facts=facts,
            paragraphs=[]
            if data_call
            else [_("No data call was opened for this meeting; the dates are those of the data.")],
            tables=[
                Table(
                    columns=columns,
                    rows=[
                        (
                            row.organisation.display_name,
                            row.confirmed_at,
                            row.last_confirmed,
                            row.activities,
                            row.changed,
                            row.last_update,
                        )
                        for row in rows
                    ],
                    empty=_("No partner is recorded in this region."),
                )
            ],
        )


class ActivitiesSection(Section):
    """A simple overview, until the coordination app's coverage matrix exists: activities in
    the region by partner and by status, and which partners support which member (recipient
    countries; regional activities are counted by partner and status only)."""

    id = "activities"
    title = gettext_lazy("Activities in the region")
    top_partners: ClassVar[int] = 25

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        region = meeting.series.region
        if region is None:
            return None
        activities = activity_visible(user, include_withdrawn=False).filter(
            Exists(
                Activity.regions.through.objects.filter(activity_id=OuterRef("pk"), region=region)
            )
        )
        by_partner = list(
            activities.order_by()
            .values("reporting_org_id")
            .annotate(count=Count("pk"))
            .order_by("-count", "reporting_org_id")
        )
        names = dict(
            Organisation.objects.filter(
                pk__in=[row["reporting_org_id"] for row in by_partner]
            ).values_list("pk", "acronym")
        )
        full = dict(
            Organisation.objects.filter(
                pk__in=[row["reporting_org_id"] for row in by_partner]
            ).values_list("pk", "name")
        )

        def partner_name(pk: int) -> str:
            return names.get(pk) or full.get(pk, str(pk))

        status_labels = codelist_labels("ActivityStatus")["ActivityStatus"]
        by_status = list(
            activities.order_by().values("status").annotate(count=Count("pk")).order_by("status")
        )
        total = sum(row["count"] for row in by_partner)
        members = {
            member.iso_code: member
            for member in Member.objects.filter(region=region).exclude(iso_code="")
        }
        support: dict[str, dict[int, int]] = defaultdict(dict)
        for row in (
            ActivityCountry.objects.filter(
                activity__in=activities.values("pk"), code__in=list(members)
            )
            .values("code", "activity__reporting_org_id")
            .annotate(count=Count("activity_id", distinct=True))
        ):
            support[row["code"]][row["activity__reporting_org_id"]] = row["count"]
        partner_rows = [(partner_name(row["reporting_org_id"]), row["count"]) for row in by_partner]
        status_rows = [
            (
                str(status_labels.get(row["status"], row["status"] or _("unknown")))
                if row["status"]
                else _("unknown"),
                row["count"],
            )
            for row in by_status
        ]
        member_rows = []
        for code, member in sorted(members.items(), key=lambda pair: pair[1].country_name):
            partners = support.get(code, {})
            listed = sorted(partners.items(), key=lambda pair: (-pair[1], partner_name(pair[0])))
            member_rows.append(
                (
                    member.country_name,
                    len(partners),
                    sum(partners.values()),
                    _supporters(listed, partner_name),
                )
            )
        figures = []
        if partner_rows:
            figures.append(
                charts.Figure(
                    id="chart-activities-by-partner",
                    title=_("Activities by partner"),
                    spec=charts.horizontal_bars(
                        [
                            {"partner": name, "count": count}
                            for name, count in partner_rows[: self.top_partners]
                        ],
                        label="partner",
                        value="count",
                        label_title=_("Partner"),
                        value_title=_("Activities"),
                    ),
                )
            )
        if status_rows:
            figures.append(
                charts.Figure(
                    id="chart-activities-by-status",
                    title=_("Activities by status"),
                    spec=charts.horizontal_bars(
                        [{"status": label, "count": count} for label, count in status_rows],
                        label="status",
                        value="count",
                        label_title=_("Status"),
                        value_title=_("Activities"),
                    ),
                )
            )
        unsupported = sum(1 for row in member_rows if row[1] == 0)
        return SectionContent(
            section=self,
            facts=[
                (_("Activities"), total),
                (_("Partners"), len(partner_rows)),
                (_("Members without a country activity"), unsupported),
            ],
            figures=figures,
            tables=[
                Table(
                    columns=[Column(_("Partner"), width=36), Column(_("Activities"), "int", 12)],
                    rows=partner_rows,
                    title=_("By partner"),
                    empty=_("No activity recorded in this region."),
                ),
                Table(
                    columns=[Column(_("Status"), width=24), Column(_("Activities"), "int", 12)],
                    rows=status_rows,
                    title=_("By status"),
                ),
                Table(
                    columns=[
                        Column(_("Member"), width=28),
                        Column(_("Partners"), "int", 10),
                        Column(_("Activities"), "int", 10),
                        Column(_("Who supports it (activities)"), width=60),
                    ],
                    rows=member_rows,
                    title=_("Who supports which member"),
                ),
            ],
        )


def _supporters(listed: list[tuple[int, int]], name: Callable[[int], str], shown: int = 8) -> str:
    """The partners supporting a member, most activities first: the first ``shown`` by name,
    then how many more."""
    text = ", ".join(f"{name(pk)} ({count})" for pk, count in listed[:shown])
    if len(listed) > shown:
        text += " " + _("and %(count)d more") % {"count": len(listed) - shown}
    return text


class ConsultationSection(Section):
    id = "consultations"
    title = gettext_lazy("Consultation results")
    template = "meetings/brief/consultations.html"

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        consultations = list(
            selectors.consultation_visible(user).filter(meetings=meeting).order_by("pk")
        )
        if not consultations:
            return None
        content = SectionContent(section=self, paragraphs=[borda_explanation()])
        for consultation in consultations:
            results = selectors.consultation_results(consultation=consultation)
            content.figures.append(consultation_figure(results))
            content.tables += consultation_tables(results, region=meeting.series.region)
        return content


def borda_explanation() -> str:
    return _(
        "Ranks are aggregated by the Borda count: with N candidate priorities, a first choice "
        "scores N points, a second N−1, and so on to 1 point for the last one ranked; a "
        "priority a member did not rank scores nothing. Equal points share a standing."
    )


def consultation_figure(results: selectors.ConsultationResults) -> charts.Figure:
    return charts.Figure(
        id=f"chart-consultation-{results.consultation.pk}",
        title=_("%(title)s: Borda points") % {"title": results.consultation.title},
        spec=charts.horizontal_bars(
            [
                {"priority": score.option.label, "points": score.points}
                for score in results.overall.scores
            ],
            label="priority",
            value="points",
            label_title=_("Priority"),
            value_title=_("Borda points"),
        ),
    )


def consultation_tables(
    results: selectors.ConsultationResults, *, region: object = None
) -> list[Table]:
    title = results.consultation.title
    columns = [
        Column(_("Standing"), "int", 9),
        Column(_("Priority"), width=44),
        Column(_("Borda points"), "int", 12),
        Column(_("First choices"), "int", 10),
        Column(_("Ranked by"), "int", 10),
        Column(_("Mean rank"), "decimal", 10),
    ]

    def rows(group: selectors.GroupResult) -> list[tuple[object, ...]]:
        return [
            (
                score.standing,
                score.option.label,
                score.points,
                score.first_choices,
                score.ranked_by,
                round(score.mean_rank, 2) if score.mean_rank is not None else None,
            )
            for score in group.scores
        ]

    tables = [
        Table(
            columns=columns,
            rows=rows(results.overall),
            title=_("%(title)s: all regions") % {"title": title},
        )
    ]
    for group in results.regions:
        if region is not None and group.region != region:
            continue
        tables.append(
            Table(
                columns=columns,
                rows=rows(group),
                title=_("%(title)s: %(region)s")
                % {"title": title, "region": group.region.name if group.region else ""},
            )
        )
    participation = [
        (
            group.region.name if group.region else "",
            group.eligible,
            group.responded,
            group.participation,
        )
        for group in results.regions
    ]
    participation.append(
        (
            _("All regions"),
            results.overall.eligible,
            results.overall.responded,
            results.overall.participation,
        )
    )
    tables.append(
        Table(
            columns=[
                Column(_("Region"), width=30),
                Column(_("Members asked"), "int", 12),
                Column(_("Answered"), "int", 12),
                Column(_("Participation"), "percent", 12),
            ],
            rows=participation,
            title=_("%(title)s: participation") % {"title": title},
        )
    )
    if results.comments:
        tables.append(
            Table(
                columns=[Column(_("Member"), width=28), Column(_("Comment"), width=80)],
                rows=[(member.country_name, comment) for member, comment in results.comments],
                title=_("%(title)s: comments") % {"title": title},
            )
        )
    return tables


# The brief, in order. The coordination sections (coverage matrix and map, top gaps, open
# overlaps, regional synergies, strategy indicators, funding overview) go where marked, each a
# Section subclass reading the coordination app's selectors (see the package docstring).
SECTIONS: list[type[Section]] = [
    CoverSection,
    ParticipantsSection,
    AgendaSection,
    BilateralsSection,
    DecisionsSection,
    CarriedItemsSection,
    DataFreshnessSection,
    ActivitiesSection,
    # ← coordination sections here
    *COORDINATION_SECTIONS,
    ConsultationSection,
]
