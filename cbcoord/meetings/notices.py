"""E-mails: action-item reminders, data-call invitations and reminders.

Sent with Django's e-mail framework (``EMAIL_BACKEND``; the console by default). Each e-mail is
recorded per item and address and day (``SentNotice``) *before* it is sent, under a unique
constraint, so that two runs on one day (cron and a hand run, say) never send the same reminder
twice; a send that fails removes its records, so the next run tries again.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cbcoord.accounts.models import Role, User
from cbcoord.meetings import selectors
from cbcoord.meetings.models import (
    ActionItem,
    DataCall,
    DataCallRequest,
    NoticeKind,
    SentNotice,
)


@dataclass
class NoticeReport:
    sent: int = 0  # e-mails sent
    items: int = 0  # items (action items, data-call requests) mentioned in them
    already: int = 0  # items already noticed today to that address
    no_address: int = 0  # items whose owner has no e-mail address

    def __str__(self) -> str:
        return (
            f"{self.sent} e-mail(s) about {self.items} item(s); {self.already} already sent "
            f"today; {self.no_address} without an address"
        )


def site_url(path: str) -> str:
    return settings.CBCOORD_SITE_URL.rstrip("/") + path


def _organisation_addresses(organisation_id: int, roles: Iterable[str]) -> list[str]:
    users = User.objects.filter(organisation_id=organisation_id, is_active=True).exclude(email="")
    editors = sorted({user.email for user in users.filter(role__in=list(roles))})
    return editors or sorted({user.email for user in users})


def action_item_recipients(item: ActionItem) -> list[str]:
    """The owner person's address; without one, the owner organisation's editors'."""
    if item.owner_person is not None and item.owner_person.email:
        return [item.owner_person.email]
    return _organisation_addresses(
        item.owner_organisation_id, (Role.PARTNER_EDITOR, Role.MEMBER_EDITOR)
    )


def _claim(
    kind: str,
    recipient: str,
    today: datetime.date,
    *,
    item: ActionItem | None = None,
    request: DataCallRequest | None = None,
) -> SentNotice | None:
    try:
        with transaction.atomic():
            return SentNotice.objects.create(
                kind=kind,
                action_item=item,
                data_call_request=request,
                recipient=recipient,
                sent_on=today,
            )
    except IntegrityError:
        return None


def _send(messages: list[tuple[EmailMessage, list[SentNotice]]], report: NoticeReport) -> None:
    connection = get_connection()
    for index, (message, _claims) in enumerate(messages):
        try:
            message.connection = connection
            message.send()
        except Exception:
            # Unclaim this e-mail's items and those not sent yet: the next run sends them.
            unsent = [claim.pk for _message, claims in messages[index:] for claim in claims]
            SentNotice.objects.filter(pk__in=unsent).delete()
            raise
        report.sent += 1


def send_action_reminders(*, today: datetime.date | None = None, days: int = 7) -> NoticeReport:
    """E-mail each owner their open action items due within ``days`` days or overdue, at most
    once per item and address a day."""
    today = today or timezone.localdate()
    report = NoticeReport()
    per_address: dict[str, list[tuple[ActionItem, SentNotice]]] = defaultdict(list)
    for item in selectors.action_items_due(today=today, days=days):
        recipients = action_item_recipients(item)
        if not recipients:
            report.no_address += 1
            continue
        for recipient in recipients:
            claim = _claim(NoticeKind.ACTION_REMINDER, recipient, today, item=item)
            if claim is None:
                report.already += 1
            else:
                per_address[recipient].append((item, claim))
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for recipient, entries in sorted(per_address.items()):
            lines = [
                _("These action items of coordination meetings are due soon or overdue:"),
                "",
            ]
            for item, _claim_row in entries:
                due = formats.date_format(item.due_date, "DATE_FORMAT") if item.due_date else ""
                state = _("OVERDUE") if item.is_overdue(today) else _("due")
                lines += [
                    f"- {item.text}",
                    f"  {state} {due} · {item.meeting.title} · {item.get_status_display()}",
                    "  " + site_url(reverse("meetings:action-item", args=[item.pk])),
                ]
            lines += ["", _("Record progress or mark an item done on its page.")]
            subject = _("cbcoord: %(count)d action item(s) due") % {"count": len(entries)}
            messages.append(
                (
                    EmailMessage(subject=subject, body="\n".join(lines), to=[recipient]),
                    [claim for _item, claim in entries],
                )
            )
            report.items += len(entries)
    _send(messages, report)
    return report


def _data_call_messages(
    requests: Iterable[DataCallRequest], kind: str, today: datetime.date, report: NoticeReport
) -> list[tuple[EmailMessage, list[SentNotice]]]:
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for request in requests:
            recipients = _organisation_addresses(request.organisation_id, (Role.PARTNER_EDITOR,))
            if not recipients:
                report.no_address += 1
                continue
            data_call: DataCall = request.data_call
            meeting = data_call.meeting
            context = {
                "partner": request.organisation.display_name,
                "region": meeting.series.region.name if meeting.series.region else "",
                "meeting": meeting.title,
                "deadline": formats.date_format(data_call.deadline, "DATE_FORMAT"),
            }
            if kind == NoticeKind.DATA_CALL_INVITATION:
                subject = _("cbcoord: please confirm your activities in %(region)s") % context
                opening = (
                    _(
                        "Before %(meeting)s, the WCO secretariat asks %(partner)s to confirm or "
                        "update its capacity-building activities in %(region)s by %(deadline)s."
                    )
                    % context
                )
            else:
                subject = _("cbcoord reminder: confirm your activities in %(region)s") % context
                opening = (
                    _(
                        "A reminder: %(partner)s has not yet confirmed its activities in %(region)s "
                        "for %(meeting)s. The deadline is %(deadline)s."
                    )
                    % context
                )
            body = "\n".join(
                [
                    opening,
                    "",
                    data_call.message,
                    "",
                    site_url(reverse("meetings:data-call-answer", args=[request.pk])),
                ]
            )
            claims = []
            for recipient in recipients:
                claim = _claim(kind, recipient, today, request=request)
                if claim is None:
                    report.already += 1
                else:
                    claims.append(claim)
            if claims:
                messages.append(
                    (
                        EmailMessage(
                            subject=subject, body=body, to=[claim.recipient for claim in claims]
                        ),
                        claims,
                    )
                )
                report.items += 1
    return messages


def send_data_call_invitations(*, data_call_id: int) -> NoticeReport:
    """Ask each partner of a newly opened data call (once a day at most)."""
    report = NoticeReport()
    requests = DataCallRequest.objects.filter(
        data_call_id=data_call_id, confirmed_at__isnull=True
    ).select_related("organisation", "data_call__meeting__series__region")
    today = timezone.localdate()
    _send(_data_call_messages(requests, NoticeKind.DATA_CALL_INVITATION, today, report), report)
    return report


def send_data_call_reminders(*, today: datetime.date | None = None, days: int = 7) -> NoticeReport:
    """Remind the partners that have not answered an open data call whose deadline is within
    ``days`` days or past (once a day at most)."""
    today = today or timezone.localdate()
    report = NoticeReport()
    requests = DataCallRequest.objects.filter(
        confirmed_at__isnull=True,
        data_call__closed_at__isnull=True,
        data_call__deadline__lte=today + datetime.timedelta(days=days),
    ).select_related("organisation", "data_call__meeting__series__region")
    _send(_data_call_messages(requests, NoticeKind.DATA_CALL_REMINDER, today, report), report)
    return report
