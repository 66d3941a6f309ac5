"""Capacity-building activities, shaped like IATI activities.

The full IATI content lives in ``data`` (``cbcoord.iati.records.ParsedActivity.to_dict()``), so an
export gives back everything that was imported or entered. What pages filter on is also kept in
columns and small index tables (countries, regions, sectors, participants), written together
with ``data`` by the services, never apart.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from cbcoord.core.fields import WrittenJSONField
from cbcoord.core.i18n import pick_narrative
from cbcoord.core.models import DemoFlagged, NullsFirstIndex, TimeStampedModel
from cbcoord.iati.records import IDENTIFIER_MAX_LENGTH
from cbcoord.registry.visibility import Visibility

__all__ = [
    "Activity",
    "ActivityCountry",
    "ActivityParticipant",
    "ActivityProvision",
    "ActivityRegion",
    "ActivitySector",
    "Origin",
    "Visibility",
]


class DecidedBy(models.TextChoices):
    RULES = "rules", _("cbcoord's rules")
    PERSON = "person", _("a person")


class TagStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class TagSource(models.TextChoices):
    RULES = "rules", _("Rules and vocabularies")
    MANUAL = "manual", _("Added by a person")
    IMPORT = "import", _("Read back from an IATI file")


class Origin(models.TextChoices):
    IMPORT = "import", _("IATI import")
    MANUAL = "manual", _("Entered by hand")


class ActivityHistory(models.Model):
    """What the history of an activity keeps beside its columns: which parts of the IATI
    content (``data``, not kept in the history) a change touched, as the keys of
    ``CONTENT_PARTS`` ("title", "dates", "countries", ...)."""

    changed_parts = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        abstract = True


#: The parts of an activity's IATI content a history entry names, by top-level content key.
CONTENT_PARTS = {
    "title": "title",
    "descriptions": "description",
    "activity_status": "status",
    "activity_dates": "dates",
    "default_currency": "currency",
    "recipient_countries": "countries",
    "recipient_regions": "regions",
    "sectors": "sectors",
    "budgets": "budgets",
    "transactions": "transactions",
    "participating_orgs": "participants",
    "reporting_org": "reporting_org",
}


class Activity(TimeStampedModel, DemoFlagged):
    iati_identifier = models.CharField(
        _("IATI identifier"), max_length=IDENTIFIER_MAX_LENGTH, unique=True
    )
    reporting_org = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.PROTECT,
        related_name="reported_activities",
        verbose_name=_("reporting organisation"),
    )
    title_text = models.CharField(
        _("title"),
        max_length=500,
        blank=True,
        help_text=_("The title in the first available language, for sorting and search."),
    )
    # status, start_date and end_date have no index of their own: the list reads them on its
    # way along an order's index (an index on status made SQLite, which keeps no statistics,
    # read every activity of a status and sort them; see Meta.indexes).
    status = models.CharField(_("activity status"), max_length=10, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    start_date = models.DateField(null=True, blank=True, editable=False)
    end_date = models.DateField(null=True, blank=True, editable=False)
    default_currency = models.CharField(_("default currency"), max_length=3, blank=True)
    hierarchy = models.PositiveSmallIntegerField(_("hierarchy"), null=True, blank=True)
    last_updated_datetime = models.DateTimeField(
        _("last updated (publisher)"), null=True, blank=True
    )
    total_budget = models.DecimalField(
        _("total budget"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    total_commitment = models.DecimalField(
        _("total commitments"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    total_spend = models.DecimalField(
        _("total disbursements and expenditure"),
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
    )
    data = WrittenJSONField(_("IATI content"), default=dict)
    warnings = WrittenJSONField(_("data-quality warnings"), default=list, blank=True)
    content_hash = models.CharField(max_length=64, editable=False)

    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.COORDINATION
    )
    visible_to = models.ManyToManyField(
        "registry.Organisation",
        blank=True,
        related_name="activities_shared_with",
        verbose_name=_("visible to organisations"),
    )
    regions = models.ManyToManyField(
        "registry.Region",
        blank=True,
        related_name="activities",
        verbose_name=_("WCO regions"),
        help_text=_("Derived from the recipient countries and regions."),
    )

    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    import_run = models.ForeignKey(
        "imports.ImportRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("last import run"),
    )
    source_key = models.CharField(
        _("source"),
        max_length=600,
        blank=True,
        db_index=True,
        help_text=_("The URL, or reporting organisation and file name, the activity came from."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index (Meta.indexes): imported activities have none
        verbose_name=_("created by"),
    )
    hand_edited = models.BooleanField(
        _("edited by hand"),
        default=False,
        help_text=_("Edited in cbcoord after import: later imports keep the hand edits."),
    )
    publisher_data = models.JSONField(
        _("publisher's newer version"),
        null=True,
        blank=True,
        help_text=_("A newer publisher version held back because of hand edits."),
    )
    publisher_warnings = models.JSONField(
        _("warnings of the publisher's newer version"), null=True, blank=True
    )
    publisher_updated_at = models.DateTimeField(
        _("publisher's last-updated-datetime"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Of the last version imported; hand edits do not change it."),
    )
    publisher_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Content hash of the last publisher version imported."),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    edited_at = models.DateTimeField(
        _("last edited in cbcoord"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When the content was last entered or edited by hand; the publisher's "
            "last-updated-datetime stays as published."
        ),
    )

    # Is this customs or border-agency capacity building at all? Decided by the tagger
    # (``cbcoord.tagging``) on import and by ``cbcoord tag_activities``, or by a person; None
    # until assessed. Lists and analyses leave out what is decided not relevant (not what is
    # unassessed), with a switch to see everything.
    # No index of its own: the list's order indexes carry it (see Meta.indexes).
    is_relevant = models.BooleanField(_("relevant"), null=True, blank=True)
    relevance_score = models.FloatField(_("relevance score"), null=True, blank=True)
    # db_default: the importer inserts rows with SQL of its own, naming only its columns.
    relevance_evidence = models.JSONField(
        _("why (not) relevant"),
        default=list,
        db_default=[],
        blank=True,
        help_text=_(
            "The evidence the decision rests on: compact items, which pages show as sentences "
            "in the reader's language."
        ),
    )
    relevance_decided_by = models.CharField(
        _("relevance decided by"),
        max_length=10,
        choices=DecidedBy.choices,
        blank=True,
        default="",
        db_default="",
    )

    # The history keeps the bookkeeping columns, not the IATI content nor the warnings (the
    # content's history is told by ``changed_parts``; a history row per import stays small).
    history = HistoricalRecords(
        excluded_fields=[
            "created_at",
            "updated_at",
            "data",
            "warnings",
            "publisher_data",
            "publisher_warnings",
            "relevance_evidence",
        ],
        # An activity's history is read by its id (and date); these columns are kept for
        # the reader, not searched, so an import does not maintain an index of each.
        no_db_index=["iati_identifier", "source_key", "created_by", "import_run", "reporting_org"],
        bases=[ActivityHistory],
    )

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        # A list's page is read from an index in the list's order, stopping at the page's end
        # (``selectors.activity_list``), instead of sorting every activity: one index per
        # order, over the activities not withdrawn (what lists show), the id next so that
        # pages do not overlap. Each is walked forward for one direction and backward for
        # the other (NullsFirstIndex keeps empty values at the same end on PostgreSQL as
        # on SQLite). Visibility and reporting organisation ride along: the visibility
        # rule's first tests, and the bounded count, read them from the index instead of
        # from each activity's row (on SQLite a row holds its 5 KB of content); so does
        # withdrawn_at, always empty here, without which SQLite does not count the index as
        # covering the query (its "withdrawn_at IS NULL" names the column); is_relevant,
        # which every list asks about (relevant ones by default); and status, the filter on a
        # column users choose most (counting status=2 read 25,000 rows at 100,000
        # activities on SQLite: 150 ms; from the index, 9 ms). No index leads
        # with visibility: SQLite, which keeps no statistics, would take "visibility =
        # 'public'" for a selective condition and sort every public activity.
        indexes = [
            models.Index(
                fields=["created_by"],
                name="activity_creator",
                condition=models.Q(created_by__isnull=False),
            ),
            models.Index(
                fields=[
                    "updated_at",
                    "id",
                    "visibility",
                    "reporting_org",
                    "withdrawn_at",
                    "is_relevant",
                    "status",
                ],
                name="activity_recent",
                condition=Q(withdrawn_at__isnull=True),
            ),
            models.Index(
                fields=[
                    "title_text",
                    "id",
                    "visibility",
                    "reporting_org",
                    "withdrawn_at",
                    "is_relevant",
                    "status",
                ],
                name="activity_by_title",
                condition=Q(withdrawn_at__isnull=True),
            ),
            NullsFirstIndex(
                fields=[
                    "start_date",
                    "id",
                    "visibility",
                    "reporting_org",
                    "withdrawn_at",
                    "is_relevant",
                    "status",
                ],
                name="activity_by_start",
                condition=Q(withdrawn_at__isnull=True),
            ),
            NullsFirstIndex(
                fields=[
                    "end_date",
                    "id",
                    "visibility",
                    "reporting_org",
                    "withdrawn_at",
                    "is_relevant",
                    "status",
                ],
                name="activity_by_end",
                condition=Q(withdrawn_at__isnull=True),
            ),
            NullsFirstIndex(
                fields=[
                    "total_budget",
                    "id",
                    "visibility",
                    "reporting_org",
                    "withdrawn_at",
                    "is_relevant",
                    "status",
                ],
                name="activity_by_budget",
                condition=Q(withdrawn_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.iati_identifier}: {self.title_text}"

    @property
    def title(self) -> str:
        """The title in the reader's language (else English, else any), else the stored text.
        Lists load only the title's narratives (``selectors.activity_rows``), not ``data``."""
        if "title_narratives" in self.__dict__:
            narratives = self.__dict__["title_narratives"]
        else:
            narratives = self.data.get("title")
        return pick_narrative(narratives) or self.title_text

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


# The index rows' (activity, code) indexes answer a list filter's EXISTS (has this activity
# this code?) from the index alone, and serve the foreign key's lookups as well.


class ActivityCountry(models.Model):
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="countries", db_index=False
    )
    code = models.CharField(max_length=2, db_index=True)
    percentage = models.DecimalField(max_digits=10, decimal_places=6, null=True)

    class Meta:
        indexes = [models.Index(fields=["activity", "code"], name="activitycountry_codes")]

    def __str__(self) -> str:
        return self.code


class ActivityRegion(models.Model):
    """IATI recipient regions (OECD DAC region codes), not WCO regions."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="recipient_regions"
    )
    code = models.CharField(max_length=40, db_index=True)
    vocabulary = models.CharField(max_length=10, blank=True)
    percentage = models.DecimalField(max_digits=10, decimal_places=6, null=True)

    def __str__(self) -> str:
        return self.code


class ActivitySector(models.Model):
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="sectors", db_index=False
    )
    code = models.CharField(max_length=40, db_index=True)
    vocabulary = models.CharField(max_length=10, blank=True)
    percentage = models.DecimalField(max_digits=10, decimal_places=6, null=True)

    class Meta:
        indexes = [models.Index(fields=["activity", "code"], name="activitysector_codes")]

    def __str__(self) -> str:
        return f"{self.vocabulary}:{self.code}"


class ActivityParticipant(models.Model):
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="participants", db_index=False
    )
    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, null=True, related_name="participations"
    )
    role = models.CharField(max_length=10, blank=True)
    ref = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["activity", "organisation"], name="activityparticipant_orgs")
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.ref or self.name}"


class ActivityProvision(models.Model):
    """An instrument provision an activity supports: a tag, suggested by the rules (with a
    confidence and its evidence), added by a person, or read back from an IATI file; a
    coordinator confirms or rejects suggestions. Confirmed and rejected tags survive
    re-tagging and re-import; analyses count every tag that is not rejected."""

    # No index of its own: the unique (activity, provision) index leads with it. An import
    # writes two tags per activity; each index less is one write less per tag.
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="provision_links", db_index=False
    )
    provision = models.ForeignKey(
        "frameworks.Provision", on_delete=models.CASCADE, related_name="activity_links"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=TagStatus.choices,
        default=TagStatus.CONFIRMED,
        db_default=TagStatus.CONFIRMED,
    )
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=TagSource.choices,
        default=TagSource.MANUAL,
        db_default=TagSource.MANUAL,
    )
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    evidence = models.JSONField(
        _("evidence"),
        default=list,
        db_default=[],
        blank=True,
        help_text=_(
            "Why the tag was suggested: compact items, which pages show as sentences in the "
            "reader's language."
        ),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index (Meta.indexes): suggestions have no reviewer
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "provision"], name="unique_activity_provision"
            )
        ]
        indexes = [
            models.Index(
                fields=["reviewed_by"],
                name="activityprovision_reviewer",
                condition=models.Q(reviewed_by__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return str(self.provision_id)


@receiver(pre_create_historical_record)
def _record_changed_parts(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    """Put the parts of the content a service changed (``Activity._changed_parts``) on the
    history entry it makes."""
    if isinstance(instance, Activity):
        history_instance.changed_parts = list(getattr(instance, "_changed_parts", ()))
