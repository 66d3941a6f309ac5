from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "cbcoord.core"
    label = "core"
    verbose_name = "cbcoord"

    def ready(self) -> None:
        from cbcoord.core import checks  # noqa: F401  (registers the system checks)

        # Each app declares its exports in exporters.py (cbcoord.core.exporters).
        autodiscover_modules("exporters")
