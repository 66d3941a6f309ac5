from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cbcoord.core.reference import LoadReport


class FrameworksConfig(AppConfig):
    name = "cbcoord.frameworks"
    label = "frameworks"
    verbose_name = _("Instrument catalogue")

    def load_reference(self, report: LoadReport) -> None:
        """The instrument catalogue and its cross-walk (``data/``)."""
        from cbcoord.frameworks import reference

        reference.load_instruments(report)
        reference.load_provisions(report)
        reference.load_crosswalk(report)
