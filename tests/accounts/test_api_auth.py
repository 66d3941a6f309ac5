"""The API's authentication (cbcoord.accounts.api_auth): a bad or revoked token is a 401, not
an anonymous call; a signed-in session writes only with its CSRF token."""

from __future__ import annotations

from typing import Any

from django.test import Client

from cbcoord.accounts.services import api_token_revoke
from cbcoord.registry.models import Organisation
from tests.factories import ApiTokenFactory


def test_bad_token_is_401_not_anonymous(client: Client, reference: None) -> None:
    response = client.get("/api/regions", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_session_write_needs_csrf(partner_editor: Any) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(partner_editor)
    response = browser.patch(
        "/api/organisations/idb", {"website": "https://a.example"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Organisation.objects.get(key="idb").website != "https://a.example"


def test_revoked_token_is_refused(client: Client, partner_editor: Any) -> None:
    token = ApiTokenFactory(owner=partner_editor)
    api_token_revoke(user=partner_editor, token=token)
    headers = {"Authorization": f"Bearer {token.raw}"}
    assert client.get("/api/regions", headers=headers).status_code == 401
