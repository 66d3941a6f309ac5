from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cbcoord.core.reference import LoadReport


def _install_triggers(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """The facts' change log is written by triggers, (re)installed after every migrate
    (``triggers.py`` says why not by a migration)."""
    from cbcoord.coordination import triggers

    triggers.install(connections[using])


class CoordinationConfig(AppConfig):
    name = "cbcoord.coordination"
    label = "coordination"
    verbose_name = _("Coordination")

    def ready(self) -> None:
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="coordination-triggers")

    def load_reference(self, report: LoadReport) -> None:
        """The exchange rates amounts are converted with (``data/exchange_rates.csv``)."""
        from cbcoord.coordination.rates import load_rates

        load_rates(report)
