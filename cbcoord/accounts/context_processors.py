from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cbcoord.accounts.permissions import is_secretariat


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "is_secretariat": is_secretariat(user),
        "debug": settings.DEBUG,
    }
