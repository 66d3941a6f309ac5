"""`cbcoord send_reminders`: each owner, once per item a day, never for done items."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command

from cbcoord.accounts.actors import SYSTEM
from cbcoord.accounts.models import User
from cbcoord.meetings import notices, services
from cbcoord.meetings.models import ActionStatus, SentNotice
from cbcoord.registry.models import Organisation, Person
from tests.meetings.helpers import action, americas_series, meeting

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 6, 10)


@pytest.fixture
def items(reference: None, partner_editor: User) -> dict[str, object]:
    partner_editor.email = "bob@idb.example"
    partner_editor.save()
    first = meeting(americas_series(), 2025)
    baer = Person.objects.create(
        organisation=Organisation.objects.get(key="imf"), name="Katherine", email="kb@imf.example"
    )
    imf_item = action(first, "imf", "IMF soon", TODAY + datetime.timedelta(days=3))
    imf_item.owner_person = baer
    imf_item.save()
    return {
        "overdue": action(first, "idb", "IDB overdue", TODAY - datetime.timedelta(days=10)),
        "soon": action(first, "idb", "IDB soon", TODAY + datetime.timedelta(days=7)),
        "later": action(first, "idb", "IDB later", TODAY + datetime.timedelta(days=8)),
        "done": action(first, "idb", "IDB done", TODAY - datetime.timedelta(days=1)),
        "imf": imf_item,
        "nobody": action(first, "oas", "OAS overdue", TODAY - datetime.timedelta(days=1)),
    }


def test_each_owner_gets_their_due_items_once_a_day(items: dict) -> None:  # type: ignore[type-arg]
    services.action_item_progress(user=SYSTEM, item=items["done"], status=ActionStatus.DONE)
    report = notices.send_action_reminders(today=TODAY, days=7)
    assert (report.sent, report.items, report.already, report.no_address) == (2, 3, 0, 1)
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"bob@idb.example", "kb@imf.example"}
    idb = by_recipient["bob@idb.example"].body
    assert "IDB overdue" in idb and "IDB soon" in idb and "OVERDUE" in idb
    assert "IDB later" not in idb and "IDB done" not in idb
    assert "/meetings/action-items/" in idb
    assert "IMF soon" in by_recipient["kb@imf.example"].body

    again = notices.send_action_reminders(today=TODAY, days=7)
    assert (again.sent, again.already) == (0, 3)
    assert len(mail.outbox) == 2
    assert SentNotice.objects.count() == 3

    tomorrow = notices.send_action_reminders(today=TODAY + datetime.timedelta(days=1), days=7)
    assert tomorrow.sent == 2 and tomorrow.items == 4  # "IDB later" is now within 7 days


def test_the_command_is_idempotent(items: dict) -> None:  # type: ignore[type-arg]
    out = io.StringIO()
    call_command("send_reminders", "--date", TODAY.isoformat(), "--days", "7", stdout=out)
    assert "2 e-mail(s) about 4 item(s)" in out.getvalue()  # "IDB done" is still open here
    out = io.StringIO()
    call_command("send_reminders", "--date", TODAY.isoformat(), stdout=out)
    assert "0 e-mail(s) about 0 item(s); 4 already sent today" in out.getvalue()
    assert len(mail.outbox) == 2


def test_a_failed_send_is_tried_again(items: dict, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[type-arg]
    def broken(self, fail_silently=False):  # type: ignore[no-untyped-def]
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with pytest.raises(OSError, match="SMTP down"):
        notices.send_action_reminders(today=TODAY, days=7)
    assert SentNotice.objects.count() == 0
    monkeypatch.undo()
    assert notices.send_action_reminders(today=TODAY, days=7).sent == 2
    assert SentNotice.objects.count() == 4
