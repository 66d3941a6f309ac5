"""What the coordination view keeps of its own: the exchange rates it converts amounts with."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
