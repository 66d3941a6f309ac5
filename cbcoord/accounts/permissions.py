"""The one rule book for who may write what.

Services call these functions before every write, so the web pages, the API and the management
commands share one rule. Reads of protected data go through selectors that apply the same roles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cbcoord.accounts.models import Role

if TYPE_CHECKING:
    from cbcoord.registry.models import Organisation

PARTNER_KINDS = frozenset({"development_partner", "implementer"})
MEMBER_KINDS = frozenset({"member_administration"})


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_secretariat(user: Any) -> bool:
    return is_signed_in(user) and (user.role == Role.SECRETARIAT or user.is_superuser)


def may_edit_organisation(user: Any, organisation: Organisation) -> bool:
    """Secretariat: any organisation. Editors: only their own, and only of their kind."""
    if is_secretariat(user):
        return True
    if not is_signed_in(user) or user.organisation_id != organisation.pk:
        return False
    if user.role == Role.PARTNER_EDITOR:
        return organisation.kind in PARTNER_KINDS
    if user.role == Role.MEMBER_EDITOR:
        return organisation.kind in MEMBER_KINDS
    return False


def require_secretariat(user: Any, action: str) -> None:
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the WCO secretariat may %(action)s.") % {"action": action})


def require_organisation_editor(user: Any, organisation: Organisation, action: str) -> None:
    if not may_edit_organisation(user, organisation):
        raise PermissionDenied(
            _("You may not %(action)s for %(organisation)s: it is not your organisation.")
            % {"action": action, "organisation": organisation.name}
        )


def require_signed_in(user: Any, action: str) -> None:
    if not is_signed_in(user):
        raise PermissionDenied(_("Sign in to %(action)s.") % {"action": action})
