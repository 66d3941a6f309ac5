"""A data call before a meeting: partners asked, answers, freshness, reminders."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from cbcoord.accounts.actors import SYSTEM
from cbcoord.accounts.models import User
from cbcoord.activities.models import Activity
from cbcoord.core.errors import ServiceError
from cbcoord.meetings import notices, selectors, services
from cbcoord.registry.models import Organisation, Region
from tests.factories import ImportedActivityFactory
from tests.meetings.helpers import americas_series, meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def amc_partners(reference: None) -> list[Organisation]:
    region = Region.objects.get(code="AMC")
    partners = [Organisation.objects.get(key=key) for key in ("idb", "imf", "usaid")]
    for partner in partners:
        partner.active_regions.add(region)
    return partners


def test_open_ask_confirm_and_freshness(
    amc_partners: list[Organisation],
    partner_editor: User,
    client_for,  # type: ignore[no-untyped-def]
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    partner_editor.email = "bob@idb.example"
    partner_editor.save()
    before = ImportedActivityFactory(
        iati_identifier="XM-DAC-909-OLD", reporting_org=Organisation.objects.get(key="idb")
    )
    upcoming = meeting(americas_series(), timezone.localdate().year + 1)
    deadline = timezone.localdate() + datetime.timedelta(days=20)
    with django_capture_on_commit_callbacks(execute=True):
        call = services.data_call_open(
            user=SYSTEM, meeting=upcoming, deadline=deadline, message="Please."
        )
    assert {r.organisation.key for r in call.requests.all()} == {"idb", "imf", "usaid"}
    assert [message.to for message in mail.outbox] == [
        ["bob@idb.example"]
    ]  # the others have no user
    assert "Please." in mail.outbox[0].body

    Activity.objects.filter(pk=before.pk).update(updated_at=timezone.now())
    request = call.requests.get(organisation__key="idb")
    # The partner's home page asks it.
    home = client_for(partner_editor).get("/")
    assert f"/meetings/data-calls/{request.pk}/" in home.content.decode()
    response = client_for(partner_editor).post(
        f"/meetings/data-calls/{request.pk}/", {"note": "All current."}
    )
    assert response.status_code == 302
    rows = {
        row.organisation.key: row
        for row in selectors.data_freshness(
            user=SYSTEM, region=upcoming.series.region, data_call=call
        )
    }
    assert rows["idb"].answered and rows["idb"].activities == 1 and rows["idb"].changed == 1
    assert rows["idb"].changed_titles == ["Title of XM-DAC-909-OLD"]
    assert not rows["imf"].answered and rows["imf"].last_confirmed is None
    assert selectors.data_call_requests_pending_for(user=partner_editor) == []

    with pytest.raises(ServiceError):
        services.data_call_open(user=SYSTEM, meeting=upcoming, deadline=deadline)


def test_reminders_go_to_those_who_have_not_answered(
    amc_partners: list[Organisation], partner_editor: User, other_partner_editor: User
) -> None:
    for user, address in (
        (partner_editor, "bob@idb.example"),
        (other_partner_editor, "carol@imf.example"),
    ):
        user.email = address
        user.save()
    upcoming = meeting(americas_series(), timezone.localdate().year + 1)
    deadline = timezone.localdate() + datetime.timedelta(days=5)
    call = services.data_call_open(user=SYSTEM, meeting=upcoming, deadline=deadline)
    services.data_call_confirm(user=SYSTEM, request=call.requests.get(organisation__key="idb"))
    assert notices.send_data_call_reminders(days=3).sent == 0  # the deadline is further off
    report = notices.send_data_call_reminders(days=7)
    assert report.sent == 1 and [m.to for m in mail.outbox] == [["carol@imf.example"]]
    assert notices.send_data_call_reminders(days=7).sent == 0  # once a day


def test_a_series_without_region_has_no_data_call(reference: None) -> None:
    committee = services.series_create(
        user=SYSTEM, data={"key": "cbc", "name": "CBC", "kind": "committee"}
    )
    held = meeting(committee, 2030)
    with pytest.raises(ServiceError, match="region"):
        services.data_call_open(user=SYSTEM, meeting=held, deadline=datetime.date(2030, 1, 1))


def test_secretariat_page(amc_partners: list[Organisation], secretariat: User) -> None:
    upcoming = meeting(americas_series(), timezone.localdate().year + 1)
    client = Client()
    client.force_login(secretariat)
    deadline = (timezone.localdate() + datetime.timedelta(days=9)).isoformat()
    response = client.post(
        f"/meetings/{upcoming.pk}/data-call/", {"deadline": deadline, "message": "Hi"}
    )
    assert response.status_code == 302
    page = client.get(f"/meetings/{upcoming.pk}/data-call/").content.decode()
    assert page.count("not answered") == 3
