"""Who may do what with meetings. The doors (``selectors.*_get_for_*``, ``*_allowed``) apply
these; pages use them to show or hide buttons.

- The secretariat prepares meetings and records them: series, meetings, participants, agenda,
  bilateral meetings, decisions, action items, data calls, consultations.
- An action item's progress (notes, status) is updated by the secretariat and by the editors
  (partner or member editors) of its owner organisation.
- A partner's answer to a data call is given by the secretariat or that partner's editors.
- A member administration's ranking in a consultation is given by its member editors (or the
  secretariat, recording input collected at a meeting).
"""

from __future__ import annotations

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.models import Role
from cbcoord.accounts.permissions import is_secretariat, organisation_id_of, role_of
from cbcoord.meetings.models import ActionItem
from cbcoord.registry.models import Member, Organisation

EDITOR_ROLES = (Role.PARTNER_EDITOR, Role.MEMBER_EDITOR)


def may_manage_meetings(user: Actor | None) -> bool:
    return is_secretariat(user)


def may_update_progress(user: Actor | None, action_item: ActionItem) -> bool:
    if is_secretariat(user):
        return True
    return (
        role_of(user) in EDITOR_ROLES
        and organisation_id_of(user) is not None
        and organisation_id_of(user) == action_item.owner_organisation_id
    )


def may_confirm_data(user: Actor | None, organisation: Organisation) -> bool:
    if is_secretariat(user):
        return True
    return role_of(user) == Role.PARTNER_EDITOR and organisation_id_of(user) == organisation.pk


def may_rank_for(user: Actor | None, member: Member) -> bool:
    if is_secretariat(user):
        return True
    return (
        role_of(user) == Role.MEMBER_EDITOR and organisation_id_of(user) == member.organisation_id
    )
