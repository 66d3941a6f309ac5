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

from django.db import models, transaction
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import is_secretariat, require_secretariat
from cbcoord.core.errors import ServiceError
from cbcoord.core.services import apply_changes, delete_as, full_clean_or_raise, save_as
from cbcoord.iati import codelists
from cbcoord.registry.models import (
    Member,
    Organisation,
    OrganisationKind,
    Person,
    Region,
    RegionalRole,
)

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


# --------------------------------------------------------------------------- review queue


@transaction.atomic
def organisation_accept(
    *, user: Actor | None, organisation: Organisation, kind: str, publish: bool = True
) -> Organisation:
    """Accept an organisation held for review as a new one of ``kind``: verified, and
    published unless said otherwise. Secretariat only."""
    require_secretariat(user, _("review organisations"))
    if kind not in OrganisationKind.values:
        raise ServiceError(_("kind: choose what kind of organisation this is."), field="kind")
    organisation.kind = kind
    organisation.is_verified = True
    organisation.is_published = publish
    organisation._change_reason = "accepted in the review queue"  # type: ignore[attr-defined]
    full_clean_or_raise(organisation)
    return save_as(organisation, user)


@transaction.atomic
def organisation_merge(
    *, user: Actor | None, source: Organisation, target: Organisation
) -> Organisation:
    """Merge ``source`` into ``target``: every link to ``source`` (activities it reports or
    takes part in, visibility grants, users, people, roles, regions, …) moves to ``target``;
    its identifiers and name become ``target``'s aliases, so imports match them from now on;
    then ``source`` is deleted. Both keep their history (the merge is recorded on each).
    Secretariat only."""
    require_secretariat(user, _("merge organisations"))
    if source.pk == target.pk:
        raise ServiceError(_("An organisation cannot be merged into itself."), field="target")
    if hasattr(source, "member") and hasattr(target, "member"):
        raise ServiceError(
            _("Two members' administrations cannot be merged: each is its own member."),
            field="target",
        )
    _move_links(source, target)
    aliases = list(target.iati_org_aliases or [])
    for ref in (source.iati_org_id, *(source.iati_org_aliases or [])):
        if ref and ref != target.iati_org_id and ref not in aliases:
            aliases.append(ref)
    names = list(target.name_aliases or [])
    for name in (source.name, *(source.name_aliases or [])):
        if name and name != target.name and name not in names:
            names.append(name)
    target.iati_org_aliases = aliases
    target.name_aliases = names
    reason = f"merged {source.name} ({source.key}) into this organisation"
    target._change_reason = reason  # type: ignore[attr-defined]
    save_as(target, user)
    source._change_reason = f"merged into {target.name} ({target.key})"  # type: ignore[attr-defined]
    # Its identifier is now the target's alias; free it before the row goes.
    Organisation.objects.filter(pk=source.pk).update(iati_org_id="")
    source.iati_org_id = ""
    delete_as(source, user)
    return target


def _move_links(source: Organisation, target: Organisation) -> None:
    """Point every relation that names ``source`` at ``target`` (whatever app declares it)."""
    for relation in Organisation._meta.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete:  # reverse relations
            related_model = relation.related_model
            if not (isinstance(related_model, type) and issubclass(related_model, models.Model)):
                continue
            if (related_model._meta.model_name or "").startswith("historical"):
                continue  # history keeps what was
            if relation.many_to_many:
                _move_many_to_many(relation, source, target)
            elif relation.one_to_many or relation.one_to_one:
                field_name = relation.field.name  # type: ignore[union-attr]
                related_model._base_manager.filter(**{field_name: source}).update(
                    **{field_name: target}
                )
        elif relation.many_to_many and relation.concrete:  # Organisation's own (regions)
            getattr(target, relation.name).add(*getattr(source, relation.name).all())


def _move_many_to_many(relation: Any, source: Organisation, target: Organisation) -> None:
    field = relation.field
    through = field.remote_field.through
    own = field.m2m_field_name()  # the side of the model that declares the field
    other = field.m2m_reverse_field_name()  # the organisation's side
    already = through.objects.filter(**{other: target}).values_list(f"{own}_id", flat=True)
    through.objects.filter(**{other: source, f"{own}_id__in": list(already)}).delete()
    through.objects.filter(**{other: source}).update(**{other: target})
