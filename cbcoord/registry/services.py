"""Writes on the registry.

Changes to an existing record take what its door returned (``selectors.organisation_get_for_edit``,
``person_get_for_edit``, ``member_get_for_edit``): the door has checked the user's right, so
these functions do not check it again; which fields a user may change still depends on the
role. Creating records and regional roles is the secretariat's: those functions check it first.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import is_secretariat, require_secretariat
from cbcoord.core.errors import ServiceError
from cbcoord.core.services import apply_changes, delete_as, full_clean_or_raise, save_as
from cbcoord.iati import codelists
from cbcoord.registry.models import Member, Organisation, Person, Region, RegionalRole

# What an organisation's own editors may change; identity and trust fields stay with
# the secretariat.
ORGANISATION_EDITOR_FIELDS = ("name", "acronym", "website", "description")
ORGANISATION_SECRETARIAT_FIELDS = (
    *ORGANISATION_EDITOR_FIELDS,
    "key",
    "kind",
    "iati_org_id",
    "iati_org_type",
    "is_verified",
    "is_published",
    "source",
)
PERSON_FIELDS = ("name", "title", "email", "is_published")
MEMBER_EDITOR_FIELDS = ("notes",)
MEMBER_SECRETARIAT_FIELDS = (
    "name",
    "iso_code",
    "member_type",
    "membership_date",
    "verification",
    "source",
    "notes",
    "region",
)
REGIONAL_ROLE_FIELDS = ("role", "start_date", "end_date", "note")


def _check_org_type(code: str) -> None:
    if not code:
        return
    if code not in codelists.codes("OrganisationType"):
        raise ServiceError(
            _("iati_org_type: %(code)s is not a code of the IATI OrganisationType codelist.")
            % {"code": code},
            field="iati_org_type",
        )


def organisation_create(*, user: Actor | None, data: Mapping[str, Any]) -> Organisation:
    """Create an organisation. Secretariat only. Raises ServiceError naming the bad field."""
    require_secretariat(user, _("create organisations"))
    organisation = Organisation()
    apply_changes(organisation, data, allowed=ORGANISATION_SECRETARIAT_FIELDS)
    _check_org_type(organisation.iati_org_type)
    full_clean_or_raise(organisation)
    return save_as(organisation, user)


def organisation_update(
    *, user: Actor | None, organisation: Organisation, data: Mapping[str, Any]
) -> list[str]:
    """Change an organisation's fields (``organisation`` from ``organisation_get_for_edit``);
    editors may change only the profile fields, the secretariat also identity and trust."""
    allowed = (
        ORGANISATION_SECRETARIAT_FIELDS if is_secretariat(user) else ORGANISATION_EDITOR_FIELDS
    )
    changed = apply_changes(organisation, data, allowed=allowed)
    if changed:
        _check_org_type(organisation.iati_org_type)
        full_clean_or_raise(organisation)
        save_as(organisation, user)
    return changed


def person_create(
    *, user: Actor | None, organisation: Organisation, data: Mapping[str, Any]
) -> Person:
    """Add a person to ``organisation`` (from ``organisation_get_for_edit``)."""
    person = Person(organisation=organisation)
    apply_changes(person, data, allowed=PERSON_FIELDS)
    full_clean_or_raise(person)
    return save_as(person, user)


def person_update(*, user: Actor | None, person: Person, data: Mapping[str, Any]) -> list[str]:
    """Change a person (from ``person_get_for_edit``)."""
    changed = apply_changes(person, data, allowed=PERSON_FIELDS)
    if changed:
        full_clean_or_raise(person)
        save_as(person, user)
    return changed


def person_delete(*, user: Actor | None, person: Person) -> None:
    """Remove a person (from ``person_get_for_edit``)."""
    delete_as(person, user)


def member_update(*, user: Actor | None, member: Member, data: Mapping[str, Any]) -> list[str]:
    """Change a member's record (``member`` from ``member_get_for_edit``): its editors may
    annotate it; the secretariat maintains the reference fields."""
    allowed = MEMBER_SECRETARIAT_FIELDS if is_secretariat(user) else MEMBER_EDITOR_FIELDS
    changed = apply_changes(member, data, allowed=allowed)
    if changed:
        full_clean_or_raise(member)
        save_as(member, user)
    return changed


@transaction.atomic
def regional_role_create(
    *,
    user: Actor | None,
    region: Region,
    organisation: Organisation,
    role: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    note: str = "",
) -> RegionalRole:
    """Record a regional role (e.g. Vice-Chair) for a term. Secretariat only."""
    require_secretariat(user, _("assign regional roles"))
    if end_date is not None and end_date < start_date:
        raise ServiceError(_("end_date: the term cannot end before it starts."), field="end_date")
    regional_role = RegionalRole(
        region=region,
        organisation=organisation,
        role=role,
        start_date=start_date,
        end_date=end_date,
        note=note,
    )
    full_clean_or_raise(regional_role)
    return save_as(regional_role, user)


def regional_role_update(
    *, user: Actor | None, regional_role: RegionalRole, data: Mapping[str, Any]
) -> list[str]:
    require_secretariat(user, _("change regional roles"))
    changed = apply_changes(regional_role, data, allowed=REGIONAL_ROLE_FIELDS)
    if changed:
        full_clean_or_raise(regional_role)
        save_as(regional_role, user)
    return changed


def regional_role_delete(*, user: Actor | None, regional_role: RegionalRole) -> None:
    require_secretariat(user, _("remove regional roles"))
    delete_as(regional_role, user)
