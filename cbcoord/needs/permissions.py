"""Who may record, change and confirm needs. The doors (``selectors.need_get_for_edit``,
``selectors.need_create_allowed``, …) apply these; pages use them to show or hide buttons."""

from __future__ import annotations

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.models import Role
from cbcoord.accounts.permissions import has_role, is_secretariat, organisation_id_of
from cbcoord.activities.models import Activity
from cbcoord.needs.models import Need
from cbcoord.registry.models import Member


def is_member_editor_of(user: Actor | None, member: Member) -> bool:
    """A member editor of ``member``'s customs administration."""
    organisation_id = organisation_id_of(user)
    return (
        has_role(user, Role.MEMBER_EDITOR)
        and organisation_id is not None
        and organisation_id == member.organisation_id
    )


def may_create_need_for(user: Actor | None, member: Member) -> bool:
    """Secretariat: for any member. Member editors: for their own administration."""
    return is_secretariat(user) or is_member_editor_of(user, member)


def may_edit_need(user: Actor | None, need: Need) -> bool:
    """Secretariat: every need. Member editors: their own administration's needs."""
    return may_create_need_for(user, need.member)


def may_create_needs(user: Actor | None) -> bool:
    """Whether ``user`` may record needs for any member at all (the "record a need" button)."""
    if is_secretariat(user):
        return True
    organisation_id = organisation_id_of(user)
    return (
        has_role(user, Role.MEMBER_EDITOR)
        and organisation_id is not None
        and Member.objects.filter(organisation_id=organisation_id).exists()
    )


def may_give_member_position(user: Actor | None, need: Need) -> bool:
    """Only the member's administration says whether a need is its own (confirms or disputes
    it), and whether a supporting activity was delivered: not the secretariat for it."""
    return is_member_editor_of(user, need.member)


def may_decide_link(user: Actor | None, activity: Activity) -> bool:
    """Confirm or reject that an activity answers a need: the secretariat (the coordinator),
    or an editor of the partner that reports the activity."""
    if is_secretariat(user):
        return True
    organisation_id = organisation_id_of(user)
    return (
        has_role(user, Role.PARTNER_EDITOR)
        and organisation_id is not None
        and organisation_id == activity.reporting_org_id
    )


def may_comment_as_wco(user: Actor | None) -> bool:
    """The WCO's comment on a need is the secretariat's."""
    return is_secretariat(user)
