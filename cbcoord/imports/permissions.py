"""Who may import IATI files, and whose activities."""

from __future__ import annotations

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.models import Role
from cbcoord.accounts.permissions import has_role, is_secretariat, organisation_id_of


def may_import(user: Actor | None) -> bool:
    """Secretariat and partner editors may import IATI files (partners: their own activities)."""
    return is_secretariat(user) or has_role(user, Role.PARTNER_EDITOR)


def importing_for(user: Actor | None) -> int | None:
    """The organisation whose activities ``user`` may import, or None for any organisation
    (the secretariat and the command line). Activities reported by another organisation, or
    that another organisation already reports, are refused with the reason. A user of no
    organisation gets 0, which is no organisation's key: every activity is refused."""
    if is_secretariat(user):
        return None
    organisation_id = organisation_id_of(user)
    return organisation_id if organisation_id is not None else 0
