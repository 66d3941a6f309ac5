"""Reads on import runs (partner editors see their own runs, the secretariat all), and the
door to importing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor, user_record
from cbcoord.accounts.permissions import is_secretariat, is_signed_in
from cbcoord.activities.models import Activity
from cbcoord.activities.selectors import activity_visible
from cbcoord.imports.models import ImportRefusal, ImportRun
from cbcoord.imports.permissions import may_import


def import_allowed(user: Actor | None) -> None:
    """The door to importing (pages, API and the command line): raises PermissionDenied
    unless ``user`` may import IATI files. Which activities they may import is the importer's
    rule (``permissions.importing_for``)."""
    if not may_import(user):
        raise PermissionDenied(_("Only the secretariat and partner editors may import IATI files."))


def import_run_visible(user: Actor | None) -> QuerySet[ImportRun]:
    runs = ImportRun.objects.select_related("user")
    if is_secretariat(user):
        return runs
    if not is_signed_in(user):
        return runs.none()
    return runs.filter(user=user_record(user))


def import_run_get(*, user: Actor | None, pk: int) -> ImportRun:
    try:
        return import_run_visible(user).get(pk=pk)
    except ImportRun.DoesNotExist as error:
        raise Http404(f"No import run {pk} that you may see.") from error


def import_run_refusals(run: ImportRun) -> QuerySet[ImportRefusal]:
    return run.refusals.order_by("line", "pk")


def import_run_warned_activities(*, user: Actor | None, run: ImportRun) -> QuerySet[Activity]:
    """Activities last written by ``run`` that carry data-quality warnings."""
    return (
        activity_visible(user)
        .filter(import_run=run)
        .exclude(warnings=[])
        .order_by("iati_identifier")
    )
