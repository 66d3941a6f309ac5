from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cbcoord.core.reference import LoadReport


class CoordinationConfig(AppConfig):
    name = "cbcoord.coordination"
    label = "coordination"
    verbose_name = _("Coordination")

    def load_reference(self, report: LoadReport) -> None:
        """The exchange rates amounts are converted with (``data/exchange_rates.csv``)."""
        from cbcoord.coordination.rates import load_rates

        load_rates(report)
