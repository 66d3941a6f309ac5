"""Needs of member administrations, their links to the activities that answer them, and the
members' WTO Trade Facilitation Agreement commitments.

A need belongs to a member; it names the instrument provisions it concerns and carries a
visibility level like an activity (``registry.visibility``): the member's administration owns
it. Its ``regions`` (the member's WCO region) are derived by the services, so that the shared
visibility rule can find the coordination group.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cbcoord.core.models import DemoFlagged, TimeStampedModel
from cbcoord.core.validators import validate_xml_text
from cbcoord.registry.visibility import Visibility

__all__ = [
    "Delivery",
    "LinkState",
    "MemberPosition",
    "Need",
    "NeedActivityLink",
    "NeedPriority",
    "NeedSource",
    "NeedStatus",
    "TfaCategory",
    "TfaCommitment",
    "Visibility",
]


class NeedPriority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class NeedSource(models.TextChoices):
    DIAGNOSTIC = "diagnostic_mission", _("Diagnostic mission")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    TFA_CATEGORY_C = "tfa_category_c", _("WTO TFA category C notification")
    STRATEGIC_PLAN = "strategic_plan", _("Strategic-plan consultation")
    MEETING = "meeting_decision", _("Meeting decision")
    OTHER = "other", _("Other")


class NeedStatus(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    SUPPORT_SOUGHT = "support_sought", _("Support sought")
    SUPPORTED = "supported", _("Supported")
    MET = "met", _("Met")
    DROPPED = "dropped", _("Dropped")

    @classmethod
    def open_statuses(cls) -> list[NeedStatus]:
        """Needs that still look for (or have) support: matching suggests activities for them."""
        return [cls.IDENTIFIED, cls.SUPPORT_SOUGHT, cls.SUPPORTED]


class MemberPosition(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")


class Need(TimeStampedModel, DemoFlagged):
    key = models.CharField(
        _("key"),
        max_length=40,
        unique=True,
        editable=False,
        help_text=_("Stable public identifier, e.g. NEED-DO-0001."),
    )
    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="needs", verbose_name=_("member")
    )
    provisions = models.ManyToManyField(
        "frameworks.Provision", related_name="needs", verbose_name=_("provisions")
    )
    description = models.TextField(_("description"), validators=[validate_xml_text])
    priority = models.CharField(
        _("priority"), max_length=10, choices=NeedPriority.choices, default=NeedPriority.MEDIUM
    )
    source = models.CharField(_("source"), max_length=30, choices=NeedSource.choices)
    source_reference = models.CharField(
        _("source reference"),
        max_length=500,
        blank=True,
        validators=[validate_xml_text],
        help_text=_("The report, notification or meeting the need comes from."),
    )
    identified_on = models.DateField(_("date identified"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NeedStatus.choices,
        default=NeedStatus.IDENTIFIED,
        db_index=True,
    )
    estimated_cost = models.DecimalField(
        _("estimated cost"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO 4217 code, e.g. USD.")
    )
    estimated_duration_months = models.PositiveSmallIntegerField(
        _("estimated duration (months)"), null=True, blank=True
    )
    evidence_links = models.JSONField(
        _("evidence links"), default=list, blank=True, help_text=_("http(s) addresses.")
    )
    window_start = models.DateField(
        _("support wanted from"),
        null=True,
        blank=True,
        help_text=_("Activities are suggested when their dates overlap this window."),
    )
    window_end = models.DateField(_("support wanted until"), null=True, blank=True)

    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.COORDINATION
    )
    visible_to = models.ManyToManyField(
        "registry.Organisation",
        blank=True,
        related_name="needs_shared_with",
        verbose_name=_("visible to organisations"),
    )
    regions = models.ManyToManyField(
        "registry.Region",
        blank=True,
        editable=False,
        related_name="needs",
        verbose_name=_("WCO regions"),
        help_text=_("The member's region, derived: who belongs to the coordination group."),
    )

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_by_organisation = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs_recorded",
        verbose_name=_("reported by organisation"),
        help_text=_("The organisation that reported the need (a partner's diagnostic, say)."),
    )
    member_position = models.CharField(
        _("member's position"),
        max_length=20,
        choices=MemberPosition.choices,
        default=MemberPosition.UNCONFIRMED,
    )
    member_comment = models.TextField(
        _("member's comment"), blank=True, validators=[validate_xml_text]
    )
    member_position_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("position given by"),
    )
    member_position_at = models.DateTimeField(_("position given on"), null=True, blank=True)
    wco_comment = models.TextField(
        _("WCO secretariat's comment"), blank=True, validators=[validate_xml_text]
    )
    tfa_commitment = models.ForeignKey(
        "TfaCommitment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("TFA commitment"),
        help_text=_("The category C commitment this need stands for."),
    )

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["-identified_on", "key"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.UniqueConstraint(
                fields=["tfa_commitment"],
                condition=Q(tfa_commitment__isnull=False),
                name="one_need_per_tfa_commitment",
            ),
            models.CheckConstraint(
                condition=Q(window_end__isnull=True)
                | Q(window_start__isnull=True)
                | Q(window_end__gte=models.F("window_start")),
                name="need_window_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.short_description}"

    @property
    def short_description(self) -> str:
        text = " ".join(self.description.split())
        return text if len(text) <= 90 else text[:89] + "…"


class LinkState(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class Delivery(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Not confirmed by the member")
    CONFIRMED = "confirmed", _("Delivered, says the member")
    DISPUTED = "disputed", _("Disputed by the member")


class NeedActivityLink(TimeStampedModel):
    """An activity that answers (or, rejected, does not answer) a need."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="links", verbose_name=_("need")
    )
    activity = models.ForeignKey(
        "activities.Activity",
        on_delete=models.CASCADE,
        related_name="need_links",
        verbose_name=_("activity"),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=LinkState.choices, default=LinkState.SUGGESTED
    )
    reasons = models.JSONField(
        _("reasons"),
        default=list,
        blank=True,
        help_text=_("Why matching suggested the activity, when it was confirmed or rejected."),
    )
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed or rejected by"),
    )
    confirmed_by_organisation = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed or rejected by organisation"),
    )
    confirmed_at = models.DateTimeField(_("confirmed or rejected on"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, validators=[validate_xml_text])
    delivery = models.CharField(
        _("delivery"), max_length=20, choices=Delivery.choices, default=Delivery.UNCONFIRMED
    )
    delivery_comment = models.TextField(
        _("member's comment on the delivery"), blank=True, validators=[validate_xml_text]
    )
    delivery_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivery confirmed by"),
    )
    delivery_at = models.DateTimeField(_("delivery confirmed on"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["need", "-score"]
        verbose_name = _("need–activity link")
        verbose_name_plural = _("need–activity links")
        constraints = [
            models.UniqueConstraint(fields=["need", "activity"], name="unique_need_activity")
        ]

    def __str__(self) -> str:
        return f"{self.need_id} ↔ {self.activity_id} ({self.state})"


class TfaCategory(models.TextChoices):
    A = "A", _("Category A: implemented on entry into force")
    B = "B", _("Category B: after a transition period")
    C = "C", _("Category C: after a transition period, with technical assistance")


class TfaCommitment(TimeStampedModel, DemoFlagged):
    """A member's notified category for one TFA measure (WTO TFA Database). A measure split
    across categories (some sub-paragraphs A, others C) has one row per category."""

    member = models.ForeignKey(
        "registry.Member",
        on_delete=models.CASCADE,
        related_name="tfa_commitments",
        verbose_name=_("member"),
    )
    measure = models.ForeignKey(
        "frameworks.Provision",
        on_delete=models.PROTECT,
        related_name="tfa_commitments",
        verbose_name=_("measure"),
        limit_choices_to={"instrument__code": "TFA", "children__isnull": True},
    )
    category = models.CharField(_("category"), max_length=1, choices=TfaCategory.choices)
    indicative_date = models.DateField(_("indicative date"), null=True, blank=True)
    definitive_date = models.DateField(_("definitive date"), null=True, blank=True)
    ta_requirement = models.TextField(
        _("technical-assistance requirement"),
        blank=True,
        validators=[validate_xml_text],
        help_text=_("Category C: the assistance the member notified it needs."),
    )
    source = models.TextField(_("source"), blank=True, help_text=_("The page the row was read on."))
    source_note = models.TextField(_("source note"), blank=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["member__name", "measure__sort_order", "category"]
        verbose_name = _("TFA commitment")
        verbose_name_plural = _("TFA commitments")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "measure", "category"], name="unique_tfa_commitment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.measure.code}: {self.category}"

    @property
    def measure_number(self) -> str:
        return self.measure.code.removeprefix("TFA-")
