"""The record of every IATI import run, and of the activities it refused.

The tables keep the names they had when these models lived in the ``iati`` app."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("File refused")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted")


class ImportStage(models.TextChoices):
    """Where a running import is, for its report page."""

    WAITING = "waiting", _("Waiting for another import to finish")
    DOWNLOADING = "downloading", _("Downloading the file")
    CHECKING = "checking", _("Checking the whole file")
    WRITING = "writing", _("Reading and writing activities")
    DONE = "done", _("Done")


#: Where a run's file came from (``ImportRun.source_kind``), as the pages name it.
SOURCE_KINDS = {
    "path": _("file on the server (command line)"),
    "upload": _("uploaded file"),
    "url": _("web address"),
}


class ImportRun(models.Model):
    """One run of the importer over one file: what it read and what it did."""

    source = models.CharField(_("source"), max_length=1000)
    source_kind = models.CharField(_("source kind"), max_length=10)  # path, upload or url
    file_name = models.CharField(_("file name"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    byte_size = models.BigIntegerField(_("size in bytes"), default=0)
    iati_version = models.CharField(_("IATI version"), max_length=10, blank=True)
    strict = models.BooleanField(_("strict"), default=False)
    relevant_only = models.BooleanField(
        _("relevant activities only"),
        default=False,
        help_text=_(
            "Activities that are not customs or border-agency capacity building are skipped."
        ),
    )
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_runs",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    # Moves with every batch written: a running run whose last progress is old has stopped.
    progressed_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=12, choices=ImportStage.choices, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    added = models.PositiveIntegerField(_("added"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    withdrawn = models.PositiveIntegerField(_("withdrawn"), default=0)
    held_back = models.PositiveIntegerField(
        _("held back for hand edits"),
        default=0,
        help_text=_(
            "Newer publisher versions not applied because the activity was edited by hand."
        ),
    )
    with_warnings = models.PositiveIntegerField(_("activities with warnings"), default=0)
    not_relevant = models.PositiveIntegerField(
        _("skipped as not relevant"),
        default=0,
        help_text=_("Activities left out because they are not customs capacity building."),
    )
    # Deviations of the file itself, not of one activity: the root element's attributes (no
    # version, a generated-datetime without a time zone, ...) or no activity at all. Each is
    # {"element": ..., "line": ..., "reason": ...}, as an activity's warnings are.
    file_warnings = models.JSONField(_("file warnings"), default=list, blank=True)

    class Meta:
        db_table = "iati_importrun"
        ordering = ["-started_at"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.file_name or self.source} ({self.get_status_display()})"

    @property
    def shown_status(self) -> str:
        """The status as pages and the API report it: a run still marked running whose
        process has ended is "interrupted"."""
        return ImportStatus.INTERRUPTED if self.stalled else self.status

    def get_shown_status_display(self) -> str:
        return str(ImportStatus(self.shown_status).label)

    def get_source_kind_display(self) -> str:
        """Where the file came from, in the reader's language."""
        kind = SOURCE_KINDS.get(self.source_kind)
        return str(kind) if kind is not None else self.source_kind

    @property
    def stalled(self) -> bool:
        """Still marked running, but without progress for longer than a run ever pauses: the
        process that ran it has ended (a restart, a crash)."""
        if self.status != ImportStatus.RUNNING:
            return False
        last = self.progressed_at or self.started_at
        if last is None:
            return False
        limit = dt.timedelta(minutes=settings.CBCOORD_IMPORT_STALLED_MINUTES)
        return bool(timezone.now() - last > limit)


class ImportRefusal(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="refusals")
    identifier = models.CharField(_("IATI identifier"), max_length=255, blank=True)
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    element = models.CharField(_("element"), max_length=300, blank=True)
    reason = models.TextField(_("reason"))

    class Meta:
        db_table = "iati_importrefusal"
        ordering = ["line", "pk"]
        verbose_name = _("refused activity")
        verbose_name_plural = _("refused activities")

    def __str__(self) -> str:
        return f"{self.identifier or '?'} line {self.line}: {self.reason}"
