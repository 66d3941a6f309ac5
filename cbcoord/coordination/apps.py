from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cbcoord.core.reference import LoadReport

logger = logging.getLogger(__name__)


def _after_import(sender: object, run: Any = None, **kwargs: Any) -> None:
    """Work out the facts of what an import wrote while the import's job or command still
    runs, not in the first request that reads an analysis. A failure here is logged: the run
    itself succeeded, and the next read works the facts out."""
    from cbcoord.coordination import facts

    if run is not None and not (run.added or run.updated or run.withdrawn):
        return  # refused, or nothing changed: nothing to work out
    try:
        facts.refresh()
    except Exception:
        logger.exception("coordination facts after import run %s", getattr(run, "pk", None))


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
        from cbcoord.imports.signals import run_finished

        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="coordination-triggers")
        run_finished.connect(_after_import, dispatch_uid="coordination-after-import")

    def load_reference(self, report: LoadReport) -> None:
        """The exchange rates amounts are converted with (``data/exchange_rates.csv``)."""
        from cbcoord.coordination.rates import load_rates

        load_rates(report)
