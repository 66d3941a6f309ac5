"""Authentication for the JSON API: bearer tokens for scripts, the session for the browser.

Reads also admit the anonymous public, who then see only published data.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from cbcoord.accounts.models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if api_token is None or not api_token.user.is_active or api_token.has_expired:
            # A wrong token must not silently fall back to anonymous access.
            raise AuthenticationError(401, "Invalid or revoked API token.")
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        return api_token.user


class SignedInSession(SessionAuth):
    """The browser's session, for signed-in users only, with Django's CSRF check. A request
    without a signed-in session is not authenticated by it (the API answers 401), rather than
    failing the CSRF check first (403): the check only matters for a session that can write."""

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not request.user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request):
            raise HttpError(403, "CSRF check failed: send the X-CSRFToken header.")
        return request.user


class PublicAccess:
    """The last resort for read endpoints: the request goes on as the anonymous public."""

    def __call__(self, request: HttpRequest) -> Any:
        if request.user.is_authenticated:
            return request.user
        return AnonymousUser()


token_auth = TokenAuth()
session_auth = SignedInSession(csrf=True)
READ_AUTH = [token_auth, session_auth, PublicAccess()]
WRITE_AUTH = [token_auth, session_auth]


def api_user(request: HttpRequest) -> Any:
    auth = getattr(request, "auth", None)
    return auth if auth is not None else request.user
