"""Activity pages: languages, visibility, filters, escaping, forms, export."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from lxml import etree

from cbcoord.activities.models import Activity, Origin, Visibility
from cbcoord.registry.models import Organisation
from tests.factories import (
    SEES,
    ActivityFactory,
    ImportedActivityFactory,
    one_activity_per_visibility,
)

LANGUAGES = ["en", "es", "fr", "pt"]
SCHEMA = Path(__file__).resolve().parents[2] / "cbcoord/iati/schemas/iati-activities-schema.xsd"


def _get(client: Client, url: str, language: str = "en", **headers: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, language, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_render_in_each_language(
    client_for: Callable[[Any], Client], secretariat: Any, idb: Organisation, language: str
) -> None:
    activity = ImportedActivityFactory(
        iati_identifier="XM-DAC-909-LANG",
        reporting_org=idb,
        title={"en": "English title", "es": "Título"},
    )
    client = client_for(secretariat)
    for url in [
        reverse("activity-list"),
        reverse("activity-list") + "?country=DO&status=2",
        reverse("activity-detail", args=[activity.iati_identifier]),
        reverse("activity-create"),
        reverse("activity-edit", args=[activity.iati_identifier]),
        reverse("import-new"),
        reverse("import-list"),
    ]:
        html = _get(client, url, language)
        assert f'<html lang="{language}"' in html
    detail = _get(client, reverse("activity-detail", args=[activity.iati_identifier]), language)
    assert ("Título" if language == "es" else "English title") in detail


@pytest.mark.parametrize("role", list(SEES))
def test_visibility_in_list_and_detail(
    personas: dict[str, Any],
    client_for: Callable[[Any], Client],
    idb: Organisation,
    imf: Organisation,
    role: str,
) -> None:
    activities = one_activity_per_visibility(reporting_org=idb, named_for=imf)
    client = client_for(personas[role])
    listed = _get(client, reverse("activity-list"))
    for level, activity in activities.items():
        seen = level in SEES[role]
        assert (activity.iati_identifier in listed) is seen, (role, level)
        status = client.get(reverse("activity-detail", args=[activity.iati_identifier])).status_code
        assert status == (200 if seen else 404), (role, level)


@pytest.mark.parametrize("role", list(SEES))
def test_visibility_in_export(
    personas: dict[str, Any],
    client_for: Callable[[Any], Client],
    idb: Organisation,
    imf: Organisation,
    role: str,
) -> None:
    activities = one_activity_per_visibility(reporting_org=idb, named_for=imf)
    client = client_for(personas[role])
    exported = _export_identifiers(client.get(reverse("activity-export")))
    assert exported == {activities[Visibility.PUBLIC].iati_identifier}
    everything = client.get(reverse("activity-export") + "?visibility=all")
    if role == "secretariat":
        assert _export_identifiers(everything) == {a.iati_identifier for a in activities.values()}
    else:
        assert everything.status_code == 403


def _export_identifiers(response: Any) -> set[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert "attachment" in response["Content-Disposition"]
    root = etree.fromstring(b"".join(response.streaming_content))
    return {el.text for el in root.iter("iati-identifier")}


def test_filters(client: Client, idb: Organisation, imf: Organisation) -> None:
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-DO",
        reporting_org=idb,
        title={"en": "Dominican risk"},
        status="2",
    )
    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-FR",
        reporting_org=idb,
        title={"en": "French ports"},
        countries=[{"code": "FR", "percentage": "100", "narrative": {}}],
        status="3",
        start="2019-01-01",
        end="2019-12-31",
    )
    ImportedActivityFactory(
        iati_identifier="XM-DAC-43000-JM",
        reporting_org=imf,
        title={"en": "Jamaica valuation"},
        countries=[{"code": "JM", "percentage": "100", "narrative": {}}],
    )
    cases = {
        "country=DO": {"XM-DAC-909-DO"},
        "region=EUR": {"XM-DAC-909-FR"},
        "region=AMC": {"XM-DAC-909-DO", "XM-DAC-43000-JM"},
        "partner=imf": {"XM-DAC-43000-JM"},
        "status=3": {"XM-DAC-909-FR"},
        "q=valuation": {"XM-DAC-43000-JM"},
        "sector=33120": {"XM-DAC-909-DO", "XM-DAC-909-FR", "XM-DAC-43000-JM"},
        "sector=11110": set(),
        "start=2020-01-01": {"XM-DAC-909-DO", "XM-DAC-43000-JM"},
        "end=2019-06-30": {"XM-DAC-909-FR"},
        "instrument=TFA": set(),
    }
    everything = {"XM-DAC-909-DO", "XM-DAC-909-FR", "XM-DAC-43000-JM"}
    for query, expected in cases.items():
        html = _get(client, reverse("activity-list") + "?" + query)
        found = {identifier for identifier in everything if f">{identifier}<" in html}
        assert found == expected, query
        assert f"{reverse('activity-export')}?{query}" in html  # the download keeps the filters
    partial = _get(
        client,
        reverse("activity-list") + "?country=DO",
        **{"HX-Request": "true", "HX-Target": "activity-results"},
    )
    assert "<html" not in partial and "XM-DAC-909-DO" in partial


def test_hostile_narratives_are_escaped(client: Client, idb: Organisation) -> None:
    activity = ImportedActivityFactory(
        iati_identifier="XM-DAC-909-XSS",
        reporting_org=idb,
        title={"en": "<script>alert('title')</script>"},
    )
    data = dict(activity.data)
    data["descriptions"] = [{"type": "1", "narratives": {"en": "<img src=x onerror=alert(1)>"}}]
    data["document_links"] = [
        {
            "url": "javascript:alert(1)",
            "format": None,
            "title": {"en": "<b>bad</b>"},
            "description": {},
            "categories": [],
            "languages": [],
            "document_date": None,
        },
        {
            "url": "https://example.org/report.pdf",
            "format": None,
            "title": {"en": "Report"},
            "description": {},
            "categories": [],
            "languages": [],
            "document_date": None,
        },
    ]
    data["participating_orgs"][0]["name"] = {"en": "<script>alert('org')</script>"}
    Activity.objects.filter(pk=activity.pk).update(
        data=data,
        title_text=data["title"]["en"],
        warnings=[{"element": "<x>", "line": 3, "reason": "<script>alert('w')</script>"}],
    )
    for url in (
        reverse("activity-detail", args=[activity.iati_identifier]),
        reverse("activity-list"),
    ):
        html = _get(client, url)
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "<b>bad</b>" not in html
    html = _get(client, reverse("activity-detail", args=[activity.iati_identifier]))
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert '<a href="https://example.org/report.pdf" rel="noopener noreferrer nofollow">' in html


def _formset_management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_partner_editor_enters_an_activity_with_the_form(
    client_for: Callable[[Any], Client], partner_editor: Any, idb: Organisation
) -> None:
    client = client_for(partner_editor)
    post = {
        "iati_identifier": "XM-DAC-909-FORM-1",
        "reporting_org": str(idb.pk),
        "title_en": "Post-clearance audit",
        "title_es": "Auditoría posterior",
        "description_en": "Coaching auditors.",
        "activity_status": "2",
        "default_currency": "usd",
        "planned_start": "2025-03-01",
        "planned_end": "2025-09-30",
        "visibility": "public",
        **_formset_management("countries", 1),
        "countries-0-code": "DO",
        "countries-0-percentage": "100",
        **_formset_management("regions", 0),
        **_formset_management("sectors", 1),
        "sectors-0-code": "33120",
        "sectors-0-vocabulary": "1",
        **_formset_management("budgets", 0),
        **_formset_management("transactions", 1),
        "transactions-0-type": "2",
        "transactions-0-date": "2025-03-01",
        "transactions-0-value": "12000",
        "transactions-0-currency": "",
        **_formset_management("participants", 0),
    }
    response = client.post(reverse("activity-create"), post)
    assert response.status_code == 302, response.content.decode()[:3000]
    activity = Activity.objects.get(iati_identifier="XM-DAC-909-FORM-1")
    assert activity.origin == Origin.MANUAL and activity.visibility == Visibility.PUBLIC
    assert activity.data["title"] == {"en": "Post-clearance audit", "es": "Auditoría posterior"}
    assert activity.default_currency == "USD"
    assert list(activity.countries.values_list("code", flat=True)) == ["DO"]
    assert activity.total_commitment == 12000
    # A bad identifier comes back on the form with the service's message.
    post["iati_identifier"] = "XM-DAC-43000-FORM-2"
    response = client.post(reverse("activity-create"), post)
    assert response.status_code == 200
    assert "begin with the reporting organisation" in response.content.decode()


def test_edit_form_changes_only_what_changed(
    client_for: Callable[[Any], Client],
    partner_editor: Any,
    other_partner_editor: Any,
    idb: Organisation,
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-EDIT", reporting_org=idb)
    url = reverse("activity-edit", args=[activity.iati_identifier])
    assert client_for(other_partner_editor).get(url).status_code == 403
    client = client_for(partner_editor)
    html = _get(client, url)
    assert 'value="Title of XM-DAC-909-EDIT"' in html
    post = {
        "title_en": "New title",
        "description_en": "A customs modernisation activity.",
        "activity_status": "2",
        "default_currency": "USD",
        "planned_start": "2024-01-15",
        "planned_end": "2025-12-31",
        "visibility": "public",
        **_formset_management("countries", 1, 1),
        "countries-0-index": "0",
        "countries-0-code": "DO",
        "countries-0-percentage": "100",
        **_formset_management("regions", 0),
        **_formset_management("sectors", 1, 1),
        "sectors-0-index": "0",
        "sectors-0-code": "33120",
        "sectors-0-vocabulary": "1",
        "sectors-0-percentage": "100",
        **_formset_management("budgets", 1, 1),
        "budgets-0-index": "0",
        "budgets-0-type": "1",
        "budgets-0-period_start": "2024-01-01",
        "budgets-0-period_end": "2024-12-31",
        "budgets-0-value": "100000",
        **_formset_management("transactions", 0),
        **_formset_management("participants", 1, 1),
        "participants-0-index": "0",
        "participants-0-ref": "XM-DAC-909",
        "participants-0-name": idb.name,
        "participants-0-role": "1",
    }
    response = client.post(url, post)
    assert response.status_code == 302, response.content.decode()[:3000]
    activity.refresh_from_db()
    assert activity.title_text == "New title"
    assert activity.hand_edited is True
    assert activity.data["budgets"][0]["value"] == "100000"


def test_take_publisher_version_button(
    client_for: Callable[[Any], Client], partner_editor: Any, viewer: Any, idb: Organisation
) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-HELD", reporting_org=idb)
    newer = dict(activity.data, title={"en": "Publisher's title"})
    Activity.objects.filter(pk=activity.pk).update(hand_edited=True, publisher_data=newer)
    url = reverse("activity-detail", args=[activity.iati_identifier])
    action = reverse("activity-take-publisher-version", args=[activity.iati_identifier])
    assert action not in _get(client_for(viewer), url)
    assert client_for(viewer).post(action).status_code == 403
    client = client_for(partner_editor)
    assert action in _get(client, url)
    assert client.post(action).status_code == 302
    activity.refresh_from_db()
    assert activity.title_text == "Publisher's title" and not activity.hand_edited


def test_history_only_for_the_secretariat(
    client_for: Callable[[Any], Client],
    secretariat: Any,
    partner_editor: Any,
    idb: Organisation,
) -> None:
    from cbcoord.activities import services
    from cbcoord.activities.edits import ActivityEdit

    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-HIST", reporting_org=idb)
    services.activity_update(
        user=partner_editor, activity=activity, edit=ActivityEdit(title={"en": "Changed"})
    )
    url = reverse("activity-detail", args=[activity.iati_identifier])
    assert 'class="history"' in _get(client_for(secretariat), url)
    assert 'class="history"' not in _get(client_for(partner_editor), url)


def test_export_is_schema_valid_and_reimports_to_the_same_content(
    client: Client, secretariat: Any, idb: Organisation, shared_dir: Path, tmp_path: Path
) -> None:
    from cbcoord.imports.importer import iati_import

    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    reference = shared_dir / "reference/iati"
    sources = [
        *sorted((reference / "real-publishers").glob("*.xml")),
        reference / "examples-2.03/en/activity-standard/activity-standard-example-annotated.xml",
    ]
    # The writer promises a valid file for valid input: take the schema-valid publisher files.
    for path in sources:
        if schema.validate(etree.parse(str(path))):
            run = iati_import(user=None, path=path, source=path.name, source_kind="path")
            assert run.added >= 1
    ActivityFactory(
        user=secretariat,
        iati_identifier="XM-DAC-909-HAND-1",
        visibility=Visibility.PUBLIC,
        title={"en": "Hand", "pt": "Mão"},
        description={"en": "Entered by hand."},
        recipient_countries=[{"code": "DO"}],
        transactions=[{"type": "3", "date": "2025-02-01", "value": "10.50", "currency": "EUR"}],
    )
    before = {a.iati_identifier: a.data for a in Activity.objects.filter(visibility="public")}
    assert len(before) >= 6
    response = client.get(reverse("activity-export"))
    xml = b"".join(response.streaming_content)
    document = etree.parse(io.BytesIO(xml))
    assert schema.validate(document), schema.error_log.last_error
    exported = tmp_path / "export.xml"
    exported.write_bytes(xml)
    Activity.objects.all().delete()
    run = iati_import(user=None, path=exported, source="export.xml", source_kind="path")
    assert run.refused == 0, list(run.refusals.values())
    after = {a.iati_identifier: a.data for a in Activity.objects.all()}
    assert after == before


CORPUS_ACTIVITY = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
<iati-activity xml:lang="en" default-currency="USD" last-updated-datetime="2025-01-01T00:00:00Z">
  <iati-identifier>XM-DAC-909-PAGE-1</iati-identifier>
  <reporting-org ref="XM-DAC-909" type="40"><narrative>IDB</narrative></reporting-org>
  <title><narrative>Customs transit</narrative></title>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2024-01-01"/>
    <value value-date="2024-01-01">10</value>
    <receiver-org type="10"><narrative>Aduana</narrative></receiver-org></transaction>
  <transaction><transaction-type code="2"/><transaction-date iso-date="2024-01-01"/>
    <value value-date="2024-01-01">20</value></transaction>
  <location><point srsName="http://www.opengis.net/def/crs/EPSG/0/4326"><pos>18.5 -69.9</pos></point></location>
</iati-activity>
</iati-activities>
"""


@pytest.mark.parametrize(
    "source",
    [
        "examples-2.03/en/activity-standard/activity-standard-example-annotated.xml",
        "real-publishers/canada-activity.xml",
        "real-publishers/fcdo-activity.xml",
        "real-publishers/sr-activity.xml",
        "real-publishers/unops-at-activity.xml",
        "real-publishers/usaid-activity.xml",
        "real-publishers/worldbank-activity.xml",
        None,  # transactions without a provider, a location without a name
    ],
)
def test_every_imported_activity_page_renders(
    source: str | None, shared_dir: Path, reference: None, tmp_path: Path
) -> None:
    """Optional parts missing (a transaction without a provider-org, say) must not break the
    page: a template filter's argument that does not resolve raises, unlike a plain variable."""
    from cbcoord.imports.importer import iati_import

    if source is None:
        path = tmp_path / "corpus-like.xml"
        path.write_text(CORPUS_ACTIVITY, encoding="utf-8")
    else:
        path = shared_dir / "reference" / "iati" / source
    run = iati_import(user=None, path=path, source=str(path), source_kind="path")
    assert run.added >= 1
    client = Client()
    for activity in Activity.objects.filter(import_run=run):
        response = client.get(reverse("activity-detail", args=[activity.iati_identifier]))
        assert response.status_code == 200, activity.iati_identifier


@pytest.mark.parametrize("role", ["anonymous", "secretariat", "partner_editor", "member_editor"])
def test_the_list_reads_titles_in_the_readers_language_without_the_content(
    role: str,
    request: pytest.FixtureRequest,
    client_for: Callable[[Any], Client],
    idb: Organisation,
) -> None:
    """A page of the list loads no ``data`` (5 KB a row) and needs no DISTINCT (which sorted
    every row with its content): with 100,000 activities that took seconds a page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ImportedActivityFactory(
        iati_identifier="XM-DAC-909-LIST",
        reporting_org=idb,
        title={"en": "English title", "es": "Título en español"},
        visibility=Visibility.PUBLIC,
    )
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        html = _get(client, reverse("activity-list"), "es")
    assert "Título en español" in html
    listed = [q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"]]
    assert listed, "no page query"
    for sql in listed:
        assert "DISTINCT" not in sql
        selected = sql.split(" FROM ")[0]
        assert '"activities_activity"."warnings"' not in selected
        assert '"activities_activity"."publisher_data"' not in selected
        # data only inside the extraction of the title's narratives, not as a column
        assert '"activities_activity"."data", "activities_activity".' not in selected


@pytest.mark.parametrize("identifier", ["XM-DAC-909-A\nB\tC", "XM-DAC-909/2024/7"])
def test_identifiers_with_whitespace_or_slashes_have_working_pages(
    client_for: Callable[[Any], Client], secretariat: Any, idb: Organisation, identifier: str
) -> None:
    """Publishers' identifiers may hold slashes, newlines or tabs (the reader trims only their
    ends): every page of such an activity opens, and the list that links to it renders."""
    activity = ImportedActivityFactory(
        iati_identifier=identifier, reporting_org=idb, title={"en": "Odd identifier"}
    )
    client = client_for(secretariat)
    detail = reverse("activity-detail", args=[activity.iati_identifier])
    assert detail in _get(client, reverse("activity-list"))
    assert "Odd identifier" in _get(client, detail)
    _get(client, reverse("activity-edit", args=[activity.iati_identifier]))
    response = client.get(reverse("api:get_activity", args=[activity.iati_identifier]))
    assert response.status_code == 200
    assert response.json()["iati_identifier"] == identifier
