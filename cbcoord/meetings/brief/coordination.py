"""The coordination sections of the brief: the meeting's region in the meeting's year, read
through the coordination app's selectors (as the reader), drawn with the same Vega-Lite specs
as the region's coordination page (``coordination.charts``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cbcoord.accounts.actors import Actor
from cbcoord.coordination import charts as coordination_charts
from cbcoord.coordination import selectors as coordination
from cbcoord.coordination.filters import AnalysisFilters, FundingFilters, SynergyFilters
from cbcoord.coordination.rates import Total, source_note
from cbcoord.meetings.brief.base import Column, Section, SectionContent, Table
from cbcoord.meetings.charts import Figure
from cbcoord.meetings.models import Meeting

#: Rows a table of the brief shows at most (the page and its downloads have them all).
LIMIT = 40


def _filters(
    meeting: Meeting, cls: type[AnalysisFilters] = AnalysisFilters
) -> AnalysisFilters | None:
    region = meeting.series.region
    if region is None:
        return None
    return cls(region=region.code, year_from=meeting.start_date.year)


def _figure(chart: coordination_charts.Chart) -> Figure:
    return Figure(id=f"brief-{chart.id}", title=chart.title, spec=chart.spec)


def _amount(total: Total) -> object:
    return total.amount if total.converted else None


def _rates(note: coordination.RatesNote) -> str:
    text = _("Amounts in %(currency)s, converted at the rate of each amount's value-date year.") % {
        "currency": note.currency
    }
    if note.missing_count:
        text += " " + _(
            "%(count)d amounts have no rate for their year and are left out (not counted as zero)."
        ) % {"count": note.missing_count}
    return f"{text} {source_note()}"


class CoverageSection(Section):
    id = "coverage"
    title = gettext_lazy("Coverage matrix")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        filters = _filters(meeting)
        if filters is None:
            return None
        matrix = coordination.coverage_matrix(user=user, filters=filters)
        cells = sorted(
            matrix.cells.values(),
            key=lambda c: (-c.unsupported_needs, -c.activities, c.member.country_name),
        )
        shades = coordination.unsupported_by_member(user=user, filters=filters)
        return SectionContent(
            section=self,
            facts=[
                (_("Year"), meeting.start_date.year),
                (_("Members with activities or needs"), len({c.member.pk for c in cells})),
                (_("Instrument areas"), len(matrix.areas)),
            ],
            paragraphs=[
                _(
                    "Members by instrument area: activities of the year (colour) and open needs "
                    "without confirmed support (red ring)."
                ),
                _rates(matrix.note),
            ],
            figures=[
                _figure(coordination_charts.heatmap(matrix)),
                _figure(coordination_charts.need_map(shades)),
            ],
            tables=[
                Table(
                    columns=[
                        Column(_("Member"), width=22),
                        Column(_("Area"), width=12),
                        Column(_("Activities"), "int", 10),
                        Column(_("Partners"), width=26),
                        Column(_("Committed"), "money", 14),
                        Column(_("Open needs"), "int", 10),
                        Column(_("Without support"), "int", 10),
                    ],
                    rows=[
                        (
                            cell.member.country_name,
                            cell.area.code,
                            cell.activities,
                            ", ".join(p.display_name for p in cell.partners),
                            _amount(cell.money.committed) if cell.money else None,
                            cell.open_needs,
                            cell.unsupported_needs,
                        )
                        for cell in cells[:LIMIT]
                    ],
                    title=_("Cells, needs without support first (the first %(n)d)") % {"n": LIMIT},
                    empty=_("No activity or open need in the region this year."),
                )
            ],
        )


class GapsSection(Section):
    id = "gaps"
    title = gettext_lazy("Top gaps")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        filters = _filters(meeting)
        if filters is None:
            return None
        found = coordination.gaps(user=user, filters=filters, page_size=LIMIT // 2)
        return SectionContent(
            section=self,
            facts=[(_("Open needs without confirmed support"), found.count)],
            tables=[
                Table(
                    columns=[
                        Column(_("Need"), width=16),
                        Column(_("Member"), width=20),
                        Column(_("Provisions"), width=16),
                        Column(_("Priority"), width=10),
                        Column(_("Identified"), "date", 12),
                        Column(_("Description"), width=40),
                        Column(_("Suggested activities"), width=36),
                    ],
                    rows=[
                        (
                            row.need.key,
                            row.need.member.country_name,
                            ", ".join(row.provisions),
                            row.need.get_priority_display(),
                            row.need.identified_on,
                            row.need.short_description,
                            "; ".join(
                                f"{s.activity.reporting_org.display_name}: {s.activity.title}"
                                for s in row.suggestions
                                if s.activity
                            ),
                        )
                        for row in found.rows
                    ],
                    empty=_("No gap."),
                )
            ],
        )


class OverlapsSection(Section):
    id = "overlaps"
    title = gettext_lazy("Open overlaps")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        filters = _filters(meeting)
        if filters is None:
            return None
        found = coordination.overlaps(user=user, filters=filters, page_size=500)
        open_rows = [row for row in found.rows if not row.resolved]
        return SectionContent(
            section=self,
            facts=[
                (_("Overlaps"), found.count if found.exact else f"> {found.count}"),
                (_("Open (not marked complementary, or changed since)"), len(open_rows)),
            ],
            tables=[
                Table(
                    columns=[
                        Column(_("Member"), width=18),
                        Column(_("Provision"), width=12),
                        Column(_("Activity"), width=34),
                        Column(_("Other activity"), width=34),
                        Column(_("State"), width=16),
                    ],
                    rows=[
                        (
                            row.member.country_name,
                            row.provision.code,
                            f"{row.first.reporting_org.display_name}: {row.first.title}",
                            f"{row.second.reporting_org.display_name}: {row.second.title}",
                            row.mark.get_verdict_display()
                            if row.mark and not row.changed
                            else (_("Changed since marked") if row.changed else _("Not marked")),
                        )
                        for row in open_rows[:LIMIT]
                    ],
                    empty=_("No open overlap."),
                )
            ],
        )


class SynergiesSection(Section):
    id = "synergies"
    title = gettext_lazy("Regional synergies")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        filters = _filters(meeting, SynergyFilters)
        if filters is None:
            return None
        found = coordination.synergies(user=user, filters=filters)  # type: ignore[arg-type]
        return SectionContent(
            section=self,
            paragraphs=[
                _(
                    "Provisions on which at least %(k)d members of the region have open needs, "
                    "with the partners already active on them: candidates for a regional programme."
                )
                % {"k": filters.k}  # type: ignore[attr-defined]
            ],
            tables=[
                Table(
                    columns=[
                        Column(_("Provision"), width=12),
                        Column(_("Title"), width=30),
                        Column(_("Members"), width=34),
                        Column(_("Partners active"), width=34),
                    ],
                    rows=[
                        (
                            item.area.code,
                            item.area.title,
                            ", ".join(m.country_name for m in item.members),
                            ", ".join(f"{o.display_name} ({n})" for o, n in item.partners),
                        )
                        for item in found[:LIMIT]
                    ],
                    empty=_("No provision has open needs in that many members."),
                )
            ],
        )


class IndicatorsSection(Section):
    id = "indicators"
    title = gettext_lazy("Strategy indicators")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        filters = _filters(meeting)
        if filters is None:
            return None
        found = coordination.indicators(user=user, filters=filters)
        return SectionContent(
            section=self,
            tables=[
                Table(
                    columns=[
                        Column(_("Indicator"), width=50),
                        Column(_("Value"), "percent", 10),
                        Column(_("Part"), "money", 16),
                        Column(_("Whole"), "money", 16),
                    ],
                    rows=[
                        (
                            _("Targeted: support tied to recorded needs"),
                            found.targeted,
                            found.support_for_needs.amount,
                            found.support_total.amount,
                        ),
                        (
                            _("Coordinated: overlaps resolved"),
                            found.coordinated,
                            found.overlaps_resolved,
                            found.overlaps,
                        ),
                        (
                            _("Resourced: support against the cost of open high-priority needs"),
                            found.resourced,
                            found.supported_amount.amount,
                            found.high_priority_cost.amount,
                        ),
                    ],
                )
            ],
            paragraphs=[source_note()],
        )


class FundingSection(Section):
    id = "funding"
    title = gettext_lazy("Funding overview")

    def data(self, meeting: Meeting, user: Actor | None) -> SectionContent | None:
        filters = _filters(meeting, FundingFilters)
        if filters is None:
            return None
        found = coordination.funding(user=user, filters=filters)  # type: ignore[arg-type]
        columns = [
            Column(_("Partner"), width=24),
            Column(_("Activities"), "int", 10),
            Column(_("Committed"), "money", 16),
            Column(_("Disbursed"), "money", 16),
            Column(_("Budgeted"), "money", 16),
        ]
        rows = [
            (
                row.label,
                row.activities,
                _amount(row.money.committed),
                _amount(row.money.disbursed),
                _amount(row.money.budgeted),
            )
            for row in [*found.rows[:LIMIT], found.total]
        ]
        return SectionContent(
            section=self,
            paragraphs=[_rates(found.note)],
            figures=[_figure(coordination_charts.funding_bars(found))] if found.rows else [],
            tables=[Table(columns=columns, rows=rows, empty=_("No amount this year."))],
        )


COORDINATION_SECTIONS: list[type[Section]] = [
    CoverageSection,
    GapsSection,
    OverlapsSection,
    SynergiesSection,
    IndicatorsSection,
    FundingSection,
]
