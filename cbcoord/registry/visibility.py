"""Who may read a record that carries a visibility level: one rule for activities, needs and
whatever comes next.

The levels: **public** (everyone); **coordination group** (signed-in users of the WCO, of the
organisations the record concerns, and of members and partners active in its WCO regions);
**named organisations** (the WCO, the record's owner and the organisations named);
**WCO only** (the WCO and the record's owner).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.permissions import organisation_id_of
from cbcoord.registry.models import Member, Organisation
from cbcoord.registry.permissions import is_wco_staff


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    COORDINATION = "coordination", _("Coordination group")
    NAMED = "named", _("Named organisations")
    WCO = "wco", _("WCO only")


@dataclass(frozen=True)
class Reader:
    """What the visibility rule needs to know of a user, worked out once per request."""

    sees_everything: bool
    organisation_id: int | None
    region_ids: frozenset[int]

    @classmethod
    def of(cls, user: Actor | None) -> Reader:
        cached = getattr(user, "_cbcoord_reader", None)
        if isinstance(cached, Reader):
            return cached
        organisation_id = organisation_id_of(user)
        region_ids: frozenset[int] = frozenset()
        if organisation_id is not None:
            region_ids = frozenset(
                Member.objects.filter(organisation_id=organisation_id).values_list(
                    "region_id", flat=True
                )
            ) | frozenset(
                Organisation.active_regions.through.objects.filter(
                    organisation_id=organisation_id
                ).values_list("region_id", flat=True)
            )
        reader = cls(
            sees_everything=is_wco_staff(user),
            organisation_id=organisation_id,
            region_ids=region_ids,
        )
        if user is not None and hasattr(user, "__dict__"):
            user._cbcoord_reader = reader  # type: ignore[union-attr]
        return reader


def visibility_q(
    user: Actor | None,
    *,
    model: type[models.Model],
    owner: str,
    named: str,
    regions: str,
    concerned: Q | Exists | None = None,
) -> Q | None:
    """The condition on ``model``'s rows that ``user`` may read, or None when the user reads
    every row (the WCO). ``owner``: the field naming the owning organisation (it always reads
    its own); ``named``: the many-to-many field of the "named organisations"; ``regions``: the
    many-to-many field of the record's WCO regions; ``concerned``: a further condition under
    which the user's organisation belongs to the coordination group (a participant, the
    member concerned…). Conditions are EXISTS on the row itself, never joins: no duplicates,
    and a list can walk an index in its order."""
    reader = Reader.of(user)
    if reader.sees_everything:
        return None
    public = Q(visibility=Visibility.PUBLIC)
    organisation_id = reader.organisation_id
    if organisation_id is None:
        return public
    own = Q(**{f"{owner}_id": organisation_id})
    region_through = model._meta.get_field(regions).remote_field.through  # type: ignore[union-attr]
    region_source = model._meta.get_field(regions).m2m_field_name()  # type: ignore[union-attr]
    in_region = Q(
        Exists(
            region_through.objects.filter(
                **{f"{region_source}_id": OuterRef("pk"), "region_id__in": reader.region_ids}
            )
        )
    )
    group = in_region | Q(concerned) if concerned is not None else in_region
    coordination = Q(visibility=Visibility.COORDINATION) & group
    named_through = model._meta.get_field(named).remote_field.through  # type: ignore[union-attr]
    named_source = model._meta.get_field(named).m2m_field_name()  # type: ignore[union-attr]
    named_target = model._meta.get_field(named).m2m_reverse_field_name()  # type: ignore[union-attr]
    shared = Q(visibility=Visibility.NAMED) & Q(
        Exists(
            named_through.objects.filter(
                **{f"{named_source}_id": OuterRef("pk"), f"{named_target}_id": organisation_id}
            )
        )
    )
    return public | own | coordination | shared
