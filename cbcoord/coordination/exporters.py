"""Downloads of every coordination table (``cbcoord.core.exporters``): the view
``/exports/<identifier>.csv``, the API route ``/api/exports/<identifier>`` and ``cbcoord
export <identifier> --region AMC``. Rows come from the same selectors as the pages, read as
the one who asks; the applied filters head the file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from cbcoord.coordination import selectors
from cbcoord.coordination.filters import (
    AnalysisFilters,
    ClashFilters,
    FundingFilters,
    SynergyFilters,
)
from cbcoord.core.exporters import Column, Exporter, register

MONEY_COLUMNS = (
    Column("committed", _("Committed"), "money", width=16),
    Column("disbursed", _("Disbursed"), "money", width=16),
    Column("budgeted", _("Budgeted"), "money", width=16),
    Column("not_converted", _("Amounts without a rate"), "int", width=12),
    Column("currency", _("Currency"), width=8),
)


def money_values(money: selectors.Money | None, currency: str) -> tuple[Any, ...]:
    money = money or selectors.Money(currency)
    return (
        money.committed.amount,
        money.disbursed.amount,
        money.budgeted.amount,
        money.missing,
        currency,
    )


@register
class MatrixExporter(Exporter):
    identifier = "coordination-matrix"
    title = _("Coverage matrix")
    description = _("Members × instrument areas: partners, activities, amounts and open needs.")
    filters = AnalysisFilters
    columns = (
        Column("member", _("Member"), width=24),
        Column("iso", _("ISO code"), width=8),
        Column("area", _("Area"), width=12),
        Column("area_title", _("Area title"), width=40),
        Column("activities", _("Activities"), "int"),
        Column("partners", _("Partners"), width=30),
        *MONEY_COLUMNS,
        Column("open_needs", _("Open needs"), "int"),
        Column("supported_needs", _("Needs with confirmed support"), "int"),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        matrix = selectors.coverage_matrix(user=user, filters=filters)
        for member, cells in matrix.rows():
            for cell in cells:
                if cell is None:
                    continue
                yield (
                    member.country_name,
                    member.iso_code,
                    cell.area.code,
                    cell.area.title,
                    cell.activities,
                    [partner.display_name for partner in cell.partners],
                    *money_values(cell.money, matrix.scope.currency),
                    cell.open_needs,
                    cell.supported_needs,
                )


@register
class SupportExporter(Exporter):
    identifier = "who-supports-whom"
    title = _("Who supports whom")
    description = _("Partners × members: activities, amounts and provisions.")
    filters = AnalysisFilters
    columns = (
        Column("member", _("Member"), width=24),
        Column("iso", _("ISO code"), width=8),
        Column("partner", _("Partner"), width=20),
        Column("activities", _("Activities"), "int"),
        Column("areas", _("Provisions"), width=40),
        *MONEY_COLUMNS,
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        found = selectors.who_supports_whom(user=user, filters=filters)
        for member, cells in found.rows():
            for partner, cell in zip(found.partners, cells, strict=True):
                if cell is None:
                    continue
                yield (
                    member.country_name,
                    member.iso_code,
                    partner.display_name,
                    cell.activities,
                    [area.code for area in cell.areas],
                    *money_values(cell.money, found.scope.currency),
                )


@register
class GapsExporter(Exporter):
    identifier = "gaps"
    title = _("Gaps")
    description = _("Open needs without confirmed support, by priority then age.")
    filters = AnalysisFilters
    columns = (
        Column("need", _("Need"), width=16),
        Column("member", _("Member"), width=24),
        Column("iso", _("ISO code"), width=8),
        Column("provisions", _("Provisions"), width=20),
        Column("description", _("Description"), width=60),
        Column("priority", _("Priority")),
        Column("status", _("Status")),
        Column("identified_on", _("Date identified"), "date", width=12),
        Column("age_days", _("Age (days)"), "int"),
        Column("suggestions", _("Suggested activities"), width=40),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        page = 1
        while True:
            found = selectors.gaps(user=user, filters=filters, page=page, page_size=200)
            for row in found.rows:
                yield (
                    row.need.key,
                    row.need.member.country_name,
                    row.need.member.iso_code,
                    row.provisions,
                    row.need.description,
                    row.need.get_priority_display(),
                    row.need.get_status_display(),
                    row.need.identified_on,
                    row.age_days,
                    [s.activity.iati_identifier for s in row.suggestions if s.activity],
                )
            if not found.has_next:
                return
            page += 1


@register
class OverlapsExporter(Exporter):
    identifier = "overlaps"
    title = _("Overlaps")
    description = _("Activities of two partners on the same member and provision at once.")
    filters = AnalysisFilters
    columns = (
        Column("member", _("Member"), width=24),
        Column("provision", _("Provision"), width=12),
        Column("first", _("Activity"), width=30),
        Column("first_partner", _("Partner"), width=16),
        Column("second", _("Other activity"), width=30),
        Column("second_partner", _("Other partner"), width=16),
        Column("state", _("State"), width=16),
        Column("note", _("Note"), width=40),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        found = selectors.overlaps(
            user=user, filters=filters, page=1, page_size=10_000, limit=10_000
        )
        for row in found.rows:
            yield (
                row.member.country_name,
                row.provision.code,
                row.first.iati_identifier,
                row.first.reporting_org.display_name,
                row.second.iati_identifier,
                row.second.reporting_org.display_name,
                row.state,
                row.mark.note if row.mark else "",
            )


@register
class SynergiesExporter(Exporter):
    identifier = "synergies"
    title = _("Regional synergies")
    description = _("Provisions with open needs in at least k members, and who is active there.")
    filters = SynergyFilters
    columns = (
        Column("area", _("Provision"), width=12),
        Column("title", _("Title"), width=40),
        Column("members", _("Members with open needs"), width=40),
        Column("member_count", _("Members"), "int"),
        Column("needs", _("Needs"), width=30),
        Column("partners", _("Partners active in the region"), width=40),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        for item in selectors.synergies(user=user, filters=filters):
            yield (
                item.area.code,
                item.area.title,
                [m.country_name for m in item.members],
                len(item.members),
                [n.key for n in item.needs],
                [f"{org.display_name} ({n})" for org, n in item.partners],
            )


MISSION_COLUMNS = (
    Column("member", _("Administration"), width=24),
    Column("partner", _("Partner"), width=16),
    Column("activity", _("Activity"), width=30),
    Column("kind", _("Kind"), width=14),
    Column("start", _("From"), "date", width=12),
    Column("end", _("Until"), "date", width=12),
)


def mission_values(mission: Any) -> tuple[Any, ...]:
    return (
        mission.member.country_name,
        mission.activity.reporting_org.display_name,
        mission.activity.iati_identifier,
        mission.get_kind_display(),
        mission.start_date,
        mission.end_date,
    )


@register
class MissionsExporter(Exporter):
    identifier = "missions"
    title = _("Missions")
    description = _("Missions to the administrations, by date.")
    filters = AnalysisFilters
    columns = (*MISSION_COLUMNS, Column("note", _("Note"), width=40))

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        for mission in selectors.mission_list(user=user, filters=filters):
            yield (*mission_values(mission), mission.note)


@register
class ClashesExporter(Exporter):
    identifier = "mission-clashes"
    title = _("Mission clashes")
    description = _("Missions of different partners in one administration close together.")
    filters = ClashFilters
    columns = (
        Column("days_apart", _("Days apart"), "int"),
        *MISSION_COLUMNS,
        Column("other_partner", _("Other partner"), width=16),
        Column("other_activity", _("Other activity"), width=30),
        Column("other_kind", _("Other kind"), width=14),
        Column("other_start", _("Other from"), "date", width=12),
        Column("other_end", _("Other until"), "date", width=12),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        for clash in selectors.mission_clashes(user=user, filters=filters):
            yield (
                clash.days_apart,
                *mission_values(clash.first),
                *mission_values(clash.second)[1:],
            )


@register
class FundingExporter(Exporter):
    identifier = "funding"
    title = _("Funding")
    description = _("Amounts by partner, member, instrument or year, in one currency.")
    filters = FundingFilters
    columns = (
        Column("label", _("Row"), width=24),
        Column("activities", _("Activities"), "int"),
        *MONEY_COLUMNS,
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        found = selectors.funding(user=user, filters=filters)
        currency = filters.currency.upper()
        for row in [*found.rows, found.total]:
            yield (row.label, row.activities, *money_values(row.money, currency))


@register
class IndicatorsExporter(Exporter):
    identifier = "indicators"
    title = _("Strategy indicators")
    description = _("Targeted, coordinated and resourced, for a region and period.")
    filters = AnalysisFilters
    columns = (
        Column("indicator", _("Indicator"), width=30),
        Column("value", _("Value"), "percent", width=12),
        Column("part", _("Part"), "money", width=16),
        Column("whole", _("Whole"), "money", width=16),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        found = selectors.indicators(user=user, filters=filters)
        yield (
            str(_("Targeted: support tied to recorded needs")),
            found.targeted,
            found.support_for_needs.amount,
            found.support_total.amount,
        )
        yield (
            str(_("Coordinated: overlaps resolved")),
            found.coordinated,
            found.overlaps_resolved,
            found.overlaps,
        )
        yield (
            str(_("Resourced: support against the cost of open high-priority needs")),
            found.resourced,
            found.supported_amount.amount,
            found.high_priority_cost.amount,
        )


@register
class ProjectSuggestionsExporter(Exporter):
    identifier = "project-suggestions"
    title = _("Possible co-financed projects")
    description = _("Activities of two publishers that may report one project.")
    filters = AnalysisFilters
    columns = (
        Column("first", _("Activity"), width=30),
        Column("first_partner", _("Partner"), width=16),
        Column("second", _("Other activity"), width=30),
        Column("second_partner", _("Other partner"), width=16),
        Column("score", _("Score"), "int"),
        Column("reasons", _("Reasons"), width=60),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        for item in selectors.project_suggestions(user=user, filters=filters, limit=1000):
            yield (
                item.first.iati_identifier,
                item.first.reporting_org.display_name,
                item.second.iati_identifier,
                item.second.reporting_org.display_name,
                item.score,
                item.reasons,
            )
