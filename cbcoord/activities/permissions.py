"""Who may enter and change activities. The doors (``selectors.activity_get_for_edit``,
``selectors.activity_create_allowed``) apply these; pages use them to show or hide buttons."""

from __future__ import annotations

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.models import Role
from cbcoord.accounts.permissions import has_role, is_secretariat, organisation_id_of
from cbcoord.activities.models import Activity
from cbcoord.registry.models import Organisation, OrganisationKind


def may_edit_activity(user: Actor | None, activity: Activity) -> bool:
    """Secretariat: every activity. Partner editors: those their organisation reports."""
    if is_secretariat(user):
        return True
    organisation_id = organisation_id_of(user)
    return (
        has_role(user, Role.PARTNER_EDITOR)
        and organisation_id is not None
        and organisation_id == activity.reporting_org_id
    )


def may_create_activity_for(user: Actor | None, organisation: Organisation) -> bool:
    """Secretariat: for any organisation. Partner editors: for their own partner organisation."""
    if is_secretariat(user):
        return True
    return (
        has_role(user, Role.PARTNER_EDITOR)
        and organisation_id_of(user) == organisation.pk
        and OrganisationKind(organisation.kind).is_partner
    )


def may_create_activities(user: Actor | None) -> bool:
    """Whether ``user`` may enter activities for any organisation at all (the "enter an
    activity" button)."""
    if is_secretariat(user):
        return True
    organisation = getattr(user, "organisation", None)
    return organisation is not None and may_create_activity_for(user, organisation)


def may_review_activity(user: Actor | None, activity: Activity) -> bool:
    """Who confirms, rejects and adds an activity's provision tags and decides whether it is
    relevant: as for editing it (the secretariat; the reporting organisation's partner
    editors)."""
    return may_edit_activity(user, activity)


def may_review_tags(user: Actor | None) -> bool:
    """Whether ``user`` reviews tags at all (the review queue): the secretariat, and partner
    editors (their own organisation's activities)."""
    return is_secretariat(user) or (
        has_role(user, Role.PARTNER_EDITOR) and organisation_id_of(user) is not None
    )
