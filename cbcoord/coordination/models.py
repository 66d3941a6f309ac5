"""What the coordination view keeps of its own.

- ``ExchangeRate``: the rates amounts are converted with.
- Records people write: ``Mission`` (a dated mission of an activity to a beneficiary
  administration), ``OverlapMark`` (a coordinator's verdict on an overlap), ``ProjectLink``
  (two activities that report the same project, suggested and confirmed by the secretariat).
- Facts derived from activities (``facts.py`` writes them, never by hand): ``CoverageFact``
  (activity × member × provision × year × currency, with the year's amounts), ``ActivityFact``
  (one per activity with facts: its fingerprint), ``FactChange`` (the change log database
  triggers write on every change to an activity, its tags, countries, regions or named
  organisations; ``facts.refresh`` reads it before each analysis).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cbcoord.core.models import DemoFlagged, TimeStampedModel
from cbcoord.core.validators import validate_xml_text


class ExchangeRate(models.Model):
    """A year's average rate of one currency: units of it per 1 US dollar."""

    year = models.PositiveSmallIntegerField(_("year"))
    currency = models.CharField(_("currency"), max_length=3)
    units_per_usd = models.DecimalField(_("units per US dollar"), max_digits=24, decimal_places=10)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["currency", "year"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "year"], name="unique_rate_per_year"),
            models.CheckConstraint(condition=models.Q(units_per_usd__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.currency} {self.units_per_usd}/USD"


# --------------------------------------------------------------------------- records


class MissionKind(models.TextChoices):
    DIAGNOSTIC = "diagnostic", _("Diagnostic")
    SCOPING = "scoping", _("Scoping")
    TRAINING = "training", _("Training")
    ADVISORY = "advisory", _("Advisory")
    EXPERT_VISIT = "expert_visit", _("Expert visit")


class Mission(TimeStampedModel, DemoFlagged):
    """A dated mission of an activity to a beneficiary administration. Read by whoever may
    read its activity; recorded by the reporting partner's editors and the secretariat."""

    activity = models.ForeignKey(
        "activities.Activity",
        on_delete=models.CASCADE,
        related_name="missions",
        verbose_name=_("activity"),
    )
    member = models.ForeignKey(
        "registry.Member",
        on_delete=models.PROTECT,
        related_name="missions",
        verbose_name=_("beneficiary administration"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MissionKind.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=500, blank=True, validators=[validate_xml_text])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["start_date", "pk"]
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        indexes = [models.Index(fields=["member", "start_date"], name="mission_by_member")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="mission_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date}–{self.end_date}"


class OverlapVerdict(models.TextChoices):
    COMPLEMENTARY = "complementary", _("Complementary")
    DUPLICATION = "duplication", _("Duplication to resolve")


class OverlapMark(TimeStampedModel, DemoFlagged):
    """A coordinator's verdict on an overlap: two activities (``first`` has the lower id) on
    one member and provision. ``fingerprint`` is the activities' material fields (dates,
    countries, regions, provisions, amounts) when it was marked: the mark holds while they
    stay so, and the overlap is flagged again once they change."""

    first = models.ForeignKey(
        "activities.Activity",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("activity"),
    )
    second = models.ForeignKey(
        "activities.Activity",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("other activity"),
    )
    member = models.ForeignKey(
        "registry.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("member")
    )
    provision = models.ForeignKey(
        "frameworks.Provision",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("provision"),
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=OverlapVerdict.choices)
    note = models.TextField(_("note"), blank=True, validators=[validate_xml_text])
    fingerprint = models.CharField(max_length=64, editable=False)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )

    class Meta:
        verbose_name = _("overlap mark")
        verbose_name_plural = _("overlap marks")
        constraints = [
            models.UniqueConstraint(
                fields=["first", "second", "member", "provision"], name="one_mark_per_overlap"
            ),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="overlap_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id}/{self.second_id} {self.verdict}"


class LinkDecision(models.TextChoices):
    CONFIRMED = "confirmed", _("Same project")
    REJECTED = "rejected", _("Not the same project")


class ProjectLink(TimeStampedModel, DemoFlagged):
    """Two activities reporting the same project (the funder's and the implementer's IATI
    records, say), as the secretariat decided. Confirmed links join activities into one
    project (the connected group), which counts once in every total."""

    first = models.ForeignKey(
        "activities.Activity",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("activity"),
    )
    second = models.ForeignKey(
        "activities.Activity",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("other activity"),
    )
    decision = models.CharField(_("decision"), max_length=20, choices=LinkDecision.choices)
    note = models.TextField(_("note"), blank=True, validators=[validate_xml_text])
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("project link")
        verbose_name_plural = _("project links")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_link_per_pair"),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="project_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id}={self.second_id} {self.decision}"


# --------------------------------------------------------------------------- facts


class CoverageFact(models.Model):
    """What an activity contributes to one cell of the analyses, in one year: one row per
    member it covers (a recipient country, or a member its recipient region covers) ×
    provision it supports (tags not rejected; none: ``provision`` empty) × year it is active
    in or has amounts dated in × currency of that year's amounts (``primary``: the first of
    them, so that counting rows never counts a second currency). Activities withdrawn or
    decided not relevant have none. Derived by ``facts.py``; visibility is checked when read.
    """

    activity = models.ForeignKey(
        "activities.Activity",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    region = models.ForeignKey(
        "registry.Region",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    member = models.ForeignKey(
        "registry.Member",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(null=True)
    provision = models.ForeignKey(
        "frameworks.Provision",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    #: The provision's ancestors at depths 0 and 1 (itself where it is that shallow), its
    #: depth and its instrument: the matrix's columns at each level, overlaps' "inside".
    area0 = models.ForeignKey(
        "frameworks.Provision",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    area1 = models.ForeignKey(
        "frameworks.Provision",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    depth = models.PositiveSmallIntegerField(null=True)
    instrument = models.ForeignKey(
        "frameworks.Instrument",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    partner = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    status = models.CharField(max_length=10, blank=True)
    visibility = models.CharField(max_length=20)
    start_date = models.DateField(null=True)
    end_date = models.DateField(null=True)
    active = models.BooleanField(default=True)
    via_region = models.BooleanField(default=False)
    primary = models.BooleanField(default=True)
    currency = models.CharField(max_length=3, blank=True)
    committed = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    disbursed = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    budgeted = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    #: A confirmed co-financed project: its first activity's id, and this activity's rank in
    #: it (0: the lead, whose figures count; see ``facts.project_rule``).
    project = models.IntegerField(null=True)
    project_rank = models.PositiveSmallIntegerField(default=0)

    class Meta:
        # The analyses read facts by region, member, partner or activity, each first in one
        # of these; the keys have no index of their own (no constraint either), so that
        # writing a fact writes four indexes (five in a project), not twelve.
        indexes = [
            models.Index(fields=["region", "year", "member"], name="coveragefact_cell"),
            models.Index(fields=["activity"], name="coveragefact_activity"),
            models.Index(fields=["member", "year"], name="coveragefact_member"),
            models.Index(fields=["partner", "year"], name="coveragefact_partner"),
            # counted_q's NOT EXISTS (another activity of the project ranks first): without
            # it PostgreSQL costs that test as a scan of every fact.
            models.Index(
                fields=["project", "project_rank"],
                name="coveragefact_project",
                condition=models.Q(project__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.member_id} {self.provision_id} {self.year}"


class ActivityFact(models.Model):
    """One per activity whose facts are written: the fingerprint of its material fields
    (dates, recipient countries and regions, provisions, amounts) that overlap marks keep."""

    activity = models.OneToOneField(
        "activities.Activity",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
    )
    fingerprint = models.CharField(max_length=64)
    open_end = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.activity_id} {self.fingerprint[:12]}"


class FactChange(models.Model):
    """An activity whose facts must be worked out again (written by database triggers, see
    migration 0003); ``activity_id`` 0 asks for all of them (the catalogue or a region
    changed)."""

    activity_id = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.activity_id)


class FactState(models.Model):
    """One row: the year the facts were last worked out in (open-ended activities run to it);
    on SQLite, the highest activity and tag ids they have seen (``triggers.py`` says why new
    rows are found by these marks there rather than by row triggers)."""

    year = models.PositiveSmallIntegerField()
    activity_mark = models.BigIntegerField(default=0)
    tag_mark = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.year)
