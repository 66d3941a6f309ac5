"""The audit trail of records (django-simple-history), shown to the secretariat only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import is_secretariat


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a record's history: when, who, what kind of change, and what it changed
    (in words: the fields' names; never an empty list for a change that changed something)."""

    when: dt.datetime
    who: Any
    action: str
    fields: list[str] = field(default_factory=list)


#: What an entry changed, given the entry before it (None for the first); a model's own
#: wording (activities name the parts of their IATI content).
Describe = Callable[[Any, Any | None], list[str]]


def changed_fields(record: Any, older: Any | None, *, hidden: Iterable[str] = ()) -> list[str]:
    """The names (verbose names, in the active language) of the fields that differ between a
    history record and the one before it."""
    if older is None:
        return []
    delta = record.diff_against(older, excluded_fields=list(hidden))
    meta = type(record)._meta
    return [str(meta.get_field(change.field).verbose_name) for change in delta.changes]


def history_for(
    *, user: Actor | None, instance: Any, limit: int = 50, describe: Describe | None = None
) -> list[HistoryEntry]:
    """The latest history entries of ``instance``, newest first, for the secretariat only
    (others get an empty list). Each entry lists what it changed (``describe``, else the
    fields that differ from the entry before)."""
    if not is_secretariat(user):
        return []
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-pk")[
            : limit + 1
        ]
    )
    entries = []
    for position, record in enumerate(records[:limit]):
        older = records[position + 1] if position + 1 < len(records) else None
        if record.history_type != "~":
            fields: list[str] = []
        elif describe is not None:
            fields = describe(record, older)
        else:
            fields = changed_fields(record, older)
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                action=str(record.get_history_type_display()),
                fields=fields,
            )
        )
    return entries
