"""Who may write the coordination records. The doors (``selectors.*_allowed``,
``selectors.mission_get_for_edit``) apply these; pages use them to show or hide buttons."""

from __future__ import annotations

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.models import Role
from cbcoord.accounts.permissions import has_role, is_secretariat, organisation_id_of
from cbcoord.activities.models import Activity


def may_record_mission(user: Actor | None, activity: Activity) -> bool:
    """The secretariat, and the editors of the partner reporting the activity."""
    if is_secretariat(user):
        return True
    organisation_id = organisation_id_of(user)
    return (
        has_role(user, Role.PARTNER_EDITOR)
        and organisation_id is not None
        and organisation_id == activity.reporting_org_id
    )


def may_mark_overlap(user: Actor | None) -> bool:
    """Overlaps are marked by the coordinators: the secretariat."""
    return is_secretariat(user)


def may_decide_project_link(user: Actor | None) -> bool:
    """Whether two activities report one project: the secretariat decides."""
    return is_secretariat(user)
