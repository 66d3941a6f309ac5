"""Hand edits of activities: permissions, validation, and what the edits keep in step."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cbcoord.activities import services
from cbcoord.activities.models import (
    Activity,
    ActivityCountry,
    ActivityParticipant,
    ActivitySector,
    Origin,
    Visibility,
)
from cbcoord.core.errors import ServiceError
from cbcoord.iati.records import ParsedActivity
from cbcoord.imports.models import ImportRun
from cbcoord.registry.models import Organisation
from tests.activities.helpers import make_activity

ROLES = [
    "secretariat",
    "partner_editor",
    "other_partner_editor",
    "member_editor",
    "viewer",
    "anonymous",
]


def new_activity_data(identifier: str = "XM-DAC-909-CB-001") -> dict[str, Any]:
    return {
        "iati_identifier": identifier,
        "title": {"en": "Risk management support", "es": "Apoyo a la gestión de riesgos"},
        "description": {"en": "Training of risk analysts."},
        "activity_status": "2",
        "default_currency": "USD",
        "planned_start": "2025-01-01",
        "planned_end": "2026-06-30",
        "recipient_countries": [
            {"code": "DO", "percentage": "60"},
            {"code": "JM", "percentage": "40"},
        ],
        "sectors": [{"code": "33120", "vocabulary": "1", "percentage": "100"}],
        "budgets": [{"period_start": "2025-01-01", "period_end": "2025-12-31", "value": "50000"}],
        "transactions": [{"type": "2", "date": "2025-01-10", "value": "50000", "currency": "USD"}],
    }


def _snapshot() -> tuple[Any, ...]:
    return (
        list(Activity.objects.order_by("pk").values()),
        list(Activity.visible_to.through.objects.order_by("pk").values()),
        list(ActivityCountry.objects.order_by("pk").values()),
        list(ActivitySector.objects.order_by("pk").values()),
        ImportRun.objects.count(),
    )


IATI_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2025-01-01T00:00:00Z">
 <iati-activity last-updated-datetime="2025-01-01T00:00:00Z" xml:lang="en" default-currency="USD">
  <iati-identifier>XM-DAC-909-MATRIX-1</iati-identifier>
  <reporting-org ref="XM-DAC-909" type="40"><narrative>Inter-American Development Bank</narrative></reporting-org>
  <title><narrative>Matrix import</narrative></title>
  <description><narrative>Imported in the permission matrix.</narrative></description>
  <participating-org ref="XM-DAC-909" role="1" type="40"/>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2025-01-01"/>
  <recipient-country code="DO"/>
 </iati-activity>
</iati-activities>
"""


def _imported_with_publisher_version(idb: Organisation) -> Activity:
    activity = make_activity("XM-DAC-909-HELD", idb)
    newer = dict(activity.data, title={"en": "Publisher's newer title"})
    Activity.objects.filter(pk=activity.pk).update(hand_edited=True, publisher_data=newer)
    return Activity.objects.get(pk=activity.pk)


def _import(user: Any, tmp_path: Path) -> Any:
    from cbcoord.imports.importer import iati_import

    path = tmp_path / "matrix.xml"
    path.write_text(IATI_FILE, encoding="utf-8")
    return iati_import(user=user, path=path, source="matrix.xml", source_kind="upload")


def test_create_stores_iati_content_columns_and_index_rows(
    partner_editor: Any, idb: Organisation
) -> None:
    activity = services.activity_create(
        user=partner_editor, reporting_org=idb, data=new_activity_data()
    )
    activity.refresh_from_db()
    assert activity.origin == Origin.MANUAL
    assert activity.created_by == partner_editor
    assert activity.visibility == Visibility.COORDINATION
    assert activity.title_text == "Risk management support"
    assert activity.status == "2"
    assert str(activity.planned_start) == "2025-01-01"
    assert activity.start_date is not None and activity.end_date is not None
    assert activity.total_budget == 50000
    assert activity.total_commitment == 50000
    assert activity.last_updated_datetime is not None
    assert sorted(activity.countries.values_list("code", flat=True)) == ["DO", "JM"]
    assert list(activity.regions.values_list("code", flat=True)) == ["AMC"]
    assert list(activity.sectors.values_list("code", flat=True)) == ["33120"]
    participant = ActivityParticipant.objects.get(activity=activity)
    assert participant.organisation == idb and participant.role == "2"
    parsed = ParsedActivity.from_dict(activity.data)  # the stored content is IATI-shaped
    assert parsed.reporting_org.ref == "XM-DAC-909"
    assert parsed.title == {"en": "Risk management support", "es": "Apoyo a la gestión de riesgos"}
    assert activity.history.count() == 1
    assert activity.history.first().history_user == partner_editor


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"iati_identifier": "XM-DAC-43000-CB-1"}, "iati_identifier"),
        ({"iati_identifier": "has space"}, "iati_identifier"),
        ({"activity_status": "9"}, "activity_status"),
        ({"recipient_countries": [{"code": "QQ"}]}, "recipient_countries"),
        (
            {
                "recipient_countries": [
                    {"code": "DO", "percentage": "60"},
                    {"code": "JM", "percentage": "30"},
                ]
            },
            "recipient_countries",
        ),
        ({"recipient_countries": [{"code": "DO", "percentage": "120"}]}, "recipient_countries"),
        ({"sectors": [{"code": "99999", "vocabulary": "1"}]}, "sectors"),
        ({"sectors": [{"code": "33120", "percentage": "50"}]}, "sectors"),
        ({"default_currency": "XXY"}, "default_currency"),
        ({"transactions": [{"type": "99", "date": "2025-01-01", "value": "1"}]}, "transactions"),
        (
            {
                "transactions": [
                    {"type": "3", "date": "2025-01-01", "value": "1", "currency": "ZZZ"}
                ]
            },
            "transactions",
        ),
        ({"planned_end": "2024-01-01"}, "planned_end"),
        (
            {"budgets": [{"period_start": "2025-12-31", "period_end": "2025-01-01", "value": "1"}]},
            "budgets",
        ),
        ({"title": {"en": ""}}, "title"),
        ({"title": {"de": "Titel"}}, "title"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"title": {"en": "Pasted\x0bfrom a word processor"}}, "title"),
        ({"description": {"en": "A lone surrogate \ud800"}}, "description"),
        (
            {"transactions": [{"type": "3", "date": "2025-01-01", "value": "1", "ref": "\x01"}]},
            "transactions",
        ),
    ],
)
def test_create_refuses_bad_data(
    secretariat: Any, idb: Organisation, change: dict[str, Any], field: str
) -> None:
    data = new_activity_data() | change
    with pytest.raises(ServiceError) as error:
        services.activity_create(user=secretariat, reporting_org=idb, data=data)
    assert error.value.field == field
    assert not Activity.objects.exists()


def test_identifier_message_names_the_rule(secretariat: Any, idb: Organisation) -> None:
    with pytest.raises(
        ServiceError, match="IATI identifiers begin with the reporting organisation"
    ):
        services.activity_create(
            user=secretariat,
            reporting_org=idb,
            data=new_activity_data("XX-OTHER-1"),
        )


def test_duplicate_identifier_is_refused(secretariat: Any, idb: Organisation) -> None:
    make_activity("XM-DAC-909-CB-001", idb)
    with pytest.raises(ServiceError, match="already exists"):
        services.activity_create(user=secretariat, reporting_org=idb, data=new_activity_data())


def test_update_of_imported_activity_marks_it_hand_edited_and_reindexes(
    partner_editor: Any, idb: Organisation
) -> None:
    activity = make_activity("XM-DAC-909-IMP", idb)
    services.activity_update(
        user=partner_editor,
        activity=activity,
        changes={
            "title": {"fr": "Gestion des risques"},
            "recipient_countries": [{"code": "FR", "percentage": "100"}],
            "actual_start": "2024-02-01",
        },
    )
    activity.refresh_from_db()
    assert activity.hand_edited is True
    assert activity.data["title"] == {"en": "Title of XM-DAC-909-IMP", "fr": "Gestion des risques"}
    assert list(activity.countries.values_list("code", flat=True)) == ["FR"]
    assert list(activity.regions.values_list("code", flat=True)) == ["EUR"]
    assert str(activity.actual_start) == "2024-02-01"
    assert str(activity.start_date) == "2024-02-01"
    assert activity.last_updated_datetime is not None
    assert activity.last_updated_datetime.year >= 2025


def test_editing_transactions_keeps_what_the_form_does_not_show(
    secretariat: Any, idb: Organisation
) -> None:
    activity = make_activity("XM-DAC-909-TX", idb)
    transaction = {
        "ref": "T1",
        "humanitarian": None,
        "type": "3",
        "date": "2024-03-01",
        "value": "10",
        "currency": None,
        "value_date": "2024-03-01",
        "description": {"en": "first"},
        "provider_org": {
            "ref": "XM-DAC-909",
            "type": "40",
            "activity_id": None,
            "narrative": {"en": "IDB"},
        },
        "receiver_org": None,
        "disbursement_channel": None,
        "sectors": [],
        "recipient_country": None,
        "recipient_region": None,
        "flow_type": None,
        "finance_type": None,
        "aid_types": [],
        "tied_status": None,
    }
    second = dict(transaction, ref="T2", description={"en": "second"})
    data = dict(
        activity.data,
        transactions=[transaction, second],
        extra_content=[
            {
                "path": "transaction[2]/provider-org",
                "attributes": {"{urn:x}flag": "2"},
                "elements": [],
            },
            {"path": "transaction[1]", "attributes": {"{urn:x}flag": "1"}, "elements": []},
        ],
    )
    Activity.objects.filter(pk=activity.pk).update(data=data)
    activity.refresh_from_db()
    # Delete the first transaction and change the value of the second.
    services.activity_update(
        user=secretariat,
        activity=activity,
        changes={"transactions": [{"index": 1, "type": "3", "date": "2024-03-01", "value": "25"}]},
    )
    activity.refresh_from_db()
    [kept] = activity.data["transactions"]
    assert kept["ref"] == "T2" and kept["value"] == "25"
    assert kept["provider_org"]["ref"] == "XM-DAC-909"
    assert activity.data["extra_content"] == [
        {"path": "transaction[1]/provider-org", "attributes": {"{urn:x}flag": "2"}, "elements": []}
    ]
    assert activity.total_spend == 25


def test_take_publisher_version(partner_editor: Any, idb: Organisation) -> None:
    activity = _imported_with_publisher_version(idb)
    services.activity_take_publisher_version(user=partner_editor, activity=activity)
    activity.refresh_from_db()
    assert activity.title_text == "Publisher's newer title"
    assert activity.hand_edited is False
    assert activity.publisher_data is None
    with pytest.raises(ServiceError):
        services.activity_take_publisher_version(user=partner_editor, activity=activity)


def test_set_visibility_to_named_organisations(
    partner_editor: Any, idb: Organisation, imf: Organisation
) -> None:
    activity = make_activity("XM-DAC-909-NAMED", idb)
    services.activity_set_visibility(
        user=partner_editor, activity=activity, visibility=Visibility.NAMED, visible_to=[imf]
    )
    activity.refresh_from_db()
    assert activity.visibility == Visibility.NAMED
    assert list(activity.visible_to.all()) == [imf]
    with pytest.raises(ServiceError):
        services.activity_set_visibility(user=partner_editor, activity=activity, visibility="x")


def test_hand_edit_survives_the_next_import(
    partner_editor: Any, idb: Organisation, tmp_path: Path
) -> None:
    run = _import(partner_editor, tmp_path)
    assert run.added == 1
    activity = Activity.objects.get(iati_identifier="XM-DAC-909-MATRIX-1")
    services.activity_update(
        user=partner_editor, activity=activity, changes={"title": {"en": "Edited by hand"}}
    )
    # The hand edit stamped the activity "now": only a publisher version stamped later is newer.
    stamp = (timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    newer = IATI_FILE.replace("2025-01-01T00:00:00Z", stamp).replace(
        "Matrix import", "Publisher title"
    )
    (tmp_path / "matrix.xml").write_text(newer, encoding="utf-8")
    from cbcoord.imports.importer import iati_import

    second = iati_import(
        user=partner_editor, path=tmp_path / "matrix.xml", source="matrix.xml", source_kind="upload"
    )
    activity.refresh_from_db()
    assert activity.title_text == "Edited by hand"
    assert second.held_back == 1
    assert activity.publisher_data["title"] == {"en": "Publisher title"}


def test_update_refuses_what_an_iati_file_cannot_hold(secretariat: Any, idb: Organisation) -> None:
    activity = make_activity("XM-DAC-909-CTL", idb, title={"en": "Clean"})
    with pytest.raises(ServiceError, match=r"title contains a character .* \(U\+000C\)"):
        services.activity_update(
            user=secretariat, activity=activity, changes={"title": {"en": "Form\x0cfeed"}}
        )
    activity.refresh_from_db()
    assert activity.data["title"] == {"en": "Clean"}
