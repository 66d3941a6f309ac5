"""Writes on accounts: API tokens."""

from __future__ import annotations

import datetime as dt

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.models import ApiToken, User, hash_token
from cbcoord.accounts.permissions import is_secretariat, require_secretariat, require_signed_in
from cbcoord.core.errors import ServiceError


def api_token_create(
    *, user: Actor, owner: User, name: str, valid_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a bearer token for ``owner``; returns the token and its raw value (shown once).
    ``valid_days``: it expires after so many days (None: until revoked).

    Users create tokens for themselves; the secretariat may create them for anyone.
    """
    require_signed_in(user, _("create API tokens"))
    if owner.pk != user.pk and not is_secretariat(user):
        raise ServiceError(_("You may only create API tokens for yourself."), field="owner")
    if not name.strip():
        raise ServiceError(_("name: give the token a name that says what uses it."), field="name")
    if valid_days is not None and not 1 <= valid_days <= 3650:
        raise ServiceError(_("days: a token is valid for 1 to 3,650 days."), field="days")
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=owner,
        name=name.strip(),
        token_hash=hash_token(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + dt.timedelta(days=valid_days) if valid_days else None,
    )
    return token, raw


def api_token_revoke(*, user: Actor, token: ApiToken) -> None:
    require_signed_in(user, _("revoke API tokens"))
    if token.user_id != user.pk and not is_secretariat(user):
        raise ServiceError(_("You may only revoke your own API tokens."), field="token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def login_lockouts(*, user: Actor) -> list[AccessAttempt]:
    """The logins that are paused now (django-axes): for the secretariat."""
    require_secretariat(user, _("see paused logins"))
    limit = settings.AXES_FAILURE_LIMIT
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return list(
        AccessAttempt.objects.filter(
            failures_since_start__gte=limit, attempt_time__gte=since
        ).order_by("-attempt_time")
    )


def login_lockout_lift(*, user: Actor, attempt_id: int) -> int:
    """Let the username and address of a paused login sign in again (the secretariat's
    unlock); returns how many records were cleared."""
    require_secretariat(user, _("lift paused logins"))
    attempt = AccessAttempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        raise ServiceError(_("That paused login is no longer paused."), field="attempt")
    return int(reset(username=attempt.username)) + int(reset(ip=attempt.ip_address))
