"""Login throttling, the Content-Security-Policy, API tokens and the API's answers to callers
without credentials."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from cbcoord.accounts.models import ApiToken
from cbcoord.accounts.services import api_token_create


@pytest.fixture
def throttled() -> Iterator[None]:
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5):
        yield


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_wrong_passwords_pause_logins_even_with_the_right_password_after(
    url: str, throttled: None, secretariat: Any
) -> None:
    browser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(40):
        browser.post(url, {"username": secretariat.username, "password": "wrong"})
    response = browser.post(
        url, {"username": secretariat.username, "password": "pw-alice-secretariat"}
    )
    assert response.status_code == 429
    assert "logins for this account or from this address are paused" in response.content.decode()
    assert "_auth_user_id" not in browser.session
    # Another address is paused for this username too (per user) …
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert (
        other.post(
            url, {"username": secretariat.username, "password": "pw-alice-secretariat"}
        ).status_code
        == 429
    )


def test_the_secretariat_lifts_a_pause(
    throttled: None, secretariat: Any, partner_editor: Any, client_for: Callable[[Any], Client]
) -> None:
    browser = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(6):
        browser.post("/accounts/login/", {"username": partner_editor.username, "password": "x"})
    page = client_for(secretariat).get("/accounts/lockouts/").content.decode()
    assert partner_editor.username in page
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username=partner_editor.username)
    assert (
        client_for(partner_editor).post("/accounts/lockouts/", {"attempt": attempt.pk}).status_code
        == 403
    )
    client_for(secretariat).post("/accounts/lockouts/", {"attempt": attempt.pk})
    response = browser.post(
        "/accounts/login/", {"username": partner_editor.username, "password": "pw-bob-idb"}
    )
    assert response.status_code == 302 and browser.session["_auth_user_id"] == str(
        partner_editor.pk
    )


def test_pages_carry_a_content_security_policy(client: Client, reference: None) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "onchange=" not in client.get("/").content.decode()


def test_the_token_page_is_never_stored(
    partner_editor: Any, client_for: Callable[[Any], Client]
) -> None:
    response = client_for(partner_editor).post(
        "/accounts/tokens/", {"name": "script", "days": "30"}
    )
    assert "no-store" in response.headers["Cache-Control"]
    token = ApiToken.objects.get(user=partner_editor)
    assert token.expires_at is not None
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_a_password_change_revokes_the_users_tokens(partner_editor: Any) -> None:
    _token, raw = api_token_create(user=partner_editor, owner=partner_editor, name="sync")
    assert Client().get("/api/activities", headers=_bearer(raw)).status_code == 200
    partner_editor.set_password("a new password 2026")
    partner_editor.save()
    assert Client().get("/api/activities", headers=_bearer(raw)).status_code == 401
    assert ApiToken.objects.get(user=partner_editor).revoked_at is not None


def test_an_expired_token_is_refused(partner_editor: Any) -> None:
    token, raw = api_token_create(user=partner_editor, owner=partner_editor, name="s", valid_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert Client().get("/api/activities", headers=_bearer(raw)).status_code == 401


def test_an_api_write_without_credentials_is_401_not_a_csrf_failure(reference: None) -> None:
    browser = Client(enforce_csrf_checks=True)
    response = browser.patch(
        "/api/organisations/idb", {"website": "https://x.example"}, content_type="application/json"
    )
    assert response.status_code == 401


def test_a_signed_in_session_still_needs_the_csrf_token(
    reference: None, partner_editor: Any
) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(partner_editor)
    response = browser.patch(
        "/api/organisations/idb", {"website": "https://x.example"}, content_type="application/json"
    )
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
