from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    """Members' needs, matching them with activities, and WTO TFA commitments."""

    name = "cbcoord.needs"
    label = "needs"
    verbose_name = _("Needs")
