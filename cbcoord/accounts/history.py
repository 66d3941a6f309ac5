"""The audit trail of records (django-simple-history), shown to the secretariat only."""

from __future__ import annotations

from typing import Any

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import is_secretariat


def history_for(*, user: Actor | None, instance: Any, limit: int = 50) -> list[Any]:
    """The latest history entries of ``instance``, newest first, for the secretariat only
    (others get an empty list)."""
    if not is_secretariat(user):
        return []
    return list(instance.history.select_related("history_user").order_by("-history_date")[:limit])
