"""``cbcoord tag_activities``: tag activities again with the rules and vocabularies as they
are now (after a coordinator has changed the data files, or for activities imported before
tagging existed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities import derive
from cbcoord.activities.filters import ActivityFilters, Relevance
from cbcoord.activities.models import Activity
from cbcoord.activities.selectors import activity_list
from cbcoord.activities.services import RetagCounts, activities_retag

BATCH_SIZE = 500


class Command(BaseCommand):
    help = (
        "Tag activities again: their relevance (unless a person decided it) and their "
        "suggested provision tags (confirmed, rejected and hand-added tags stay). --all, "
        "--unassessed, or any activity filter (--region AMC, --partner idb, ...). Batched, one "
        "transaction a batch; an interrupted run goes on with --after-id (it prints the last "
        "id done after each batch)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_argument_group("which activities")
        scope.add_argument("--all", action="store_true", help="Every activity, withdrawn too.")
        scope.add_argument("--unassessed", action="store_true", help="Only those not assessed yet.")
        ActivityFilters.add_arguments(scope)  # type: ignore[arg-type]
        parser.add_argument("--after-id", type=int, default=0, help="Start after this id.")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        filtered = any(
            options.get(name) not in (None, "", False)
            for name in ActivityFilters.model_fields
            if name != "sort"
        )
        if not (options["all"] or options["unassessed"] or filtered):
            raise CommandError("Say which activities: --all, --unassessed, or filters.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["all"]:
            queryset = Activity.objects.all()
        else:
            given = dict(options)
            given["relevance"] = given.get("relevance") or Relevance.ALL
            try:
                filters = ActivityFilters.from_options(given, user=SYSTEM)
            except ValueError as error:
                raise CommandError(str(error)) from error
            queryset = activity_list(user=SYSTEM, filters=filters)
        if options["unassessed"]:
            queryset = queryset.filter(is_relevant__isnull=True)
        derive.reload_tagger()  # the data files as they are now
        ids = (
            queryset.filter(pk__gt=options["after_id"]).order_by("pk").values_list("pk", flat=True)
        )
        counts = RetagCounts()
        batch: list[int] = []
        for pk in ids.iterator(chunk_size=5000):
            batch.append(pk)
            if len(batch) >= options["batch_size"]:
                self._batch(batch, counts)
                batch = []
        if batch:
            self._batch(batch, counts)
        self.stdout.write(
            f"Tagged {counts.activities} activities: {counts.relevant} relevant, "
            f"{counts.not_relevant} not relevant, {counts.decided_by_person} decided by a person "
            f"(kept); {counts.tags_suggested} tags suggested."
        )

    def _batch(self, ids: list[int], counts: RetagCounts) -> None:
        activities_retag(activity_ids=ids, counts=counts)
        self.stdout.write(f"  … {counts.activities} activities, up to id {ids[-1]}")
