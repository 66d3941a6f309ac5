"""Reads on import runs: partner editors see their own runs, the secretariat all."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from cbcoord.accounts.permissions import is_secretariat, is_signed_in
from cbcoord.activities.models import Activity
from cbcoord.activities.selectors import activity_visible
from cbcoord.imports.models import ImportRefusal, ImportRun


def import_run_visible(user: Any) -> QuerySet[ImportRun]:
    runs = ImportRun.objects.select_related("user")
    if is_secretariat(user):
        return runs
    if not is_signed_in(user):
        return runs.none()
    return runs.filter(user=user)


def import_run_get(*, user: Any, pk: int) -> ImportRun:
    try:
        return import_run_visible(user).get(pk=pk)
    except ImportRun.DoesNotExist as error:
        raise Http404(f"No import run {pk} that you may see.") from error


def import_run_refusals(run: ImportRun) -> QuerySet[ImportRefusal]:
    return run.refusals.order_by("line", "pk")


def import_run_warned_activities(*, user: Any, run: ImportRun) -> QuerySet[Activity]:
    """Activities last written by ``run`` that carry data-quality warnings."""
    return (
        activity_visible(user)
        .filter(import_run=run)
        .exclude(warnings=[])
        .order_by("iati_identifier")
    )
