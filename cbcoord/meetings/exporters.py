"""Downloads of the meetings app: consultation results, action items."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Prefetch
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import Field

from cbcoord.core.exporters import Column, Exporter, register
from cbcoord.core.filters import FilterProblem, FilterSet
from cbcoord.meetings import selectors
from cbcoord.meetings.models import ActionStatus, Consultation, ProgressNote


def _filter(default: Any, title: Promise, description: str) -> Any:
    """A filter field; its title is translated when read (``FilterSet.described``)."""
    return Field(default, title=title, description=description)  # type: ignore[call-overload]


class ConsultationFilters(FilterSet):
    consultation: str | None = _filter(None, _("Consultation"), "The consultation's key.")

    def problems(self, user: Any = None) -> list[FilterProblem]:
        if not self.consultation:
            return [FilterProblem("consultation", "", str(_("name the consultation")))]
        if not Consultation.objects.filter(key=self.consultation).exists():
            return [
                FilterProblem("consultation", self.consultation, str(_("no such consultation")))
            ]
        return []


@register
class ConsultationResultsExporter(Exporter):
    """The Borda count of a consultation, among every member asked and per region."""

    identifier = "consultation-results"
    title = _("Consultation results")
    filters = ConsultationFilters
    columns = (
        Column("group", _("Region"), width=30),
        Column("standing", _("Standing"), "int"),
        Column("priority", _("Priority"), width=50),
        Column("points", _("Borda points"), "int"),
        Column("first", _("First choices"), "int"),
        Column("ranked_by", _("Ranked by"), "int"),
        Column("mean_rank", _("Mean rank"), "decimal"),
        Column("eligible", _("Members asked"), "int"),
        Column("responded", _("Answered"), "int"),
        Column("participation", _("Participation"), "percent"),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        consultation = selectors.consultation_get(user=user, key=filters.consultation)
        results = selectors.consultation_results(consultation=consultation)
        for group in [results.overall, *results.regions]:
            name = group.region.name if group.region else str(_("All regions"))
            for score in group.scores:
                yield (
                    name,
                    score.standing,
                    score.option.label,
                    score.points,
                    score.first_choices,
                    score.ranked_by,
                    round(score.mean_rank, 2) if score.mean_rank is not None else None,
                    group.eligible,
                    group.responded,
                    round(group.participation, 4),
                )


class ActionItemFilters(FilterSet):
    series: str | None = _filter(None, _("Series"), "A meeting series' key.")
    status: str | None = _filter(None, _("Status"), "open, in_progress, done or dropped.")
    pending: bool = _filter(False, _("Open only"), "Open and in progress only.")

    def problems(self, user: Any = None) -> list[FilterProblem]:
        if self.status and self.status not in ActionStatus.values:
            return [FilterProblem("status", self.status, str(_("not a status")))]
        return []


@register
class ActionItemsExporter(Exporter):
    """Action items of the meetings the user may read, with their progress."""

    identifier = "action-items"
    title = _("Action items")
    filters = ActionItemFilters
    columns = (
        Column("series", _("Series"), width=30),
        Column("meeting", _("Meeting"), width=30),
        Column("meeting_date", _("Meeting date"), "date"),
        Column("action", _("Action"), width=60),
        Column("owner", _("Owner organisation"), width=24),
        Column("person", _("Owner"), width=20),
        Column("due", _("Due date"), "date"),
        Column("status", _("Status")),
        Column("progress", _("Progress"), width=60),
    )

    def rows(self, *, user: Any, filters: Any) -> Iterable[Sequence[Any]]:
        items = (
            selectors.action_item_visible(user)
            .select_related("meeting__series", "owner_organisation", "owner_person")
            .prefetch_related(
                Prefetch("notes", queryset=ProgressNote.objects.order_by("noted_on", "pk"))
            )
            .order_by("meeting__start_date", "due_date", "pk")
        )
        if filters.series:
            items = items.filter(meeting__series__key=filters.series)
        if filters.status:
            items = items.filter(status=filters.status)
        if filters.pending:
            items = items.filter(status__in=ActionStatus.pending())
        for item in items:
            yield (
                item.meeting.series.name,
                item.meeting.title,
                item.meeting.start_date,
                item.text,
                item.owner_organisation.display_name,
                item.owner_person.name if item.owner_person else "",
                item.due_date,
                item.get_status_display(),
                " | ".join(
                    f"{note.noted_on.isoformat()}: {note.text}" for note in item.notes.all()
                ),
            )
