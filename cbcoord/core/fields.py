"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models


class WrittenJSONField(models.JSONField):
    """A JSONField whose column has no ``JSON_VALID`` check on SQLite.

    Every value reaches the column through a JSON serialiser (the field's own, or orjson in the
    importer's bulk writes), so the check can only ever pass; on SQLite it parses every value
    again on every write, a fifth of the cost of inserting an imported activity. PostgreSQL's
    jsonb has no such check; reading and querying are unchanged on both.
    """

    def db_check(self, connection: Any) -> str | None:
        return None
