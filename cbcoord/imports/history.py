"""History rows for what imports write, so that an activity's history shows its imports and
withdrawals beside its hand edits.

The importer writes activities in bulk, past django-simple-history's signals; this copies the
rows it wrote into the history table in one INSERT … SELECT per batch, inside the database
(no Python per activity), with the run as the reason and its user as the author.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from cbcoord.activities.models import Activity
from cbcoord.core.bulk import db_datetime

# The history table's own columns; every other one has the activity's column of that name.
_OWN = {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}
CHUNK = 1000


def _columns() -> tuple[list[str], list[tuple[str, Any]]]:
    """The history columns copied from the activity's row, and those the history table has
    alone (``changed_parts``…) with their default value, as the database stores it."""
    model = Activity.history.model
    activity_columns = {field.column for field in Activity._meta.concrete_fields}
    copied: list[str] = []
    own: list[tuple[str, Any]] = []
    for field in model._meta.concrete_fields:
        if field.column in _OWN:
            continue
        if field.column in activity_columns:
            copied.append(field.column)
        else:
            own.append(
                (field.column, field.get_db_prep_save(field.get_default(), connection=connection))
            )
    return copied, own


def record(pks: Sequence[int], *, kind: str, reason: str, user_id: int | None) -> None:
    """History rows ("+" created, "~" changed) for the activities ``pks`` as they are now."""
    if not pks:
        return
    quote = connection.ops.quote_name
    columns, history_only = _columns()
    history_table = quote(Activity.history.model._meta.db_table)
    table = quote(Activity._meta.db_table)
    listed = ", ".join(quote(column) for column in columns)
    own_names = [
        "history_date",
        "history_change_reason",
        "history_type",
        "history_user_id",
        *(name for name, _value in history_only),
    ]
    own = ", ".join(quote(name) for name in own_names)
    own_marks = ", ".join(["%s"] * len(own_names))
    defaults = [value for _name, value in history_only]
    now = db_datetime(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(pks), CHUNK):
            chunk = list(pks[start : start + CHUNK])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {history_table} ({listed}, {own}) "  # noqa: S608 - names quoted
                f"SELECT {listed}, {own_marks} FROM {table} WHERE {quote('id')} IN ({marks})",
                [now, reason[:100], kind, user_id, *defaults, *chunk],
            )
