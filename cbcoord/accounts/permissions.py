"""The role rules: who is signed in, who is the secretariat.

Domain rules (who may edit an organisation, an activity, import a file, …) live in each app's
``permissions.py`` and are applied by that app's doors (``selectors.*_get_for_edit``,
``*_allowed``), which pages, the API and commands all call.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.models import Role


def is_signed_in(user: Actor | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def role_of(user: Actor | None) -> str | None:
    """The role of a signed-in user (the system's is the secretariat's), else None."""
    return getattr(user, "role", None) if is_signed_in(user) else None


def organisation_id_of(user: Actor | None) -> int | None:
    """The organisation a signed-in user belongs to, else None."""
    return getattr(user, "organisation_id", None) if is_signed_in(user) else None


def is_secretariat(user: Actor | None) -> bool:
    return is_signed_in(user) and (role_of(user) == Role.SECRETARIAT or bool(user.is_superuser))  # type: ignore[union-attr]


def has_role(user: Actor | None, role: str) -> bool:
    """Signed in with ``role`` (the secretariat's rights are checked with ``is_secretariat``)."""
    return role_of(user) == role


def require_secretariat(user: Actor | None, action: str) -> None:
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the WCO secretariat may %(action)s.") % {"action": action})


def require_signed_in(user: Actor | None, action: str) -> None:
    if not is_signed_in(user):
        raise PermissionDenied(_("Sign in to %(action)s.") % {"action": action})
