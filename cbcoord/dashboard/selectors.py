"""What the home page tells each user to do next: the work waiting for them, read through each
app's own selectors (so a count never includes what the user may not see)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cbcoord.accounts.actors import Actor
from cbcoord.accounts.models import Role
from cbcoord.accounts.permissions import has_role, is_secretariat, is_signed_in, organisation_id_of
from cbcoord.imports.models import ImportStatus
from cbcoord.imports.selectors import import_run_visible
from cbcoord.meetings.models import ActionStatus, Meeting
from cbcoord.meetings.selectors import action_items_of_organisation, meeting_visible
from cbcoord.needs.models import Delivery, LinkState, MemberPosition, NeedActivityLink
from cbcoord.needs.selectors import need_visible
from cbcoord.registry.models import Organisation


@dataclass(frozen=True)
class Task:
    """One line of the "your work" list: what is waiting, how many, and where to do it."""

    text: str
    count: int
    url: str
    urgent: bool = False


@dataclass
class Work:
    tasks: list[Task] = field(default_factory=list)
    upcoming: list[Meeting] = field(default_factory=list)
    heading: str | Promise = ""


def _task(count: int, singular: str, plural: str, url: str, *, urgent: bool = False) -> Task | None:
    if not count:
        return None
    return Task(ngettext(singular, plural, count) % {"count": count}, count, url, urgent)


def work_for(user: Actor | None, *, today: datetime.date | None = None) -> Work:
    """The signed-in user's waiting work, by role; nothing for the public."""
    work = Work()
    if not is_signed_in(user):
        return work
    today = today or timezone.localdate()
    work.upcoming = list(
        meeting_visible(user).filter(start_date__gte=today).order_by("start_date", "pk")[:3]
    )
    tasks: list[Task | None] = []
    organisation_id = organisation_id_of(user)
    if organisation_id is not None:
        pending = action_items_of_organisation(user=user, organisation_id=organisation_id).filter(
            status__in=ActionStatus.pending()
        )
        overdue = pending.filter(due_date__lt=today).count()
        tasks.append(
            _task(
                overdue,
                "%(count)s action item of your organisation is overdue",
                "%(count)s action items of your organisation are overdue",
                reverse("meetings:index"),
                urgent=True,
            )
        )
        soon = pending.filter(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=30)
        )
        tasks.append(
            _task(
                soon.count(),
                "%(count)s action item of your organisation is due within 30 days",
                "%(count)s action items of your organisation are due within 30 days",
                reverse("meetings:index"),
            )
        )
    if is_secretariat(user):
        tasks += _secretariat_tasks(user, today)
    if has_role(user, Role.PARTNER_EDITOR) and organisation_id is not None:
        suggested = NeedActivityLink.objects.filter(
            state=LinkState.SUGGESTED, activity__reporting_org_id=organisation_id
        ).filter(need__in=need_visible(user))
        tasks.append(
            _task(
                suggested.count(),
                "%(count)s of your activities may answer a member's need: confirm or reject",
                "%(count)s suggestions that your activities answer members' needs wait for you",
                reverse("need-list"),
            )
        )
    if has_role(user, Role.MEMBER_EDITOR) and organisation_id is not None:
        own = need_visible(user).filter(member__organisation_id=organisation_id)
        tasks.append(
            _task(
                own.filter(member_position=MemberPosition.UNCONFIRMED).count(),
                "%(count)s need recorded for your administration waits for your confirmation",
                "%(count)s needs recorded for your administration wait for your confirmation",
                reverse("need-list") + "?position=unconfirmed",
                urgent=True,
            )
        )
        tasks.append(
            _task(
                NeedActivityLink.objects.filter(
                    need__in=own, state=LinkState.CONFIRMED, delivery=Delivery.UNCONFIRMED
                ).count(),
                "%(count)s supporting activity waits for you to say whether it was delivered",
                "%(count)s supporting activities wait for you to say whether they were delivered",
                reverse("need-list"),
            )
        )
    work.tasks = [task for task in tasks if task is not None]
    work.heading = _("Waiting for you")
    return work


def _secretariat_tasks(user: Actor | None, today: datetime.date) -> list[Task | None]:
    week_ago = timezone.now() - datetime.timedelta(days=7)
    return [
        _task(
            Organisation.objects.filter(is_verified=False).count(),
            "%(count)s organisation named in imported files waits for review",
            "%(count)s organisations named in imported files wait for review",
            reverse("partner-review"),
            urgent=True,
        ),
        _task(
            need_visible(user).filter(member_position=MemberPosition.UNCONFIRMED).count(),
            "%(count)s need is not yet confirmed by its member",
            "%(count)s needs are not yet confirmed by their members",
            reverse("need-list") + "?position=unconfirmed",
        ),
        _task(
            import_run_visible(user)
            .filter(
                started_at__gte=week_ago, status__in=[ImportStatus.FAILED, ImportStatus.REFUSED]
            )
            .count(),
            "%(count)s import failed or was refused this week",
            "%(count)s imports failed or were refused this week",
            reverse("import-list"),
        ),
    ]
