"""cbcoord.core.views: the health check says whether the database answers."""

from __future__ import annotations

import pytest
from django.test import Client


def test_healthz(client: Client, db: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_503_when_database_unreachable(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db.utils import OperationalError

    class BrokenConnection:
        def cursor(self) -> None:
            raise OperationalError("database is down")

    monkeypatch.setattr("cbcoord.core.views.connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
