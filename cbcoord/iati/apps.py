from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IatiConfig(AppConfig):
    """The IATI standard's library (reading, checking and writing IATI XML; its codelists and
    schemas as data). It has no models any more; it stays an installed app for the history of
    its migrations (its models moved to ``cbcoord.imports``, its codelist tables were dropped
    for the shipped files)."""

    name = "cbcoord.iati"
    label = "iati"
    verbose_name = _("IATI")
