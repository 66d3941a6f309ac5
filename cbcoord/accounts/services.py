"""Writes on accounts: API tokens."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.models import ApiToken, User, hash_token
from cbcoord.accounts.permissions import is_secretariat, require_signed_in
from cbcoord.core.errors import ServiceError


def api_token_create(*, user: Actor, owner: User, name: str) -> tuple[ApiToken, str]:
    """Create a bearer token for ``owner``; returns the token and its raw value (shown once).

    Users create tokens for themselves; the secretariat may create them for anyone.
    """
    require_signed_in(user, _("create API tokens"))
    if owner.pk != user.pk and not is_secretariat(user):
        raise ServiceError(_("You may only create API tokens for yourself."), field="owner")
    if not name.strip():
        raise ServiceError(_("name: give the token a name that says what uses it."), field="name")
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=owner, name=name.strip(), token_hash=hash_token(raw), prefix=raw[:8]
    )
    return token, raw


def api_token_revoke(*, user: Actor, token: ApiToken) -> None:
    require_signed_in(user, _("revoke API tokens"))
    if token.user_id != user.pk and not is_secretariat(user):
        raise ServiceError(_("You may only revoke your own API tokens."), field="token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
