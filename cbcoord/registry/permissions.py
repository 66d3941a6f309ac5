"""Who may do what in the registry. The doors (``selectors.*_get_for_edit``) apply these."""

from __future__ import annotations

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.models import Role
from cbcoord.accounts.permissions import is_secretariat, is_signed_in, organisation_id_of, role_of
from cbcoord.registry.models import Organisation, OrganisationKind


def is_wco_staff(user: Actor | None) -> bool:
    """Secretariat users and anyone signed in from the WCO or one of its regional offices."""
    if is_secretariat(user):
        return True
    organisation = getattr(user, "organisation", None) if is_signed_in(user) else None
    return organisation is not None and OrganisationKind(organisation.kind).is_wco


def may_edit_organisation(user: Actor | None, organisation: Organisation) -> bool:
    """Secretariat: any organisation. Editors: only their own, and only of their kind."""
    if is_secretariat(user):
        return True
    if organisation_id_of(user) != organisation.pk:
        return False
    kind = OrganisationKind(organisation.kind)
    role = role_of(user)
    if role == Role.PARTNER_EDITOR:
        return kind.is_partner
    if role == Role.MEMBER_EDITOR:
        return kind.is_member
    return False
