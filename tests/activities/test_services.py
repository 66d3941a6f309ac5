"""Hand edits of activities: permissions, validation, and what the edits keep in step."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pydantic import ValidationError

from cbcoord.activities import services
from cbcoord.activities.edits import ActivityEdit, ActivityNew
from cbcoord.activities.models import (
    Activity,
    ActivityCountry,
    ActivityParticipant,
    ActivitySector,
    Origin,
    Visibility,
)
from cbcoord.core.errors import ServiceError
from cbcoord.core.validation import problems
from cbcoord.iati.records import ParsedActivity
from cbcoord.imports.models import ImportRun
from cbcoord.registry.models import Organisation
from tests.factories import (
    IATI_FILE,
    ActivityDataFactory,
    ActivityFactory,
    ActivityNewFactory,
    ImportedActivityFactory,
)

ROLES = [
    "secretariat",
    "partner_editor",
    "other_partner_editor",
    "member_editor",
    "viewer",
    "anonymous",
]


def edit(**changes: Any) -> ActivityEdit:
    return ActivityEdit.model_validate(changes)


def refused_fields(model: type[ActivityEdit], data: dict[str, Any]) -> list[str]:
    """The fields a typed edit refuses, in the order it reports them."""
    with pytest.raises(ValidationError) as error:
        model.model_validate(data)
    return [problem.field for problem in problems(error.value)]


def _snapshot() -> tuple[Any, ...]:
    return (
        list(Activity.objects.order_by("pk").values()),
        list(Activity.visible_to.through.objects.order_by("pk").values()),
        list(ActivityCountry.objects.order_by("pk").values()),
        list(ActivitySector.objects.order_by("pk").values()),
        ImportRun.objects.count(),
    )


def _imported_with_publisher_version(idb: Organisation) -> Activity:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-HELD", reporting_org=idb)
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
    activity = services.activity_create(user=partner_editor, new=ActivityNewFactory())
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
        ({"iati_identifier": "has space"}, "iati_identifier"),
        ({"iati_identifier": ""}, "iati_identifier"),
        ({"reporting_org": ""}, "reporting_org"),
        ({"activity_status": "9"}, "activity_status"),
        ({"recipient_countries": [{"code": "QQ"}]}, "recipient_countries.0.code"),
        (
            {
                "recipient_countries": [
                    {"code": "DO", "percentage": "60"},
                    {"code": "JM", "percentage": "30"},
                ]
            },
            "recipient_countries",
        ),
        (
            {"recipient_countries": [{"code": "DO", "percentage": "120"}]},
            "recipient_countries.0.percentage",
        ),
        (
            {"recipient_countries": [{"code": "DO", "percentage": "50"}, {"code": "JM"}]},
            "recipient_countries.1.percentage",
        ),
        (
            {"recipient_countries": [{"code": "DO"}, {"code": "do"}]},
            "recipient_countries.1.code",
        ),
        ({"recipient_regions": [{"code": "999"}]}, "recipient_regions.0.code"),
        (
            {
                "recipient_countries": [{"code": "DO", "percentage": "60"}],
                "recipient_regions": [{"code": "489", "percentage": "30"}],
            },
            "recipient_countries",
        ),
        ({"sectors": [{"code": "99999", "vocabulary": "1"}]}, "sectors.0.code"),
        ({"sectors": [{"code": "331", "vocabulary": "2"}, {"code": "999"}]}, "sectors.1.code"),
        ({"sectors": [{"code": "33120", "percentage": "50"}]}, "sectors"),
        ({"default_currency": "XXY"}, "default_currency"),
        (
            {"transactions": [{"type": "99", "date": "2025-01-01", "value": "1"}]},
            "transactions.0.type",
        ),
        (
            {
                "transactions": [
                    {"type": "3", "date": "2025-01-01", "value": "1", "currency": "ZZZ"}
                ]
            },
            "transactions.0.currency",
        ),
        ({"transactions": [{"type": "3", "value": "1"}]}, "transactions.0.date"),
        ({"planned_end": "2024-01-01"}, "planned_end"),
        ({"planned_start": None, "actual_start": None}, "planned_start"),
        (
            {"budgets": [{"period_start": "2025-12-31", "period_end": "2025-01-01", "value": "1"}]},
            "budgets.0.period_end",
        ),
        (
            {
                "budgets": [
                    {"period_start": "2025-01-01", "period_end": "2025-12-31", "value": "-1"}
                ]
            },
            "budgets.0.value",
        ),
        (
            {"budgets": [{"period_start": "2025-01-01", "period_end": "2025-12-31", "value": "x"}]},
            "budgets.0.value",
        ),
        ({"title": {"en": ""}}, "title"),
        ({"title": {"de": "Titel"}}, "title.de.[key]"),
        ({"description": {}}, "description"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"title": {"en": "Pasted\x0bfrom a word processor"}}, "title.en"),
        ({"description": {"en": "A lone surrogate \ud800"}}, "description.en"),
        ({"participating_orgs": [{"name": "A\x01", "role": "1"}]}, "participating_orgs.0.name"),
        ({"participating_orgs": [{"role": "1"}]}, "participating_orgs.0.name"),
        ({"participating_orgs": [{"name": "GIZ", "role": "9"}]}, "participating_orgs.0.role"),
        ({"visibility": "everyone"}, "visibility"),
    ],
)
def test_the_typed_entry_refuses_bad_data(change: dict[str, Any], field: str) -> None:
    assert refused_fields(ActivityNew, ActivityDataFactory() | change) == [field]


def test_every_problem_is_reported_at_once() -> None:
    data = ActivityDataFactory() | {
        "default_currency": "XXY",
        "budgets": [{"period_start": "2025-01-01", "period_end": "2025-12-31", "value": "-5"}],
        "sectors": [{"code": "99999"}],
        "planned_start": None,
    }
    assert refused_fields(ActivityNew, data) == [
        "default_currency",
        "sectors.0.code",
        "budgets.0.value",
        "planned_start",
    ]


def test_problems_are_sentences_without_field_names() -> None:
    with pytest.raises(ValidationError) as error:
        ActivityNew.model_validate(
            ActivityDataFactory()
            | {
                "default_currency": "XXY",
                "budgets": [
                    {"period_start": "2025-01-01", "period_end": "2025-12-31", "value": "-5"}
                ],
            }
        )
    messages = [problem.message for problem in problems(error.value)]
    assert messages == [
        "XXY is not a currency code (ISO 4217, such as USD or EUR).",
        "A budget cannot be negative.",
    ]


def test_a_change_checks_only_what_it_gives() -> None:
    assert edit().given() == set()
    assert edit(title={"fr": "Titre"}).given() == {"title"}
    # The percentages of countries alone are not checked: the stored regions may hold the rest.
    assert edit(recipient_countries=[{"code": "DO", "percentage": "60"}]).given() == {
        "recipient_countries"
    }
    assert refused_fields(ActivityEdit, {"title": None}) == ["title"]
    assert refused_fields(
        ActivityEdit, {"planned_start": "2025-01-01", "planned_end": "2024-01-01"}
    ) == ["planned_end"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reporting_org": "no-such-organisation"}, "reporting_org"),
        ({"visible_to": ["imf", "no-such-organisation"]}, "visible_to.1"),
    ],
)
def test_create_refuses_what_the_database_does_not_hold(
    secretariat: Any, idb: Organisation, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ServiceError) as error:
        services.activity_create(user=secretariat, new=ActivityNewFactory(**change))
    assert [problem[0] for problem in error.value.problems] == [field]
    assert not Activity.objects.exists()


def test_identifier_message_names_the_rule(secretariat: Any, idb: Organisation) -> None:
    with pytest.raises(
        ServiceError, match="IATI identifiers begin with the reporting organisation"
    ) as error:
        services.activity_create(
            user=secretariat, new=ActivityNewFactory(iati_identifier="XX-OTHER-1")
        )
    assert error.value.field == "iati_identifier"
    assert "XM-DAC-909-… / XI-IATI-IADB-…" in error.value.message
    assert not Activity.objects.exists()


def test_duplicate_identifier_is_refused(secretariat: Any, idb: Organisation) -> None:
    ImportedActivityFactory(iati_identifier="XM-DAC-909-CB-001", reporting_org=idb)
    with pytest.raises(ServiceError, match="already exists"):
        services.activity_create(user=secretariat, new=ActivityNewFactory())


def test_the_service_reports_its_problems_together(secretariat: Any, idb: Organisation) -> None:
    with pytest.raises(ServiceError) as error:
        services.activity_create(
            user=secretariat,
            new=ActivityNewFactory(iati_identifier="XM-DAC-43000-1", visible_to=["nobody"]),
        )
    assert [field for field, _message in error.value.problems] == [
        "iati_identifier",
        "visible_to.0",
    ]


def test_update_of_imported_activity_marks_it_hand_edited_and_reindexes(
    partner_editor: Any, idb: Organisation
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-IMP", reporting_org=idb)
    published = activity.data["last_updated_datetime"]
    services.activity_update(
        user=partner_editor,
        activity=activity,
        edit=edit(
            title={"fr": "Gestion des risques"},
            recipient_countries=[{"code": "FR", "percentage": "100"}],
            actual_start="2024-02-01",
        ),
    )
    activity.refresh_from_db()
    assert activity.hand_edited is True
    assert activity.data["title"] == {"en": "Title of XM-DAC-909-IMP", "fr": "Gestion des risques"}
    assert list(activity.countries.values_list("code", flat=True)) == ["FR"]
    assert list(activity.regions.values_list("code", flat=True)) == ["EUR"]
    assert str(activity.actual_start) == "2024-02-01"
    assert str(activity.start_date) == "2024-02-01"
    # The publisher's last-updated-datetime stays; the hand edit has its own stamp.
    assert activity.data["last_updated_datetime"] == published
    assert activity.last_updated_datetime.isoformat() == published
    assert activity.edited_at is not None
    assert activity.edited_at.year >= 2025


def test_editing_transactions_keeps_what_the_form_does_not_show(
    secretariat: Any, idb: Organisation
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-TX", reporting_org=idb)
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
        edit=edit(transactions=[{"index": 1, "type": "3", "date": "2024-03-01", "value": "25"}]),
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
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-NAMED", reporting_org=idb)
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
        user=partner_editor, activity=activity, edit=edit(title={"en": "Edited by hand"})
    )
    # Only a publisher version stamped later than the one imported is newer.
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
    assert refused_fields(ActivityEdit, {"title": {"en": "Form\x0cfeed"}}) == ["title.en"]
    with pytest.raises(ValidationError, match=r"character .* \(U\+000C\)"):
        edit(title={"en": "Form\x0cfeed"})


def test_update_checks_the_activity_as_edited(secretariat: Any, idb: Organisation) -> None:
    """What needs the stored content: the only title removed, the countries' percentages
    against the regions kept, the dates against those kept."""
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-MERGE", reporting_org=idb)
    Activity.objects.filter(pk=activity.pk).update(
        data=dict(
            activity.data,
            recipient_countries=[{"code": "DO", "percentage": "50", "narrative": {}}],
            recipient_regions=[
                {
                    "code": "489",
                    "vocabulary": "1",
                    "vocabulary_uri": None,
                    "percentage": "50",
                    "narrative": {},
                }
            ],
        )
    )
    activity.refresh_from_db()
    before = _snapshot()
    with pytest.raises(ServiceError) as error:
        services.activity_update(
            user=secretariat,
            activity=activity,
            edit=edit(
                title={"en": ""},
                recipient_countries=[{"index": 0, "code": "DO", "percentage": "60"}],
                planned_end="2023-12-31",
            ),
        )
    assert [field for field, _message in error.value.problems] == [
        "title",
        "planned_end",
        "recipient_countries",
    ]
    assert "add up to 110" in error.value.message
    assert _snapshot() == before
    # Countries and regions changed together, to add up again.
    services.activity_update(
        user=secretariat,
        activity=activity,
        edit=edit(
            recipient_countries=[{"index": 0, "code": "DO", "percentage": "60"}],
            recipient_regions=[{"index": 0, "code": "489", "percentage": "40"}],
        ),
    )
    activity.refresh_from_db()
    assert list(activity.recipient_regions.values_list("code", "percentage")) == [
        ("489", Decimal("40"))
    ]


def test_regions_are_stored_and_indexed(secretariat: Any, idb: Organisation) -> None:
    activity = services.activity_create(
        user=secretariat,
        new=ActivityNewFactory(
            recipient_countries=[{"code": "DO", "percentage": "70"}],
            recipient_regions=[{"code": "489", "percentage": "30"}],
        ),
    )
    activity.refresh_from_db()
    assert activity.data["recipient_regions"] == [
        {
            "code": "489",
            "vocabulary": "1",
            "vocabulary_uri": None,
            "percentage": "30",
            "narrative": {},
        }
    ]
    assert list(activity.recipient_regions.values_list("code", "vocabulary")) == [("489", "1")]


def test_an_edit_changing_nothing_writes_nothing(secretariat: Any, idb: Organisation) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-SAME", reporting_org=idb)
    before = _snapshot()
    services.activity_update(
        user=secretariat,
        activity=activity,
        edit=edit(title={"en": "Title of XM-DAC-909-SAME"}, activity_status="2"),
    )
    assert _snapshot() == before
    assert activity.history.count() == 1  # its creation only


def test_history_records_the_parts_changed(
    partner_editor: Any, idb: Organisation, imf: Organisation
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-PARTS", reporting_org=idb)
    services.activity_update(
        user=partner_editor,
        activity=activity,
        edit=edit(
            title={"es": "Título"},
            planned_end="2026-01-31",
            recipient_countries=[{"code": "JM"}],
            visible_to=["imf"],
        ),
    )
    services.activity_update(user=partner_editor, activity=activity, edit=edit(visibility="wco"))
    latest, first = activity.history.order_by("-history_date", "-pk")[:2]
    assert first.changed_parts == ["title", "dates", "countries", "visible_to"]
    assert latest.changed_parts == []
    assert latest.visibility == "wco"


def test_an_activity_entered_by_hand_is_stamped_by_its_edits(
    secretariat: Any, idb: Organisation
) -> None:
    activity = ActivityFactory(user=secretariat)
    activity.refresh_from_db()
    assert activity.edited_at is not None
    # cbcoord publishes it: its last-updated-datetime is its last edit
    assert activity.last_updated_datetime == activity.edited_at
