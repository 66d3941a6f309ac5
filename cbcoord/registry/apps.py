from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cbcoord.core.reference import LoadReport


class RegistryConfig(AppConfig):
    name = "cbcoord.registry"
    label = "registry"
    verbose_name = _("Registry")

    def load_reference(self, report: LoadReport) -> None:
        """WCO regions, members and their administrations, known partners (``data/``)."""
        from cbcoord.registry import reference

        reference.load_regions(report)
        reference.load_members(report)
        reference.load_organisations(report)
        reference.load_dac_regions(report)
