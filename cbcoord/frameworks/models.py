"""Instruments (RKC, SAFE, E-commerce FoS, TFA, themes) as hierarchies of coded provisions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cbcoord.core.models import MultilingualTitle, TimeStampedModel


class InstrumentKind(models.TextChoices):
    CONVENTION = "convention", _("Convention")
    FRAMEWORK = "framework", _("Framework of standards")
    AGREEMENT = "agreement", _("Agreement")
    THEMES = "themes", _("Strategic themes")
    STRATEGY = "strategy", _("Strategy")


class Verified(models.Model):
    verification = models.CharField(
        _("verification"),
        max_length=500,
        blank=True,
        help_text=_(
            "'verified', or 'UNVERIFIED: why' when the text comes from recall, not a source."
        ),
    )
    source = models.TextField(_("source"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_verified(self) -> bool:
        return "UNVERIFIED" not in self.verification.upper()


class Instrument(TimeStampedModel, MultilingualTitle, Verified):
    code = models.CharField(_("code"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=InstrumentKind.choices)
    version = models.CharField(_("version"), max_length=200, blank=True)
    publisher = models.CharField(_("publisher"), max_length=100, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class Provision(TimeStampedModel, MultilingualTitle, Verified):
    """A node of an instrument: chapter, standard, pillar, article, measure, theme…

    ``code`` is stable and global (e.g. ``TFA-7.4``, ``RKC-GA-3.1``); other systems use it.
    """

    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.CASCADE,
        related_name="provisions",
        verbose_name=_("instrument"),
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    number = models.CharField(_("number"), max_length=20, blank=True)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["instrument__sort_order", "sort_order", "code"]
        verbose_name = _("provision")
        verbose_name_plural = _("provisions")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def get_kind_display(self) -> str:
        """The kind of provision in the reader's language (the catalogue's own words)."""
        kind = PROVISION_KINDS.get(self.kind)
        return str(kind) if kind is not None else self.kind


#: The kinds of provision the shipped catalogue uses (``data/provisions.csv``), to translate.
PROVISION_KINDS = {
    "annex": _("annex"),
    "article": _("article"),
    "chapter": _("chapter"),
    "measure": _("measure"),
    "pillar": _("pillar"),
    "principle": _("principle"),
    "priority": _("priority"),
    "standard": _("standard"),
    "theme": _("theme"),
    "transitional_standard": _("transitional standard"),
}


class ProvisionLink(TimeStampedModel):
    """A cross-walk entry: two provisions of different instruments that answer the same need."""

    from_provision = models.ForeignKey(
        Provision, on_delete=models.CASCADE, related_name="links_from", verbose_name=_("from")
    )
    to_provision = models.ForeignKey(
        Provision, on_delete=models.CASCADE, related_name="links_to", verbose_name=_("to")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.TextField(_("source"), blank=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("cross-walk link")
        verbose_name_plural = _("cross-walk links")
        constraints = [
            models.UniqueConstraint(fields=["from_provision", "to_provision"], name="unique_link"),
            models.CheckConstraint(
                condition=~models.Q(from_provision=models.F("to_provision")),
                name="link_joins_two_provisions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_provision.code} ↔ {self.to_provision.code}"
