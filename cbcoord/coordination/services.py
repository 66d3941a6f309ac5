"""Writes on the coordination records. Each service takes what its door returned
(``selectors.overlap_mark_allowed``, ``mission_create_allowed``, ``mission_get_for_edit``,
``project_link_allowed``) and checks the rest, naming the field at fault."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import Actor, user_record
from cbcoord.activities.models import Activity
from cbcoord.coordination import facts
from cbcoord.coordination.models import (
    ActivityFact,
    CoverageFact,
    LinkDecision,
    Mission,
    MissionKind,
    OverlapMark,
    OverlapVerdict,
    ProjectLink,
)
from cbcoord.coordination.selectors import pair_fingerprint
from cbcoord.core.errors import ServiceError
from cbcoord.core.validators import NOT_IN_XML
from cbcoord.frameworks.models import Provision
from cbcoord.registry.models import Member

NOTE_LIMIT = 5000


def _note(text: Any) -> str:
    note = str(text or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ServiceError(
            _("A note holds at most %(n)d characters.") % {"n": NOTE_LIMIT}, field="note"
        )
    if NOT_IN_XML.search(note):
        raise ServiceError(_("The note holds characters that cannot be stored."), field="note")
    return note


@transaction.atomic
def overlap_mark(
    *,
    user: Actor | None,
    activities: tuple[Activity, Activity],
    member: Member,
    provision: Provision,
    verdict: str,
    note: str = "",
) -> OverlapMark:
    """Mark the overlap of two activities on ``member`` and ``provision`` complementary or a
    duplication to resolve, keeping their material fields' fingerprint (a later change of
    either flags the overlap again). Marking again replaces the verdict and note."""
    if verdict not in OverlapVerdict.values:
        raise ServiceError(
            _("The verdict is one of: %(choices)s.")
            % {"choices": ", ".join(OverlapVerdict.values)},
            field="verdict",
        )
    first, second = sorted(activities, key=lambda a: a.pk)
    if first.pk == second.pk or first.reporting_org_id == second.reporting_org_id:
        raise ServiceError(_("An overlap is between activities of two partners."), field="second")
    facts.refresh()
    covered = set(
        CoverageFact.objects.filter(
            activity_id__in=[first.pk, second.pk], member_id=member.pk
        ).values_list("activity_id", flat=True)
    )
    if covered != {first.pk, second.pk}:
        raise ServiceError(
            _("Both activities must be for %(member)s.") % {"member": member.country_name},
            field="member",
        )
    current = dict(
        ActivityFact.objects.filter(activity_id__in=[first.pk, second.pk]).values_list(
            "activity_id", "fingerprint"
        )
    )
    mark, _created = OverlapMark.objects.update_or_create(
        first=first,
        second=second,
        member=member,
        provision=provision,
        defaults={
            "verdict": verdict,
            "note": _note(note),
            "fingerprint": pair_fingerprint(current, first.pk, second.pk),
            "marked_by": user_record(user),
        },
    )
    return mark


def _mission_values(data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("kind")
    if kind not in MissionKind.values:
        raise ServiceError(
            _("The kind is one of: %(choices)s.") % {"choices": ", ".join(MissionKind.values)},
            field="kind",
        )
    dates = {}
    for name in ("start_date", "end_date"):
        value = data.get(name)
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, dt.date):
            raise ServiceError(_("A date (YYYY-MM-DD) is needed."), field=name)
        dates[name] = value
    if dates["end_date"] < dates["start_date"]:
        raise ServiceError(_("A mission cannot end before it starts."), field="end_date")
    return {"kind": kind, **dates, "note": _note(data.get("note"))[:500]}


def _mission_member(activity: Activity, member: Member) -> Member:
    if not CoverageFact.objects.filter(activity_id=activity.pk, member_id=member.pk).exists():
        facts.refresh()
        if not CoverageFact.objects.filter(activity_id=activity.pk, member_id=member.pk).exists():
            raise ServiceError(
                _("The activity is not for %(member)s.") % {"member": member.country_name},
                field="member",
            )
    return member


@transaction.atomic
def mission_create(
    *, user: Actor | None, activity: Activity, member: Member, data: dict[str, Any]
) -> Mission:
    """Record a mission of ``activity`` (from its door) to ``member``'s administration, one
    of the members the activity is for."""
    values = _mission_values(data)
    mission = Mission(
        activity=activity,
        member=_mission_member(activity, member),
        recorded_by=user_record(user),
        **values,
    )
    mission.save()
    return mission


@transaction.atomic
def mission_update(
    *, user: Actor | None, mission: Mission, member: Member | None, data: dict[str, Any]
) -> Mission:
    values = _mission_values(data)
    if member is not None:
        mission.member = _mission_member(mission.activity, member)
    for name, value in values.items():
        setattr(mission, name, value)
    mission.save()
    return mission


@transaction.atomic
def mission_delete(*, user: Actor | None, mission: Mission) -> None:
    mission.delete()


@transaction.atomic
def project_link_decide(
    *,
    user: Actor | None,
    activities: tuple[Activity, Activity],
    decision: str,
    note: str = "",
    reasons: list[str] | None = None,
) -> ProjectLink:
    """Decide whether two activities (of two publishers) report one project: confirmed, they
    count once in every total from the next read on (the triggers note both)."""
    if decision not in LinkDecision.values:
        raise ServiceError(
            _("The decision is one of: %(choices)s.") % {"choices": ", ".join(LinkDecision.values)},
            field="decision",
        )
    first, second = sorted(activities, key=lambda a: a.pk)
    if first.pk == second.pk:
        raise ServiceError(_("A project links two different activities."), field="second")
    link, _created = ProjectLink.objects.update_or_create(
        first=first,
        second=second,
        defaults={
            "decision": decision,
            "note": _note(note),
            "reasons": list(reasons or []),
            "decided_by": user_record(user),
        },
    )
    return link
