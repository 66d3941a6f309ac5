"""Downloads of the needs list and of the TFA commitments (``cbcoord.core.exporters``): the
view ``/exports/needs.csv``, the API route ``/api/exports/needs`` and ``cbcoord export needs``.
Rows are read through the same selectors as the pages, so the reader's rights hold."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from cbcoord.core.exporters import Column, Exporter, register
from cbcoord.needs import selectors
from cbcoord.needs.filters import NeedFilters, TfaFilters
from cbcoord.needs.models import LinkState, NeedActivityLink


@register
class NeedsExporter(Exporter):
    identifier = "needs"
    title = _("Needs")
    description = _("Needs of member administrations, with the list page's filters.")
    filters = NeedFilters
    columns = (
        Column("key", _("Key"), width=16),
        Column("member", _("Member"), width=24),
        Column("iso", _("ISO code"), width=8),
        Column("region", _("Region"), width=8),
        Column("provisions", _("Provisions"), width=24),
        Column("description", _("Description"), width=60),
        Column("priority", _("Priority")),
        Column("source", _("Source"), width=24),
        Column("source_reference", _("Source reference"), width=30),
        Column("identified_on", _("Date identified"), "date", width=12),
        Column("status", _("Status")),
        Column("member_position", _("Member's position")),
        Column("member_comment", _("Member's comment"), width=30),
        Column("wco_comment", _("WCO secretariat's comment"), width=30),
        Column("estimated_cost", _("Estimated cost"), "money", width=14),
        Column("currency", _("Currency"), width=8),
        Column("estimated_duration_months", _("Estimated duration (months)"), "int", width=12),
        Column("window_start", _("Support wanted from"), "date", width=12),
        Column("window_end", _("Support wanted until"), "date", width=12),
        Column("supporting", _("Supporting activities"), width=30),
        Column("evidence_links", _("Evidence links"), width=30),
        Column("recorded_by_organisation", _("Reported by organisation"), width=20),
        Column("visibility", _("Visibility")),
        Column("is_demo", _("Demo data"), "bool"),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        queryset = (
            selectors.need_rows(selectors.need_list(user=user, filters=filters))
            .select_related("recorded_by_organisation")
            .prefetch_related(
                Prefetch(
                    "links",
                    queryset=NeedActivityLink.objects.filter(
                        state=LinkState.CONFIRMED
                    ).select_related("activity"),
                    to_attr="confirmed",
                )
            )
        )
        for need in queryset.iterator(chunk_size=500):
            yield (
                need.key,
                need.member.country_name,
                need.member.iso_code,
                need.member.region.code,
                [provision.code for provision in need.provisions.all()],
                need.description,
                need.get_priority_display(),
                need.get_source_display(),
                need.source_reference,
                need.identified_on,
                need.get_status_display(),
                need.get_member_position_display(),
                need.member_comment,
                need.wco_comment,
                need.estimated_cost,
                need.currency,
                need.estimated_duration_months,
                need.window_start,
                need.window_end,
                [link.activity.iati_identifier for link in need.confirmed],
                need.evidence_links,
                need.recorded_by_organisation.name if need.recorded_by_organisation else "",
                need.get_visibility_display(),
                need.is_demo,
            )


@register
class TfaCommitmentsExporter(Exporter):
    identifier = "tfa-commitments"
    title = _("WTO TFA commitments")
    description = _("Members' notified TFA categories per measure, with dates and support.")
    filters = TfaFilters
    columns = (
        Column("member", _("Member"), width=24),
        Column("iso", _("ISO code"), width=8),
        Column("region", _("Region"), width=8),
        Column("measure", _("Measure"), width=10),
        Column("measure_title", _("Measure title"), width=40),
        Column("category", _("Category"), width=8),
        Column("indicative_date", _("Indicative date"), "date", width=12),
        Column("definitive_date", _("Definitive date"), "date", width=12),
        Column("ta_requirement", _("Technical-assistance requirement"), width=40),
        Column("supported", _("Confirmed support"), "bool"),
        Column("need", _("Need"), width=16),
        Column("source", _("Source"), width=40),
        Column("source_note", _("Source note"), width=40),
        Column("is_demo", _("Demo data"), "bool"),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        for commitment in selectors.tfa_commitment_list(filters=filters).prefetch_related("needs"):
            need = next(iter(commitment.needs.all()), None)
            yield (
                commitment.member.country_name,
                commitment.member.iso_code,
                commitment.member.region.code,
                commitment.measure.code,
                commitment.measure.title,
                commitment.category,
                commitment.indicative_date,
                commitment.definitive_date,
                commitment.ta_requirement,
                commitment.supported if commitment.category == "C" else None,  # type: ignore[attr-defined]
                need.key if need else "",
                commitment.source,
                commitment.source_note,
                commitment.is_demo,
            )
