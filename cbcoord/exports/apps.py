from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    """The download view, API route and command that every exporter gets
    (``cbcoord.core.exporters``)."""

    name = "cbcoord.exports"
    label = "exports"
    verbose_name = _("Exports")
