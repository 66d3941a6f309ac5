from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cbcoord.core"
    label = "core"
    verbose_name = "cbcoord"
