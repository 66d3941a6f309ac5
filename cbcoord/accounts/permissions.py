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


WCO_KINDS = frozenset({"wco_secretariat", "wco_regional_office"})


def is_wco_staff(user: Any) -> bool:
    """Secretariat users and anyone signed in from the WCO or one of its regional offices."""
    if is_secretariat(user):
        return True
    organisation = getattr(user, "organisation", None) if is_signed_in(user) else None
    return organisation is not None and organisation.kind in WCO_KINDS


def may_edit_activity(user: Any, activity: Any) -> bool:
    """Secretariat: every activity. Partner editors: those their organisation reports."""
    if is_secretariat(user):
        return True
    return (
        is_signed_in(user)
        and user.role == Role.PARTNER_EDITOR
        and user.organisation_id is not None
        and user.organisation_id == activity.reporting_org_id
    )


def may_create_activity_for(user: Any, organisation: Organisation) -> bool:
    if is_secretariat(user):
        return True
    return (
        is_signed_in(user)
        and user.role == Role.PARTNER_EDITOR
        and user.organisation_id == organisation.pk
        and organisation.kind in PARTNER_KINDS
    )


def may_import(user: Any) -> bool:
    """Secretariat and partner editors may import IATI files (partners: their own activities)."""
    return is_secretariat(user) or (is_signed_in(user) and user.role == Role.PARTNER_EDITOR)
