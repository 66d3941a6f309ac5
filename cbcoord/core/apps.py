from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cbcoord.core"
    label = "core"
    verbose_name = "cbcoord"

    def ready(self) -> None:
        from cbcoord.core import checks  # noqa: F401  (registers the system checks)
