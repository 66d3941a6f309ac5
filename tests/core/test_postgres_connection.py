"""The PostgreSQL connection as the settings open it."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


def test_queries_are_not_jit_compiled() -> None:
    """JIT compiling cost the coordination analyses 200-400 ms a query (their plans' costs
    pass jit_above_cost) for queries that run in 40 ms: the settings turn it off."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
