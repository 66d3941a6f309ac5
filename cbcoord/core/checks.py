"""System checks of cbcoord's own configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs: Any, **kwargs: Any) -> list[Error]:
    if getattr(settings, "SECRET_KEY_IS_EPHEMERAL", False):
        return [
            Error(
                "SECRET_KEY is not set: sessions and CSRF tokens would not survive a restart.",
                hint="Set the SECRET_KEY environment variable (see README.md, Configuration).",
                id="cbcoord.E001",
            )
        ]
    return []
