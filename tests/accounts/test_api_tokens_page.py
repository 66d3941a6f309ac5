"""Users create, see once, use and revoke their own API tokens from a page."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from cbcoord.accounts.models import ApiToken


def test_create_use_and_revoke(client_for: Any, partner_editor: Any, viewer: Any) -> None:
    browser = client_for(partner_editor)
    page = browser.post("/accounts/tokens/", {"name": "nightly sync"}).content.decode()
    raw = re.search(r'id="new-token".*?<code>([^<]+)</code>', page, re.S).group(1)
    token = ApiToken.objects.get(user=partner_editor)
    assert token.name == "nightly sync"
    assert raw not in token.token_hash  # only the hash is kept
    assert raw not in browser.get("/accounts/tokens/").content.decode()  # shown once

    api = Client()
    assert (
        api.get("/api/organisations/idb", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 200
    )
    # Another user cannot revoke it.
    assert client_for(viewer).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    browser.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert api.get("/api/regions", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_name_is_required(client_for: Any, viewer: Any) -> None:
    page = client_for(viewer).post("/accounts/tokens/", {"name": "  "}).content.decode()
    assert "name" in page
    assert not ApiToken.objects.exists()


def test_anonymous_is_sent_to_login(client: Client, db: None) -> None:
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
