"""IATI codelists loaded from the shipped data, and the record of every import run."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Codelist(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    embedded = models.BooleanField(_("embedded in the standard"), default=False)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("IATI codelist")
        verbose_name_plural = _("IATI codelists")

    def __str__(self) -> str:
        return self.name


class CodelistItem(models.Model):
    codelist = models.ForeignKey(Codelist, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=500, blank=True)
    name_fr = models.CharField(_("name (French)"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True)
    is_withdrawn = models.BooleanField(_("withdrawn"), default=False)

    class Meta:
        ordering = ["codelist", "code"]
        verbose_name = _("codelist item")
        verbose_name_plural = _("codelist items")
        constraints = [
            models.UniqueConstraint(fields=["codelist", "code"], name="unique_code_in_codelist")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
