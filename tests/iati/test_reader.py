"""cbcoord.iati.reading.reader on real and hand-made activities: what is read into which field,
what is kept aside, what is warned about, what refuses an activity."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cbcoord.iati.reading import XML_LANG, check_file, iter_activity_content
from cbcoord.iati.records import ActivityContent, ParsedActivity, RefusedActivity
from cbcoord.iati.writer import activity_element
from tests.iati.helpers import (
    EXAMPLE,
    PUBLISHERS,
    needs_reference,
    only,
    parse,
    refused,
    write,
)


@needs_reference
def test_official_example_is_read_completely() -> None:
    info = check_file(EXAMPLE)
    assert (info.root_tag, info.version, info.activity_count) == ("iati-activities", "2.03", 1)
    assert info.generated_datetime == dt.datetime(2014, 9, 10, 7, 15, 37, tzinfo=dt.UTC)
    a = only(EXAMPLE)
    assert a.iati_identifier == "AA-AAA-123456789-ABC123"
    assert a.default_language == "en"
    assert a.default_currency == "USD"
    assert a.last_updated_datetime == dt.datetime(2014, 9, 10, 7, 15, 37, tzinfo=dt.UTC)
    assert (a.hierarchy, a.humanitarian, a.budget_not_provided) == (1, True, "1")
    assert a.reporting_org.ref == "AA-AAA-123456789"
    assert a.reporting_org.secondary_reporter is False
    assert a.reporting_org.name == {"en": "Organisation name", "fr": "Nom de l'organisme"}
    assert a.title == {
        "en": "Activity title",
        "fr": "Titre de l'activité",
        "es": "Título de la actividad",
    }
    assert [d.type for d in a.descriptions] == ["1", "2", "3"]
    assert [(p.role, p.type, p.activity_id) for p in a.participating_orgs][2] == (
        "3",
        "21",
        "AA-AAA-123456789-1234",
    )
    assert a.participating_orgs[2].crs_channel_code == "000000"
    assert a.activity_status == "2"
    assert [(d.type, d.iso_date) for d in a.activity_dates][0] == ("1", dt.date(2012, 4, 15))
    assert a.activity_dates[0].narrative["fr"] == "Date prévue de début de l'activité"
    assert a.activity_scope == "3"
    assert [(c.code, c.percentage) for c in a.recipient_countries] == [
        ("AF", Decimal(25)),
        ("AG", Decimal(25)),
    ]
    assert a.recipient_regions[1].vocabulary_uri == "http://example.com/vocab.html"
    loc = a.locations[0]
    assert (loc.ref, loc.location_reach, loc.exactness, loc.feature_designation) == (
        "AF-KAN",
        "1",
        "1",
        "ADMF",
    )
    assert loc.point is not None
    assert loc.point.latitude_longitude() == (Decimal("31.616944"), Decimal("65.716944"))
    assert loc.administratives[0].level == 1
    assert [s.code for s in a.sectors] == ["111", "112", "A1"]
    assert a.sectors[2].narrative == {"en": "A description of the sector"}
    assert [t.code for t in a.tags] == ["1", "T1"]
    assert [(p.code, p.significance) for p in a.policy_markers][0] == ("2", "3")
    assert (a.collaboration_type, a.default_flow_type, a.default_finance_type) == ("1", "10", "110")
    assert [(t.code, t.vocabulary) for t in a.default_aid_types] == [("A01", "1"), ("1", "2")]
    assert a.default_tied_status == "3"
    (budget,) = a.budgets
    assert (budget.value, budget.currency, budget.period_end) == (
        Decimal(3000),
        "EUR",
        dt.date(2014, 12, 31),
    )
    (t,) = a.transactions
    assert (t.ref, t.humanitarian, t.type, t.date, t.value) == (
        "1234",
        True,
        "1",
        dt.date(2012, 1, 1),
        Decimal(1000),
    )
    assert t.provider_org is not None
    assert t.provider_org.activity_id == "BB-BBB-123456789-1234AA"
    assert t.receiver_org is not None
    assert t.receiver_org.narrative == {"en": "Agency A"}
    assert (t.disbursement_channel, t.flow_type, t.finance_type, t.tied_status) == (
        "1",
        "10",
        "110",
        "3",
    )
    assert t.recipient_country is not None
    assert t.recipient_country.code == "TM"
    assert [s.code for s in t.sectors] == ["111"]
    (link,) = a.document_links
    assert (link.categories, link.languages, link.document_date) == (
        ["A01"],
        ["en"],
        dt.date(2014, 2, 5),
    )
    assert [(r.ref, r.type) for r in a.related_activities] == [("AA-AAA-123456789-6789", "1")]
    assert [o.tag for o in a.other_elements] == [
        "other-identifier",
        "contact-info",
        "country-budget-items",
        "humanitarian-scope",
        "humanitarian-scope",
        "planned-disbursement",
        "planned-disbursement",
        "capital-spend",
        "legacy-data",
        "legacy-data",
        "conditions",
        "result",
        "crs-add",
        "fss",
    ]
    assert a.extra_content == []
    # valid against the schema; the only remarks are two codes the codelists do not have
    assert [w.reason for w in a.warnings] == [
        "@crs-channel-code '000000' is not in the CRSChannelCode codelist",
        "@code '616' is not in the Region codelist",
    ]
    assert a.warnings[0].element == "iati-activity/participating-org[3]"
    assert a.warnings[0].line == 51


@needs_reference
@pytest.mark.parametrize(
    ("name", "count", "identifier"),
    [
        ("canada-activity.xml", 1, "CA-3-D002451001"),
        ("usaid-activity.xml", 1, "US-GOV-1-AID-EPP-A-00-09-00001"),
        ("worldbank-activity.xml", 1, "44000-P175662"),
        ("fcdo-activity.xml", 1, "GB-1-103662-101"),
        ("unops-at-activity.xml", 3, "41AAA-22482-001"),
        ("sr-activity.xml", 1, "GB-CHC-1143797-Health and nutrition, Education, Protection, WASH"),
    ],
)
def test_real_publishers_parse(name: str, count: int, identifier: str) -> None:
    path = PUBLISHERS / name
    assert check_file(path).activity_count == count
    results = parse(path)
    assert len(results) == count
    assert all(isinstance(r, ParsedActivity) for r in results)
    assert results[0].iati_identifier.startswith(identifier)  # type: ignore[union-attr]


@needs_reference
def test_canada_point_without_pos_warns_or_refuses() -> None:
    a = only(PUBLISHERS / "canada-activity.xml")
    points = [w for w in a.warnings if w.element.endswith("/point")]
    assert len(points) == 7
    assert points[0].element == "iati-activity/location[1]/point"
    assert points[0].reason == "point is missing a required child element (expected: pos)"
    assert points[0].line == 2
    assert a.locations[0].point is not None
    assert a.locations[0].point.pos is None
    # French and English narratives, language codes lowercased
    assert set(a.title) == {"fr", "en"}
    assert {c.code for c in a.recipient_countries} >= {"NI", "BO"}
    r = refused(PUBLISHERS / "canada-activity.xml", strict=True)
    assert r.identifier == "CA-3-D002451001"
    assert r.element == "iati-activity/location[1]/point"
    assert "Missing child element(s). Expected is ( pos )" in r.reason
    assert "6 more schema error(s)" in r.reason


@needs_reference
def test_unops_document_links_warn_or_refuse() -> None:
    results = parse(PUBLISHERS / "unops-at-activity.xml")
    for a in results:
        assert isinstance(a, ParsedActivity)
        reasons = [w.reason for w in a.warnings if w.element == "iati-activity/document-link[1]"]
        assert reasons == [
            "document-link is missing its required attribute 'url'",
            "document-link is missing its required attribute 'format'",
            "document-link is missing a required child element (expected: title)",
        ]
    strict = parse(PUBLISHERS / "unops-at-activity.xml", strict=True)
    assert [r.element for r in strict] == ["iati-activity/document-link[1]"] * 3  # type: ignore[union-attr]
    assert all(isinstance(r, RefusedActivity) for r in strict)
    assert [r.line for r in strict] == [73, 145, 217]


@needs_reference
def test_usaid_extensions_are_kept() -> None:
    a = only(PUBLISHERS / "usaid-activity.xml")
    assert a.warnings == []
    assert len(a.transactions) == 152
    assert "MX" in {t.recipient_country.code for t in a.transactions if t.recipient_country}
    root = {e.path: e for e in a.extra_content}[""]
    assert root.attributes["{http://d-portal.org/xmlns/dstore}dataset"] == "usaid-multiple-15"
    assert a.default_language == "en"  # xml:lang="EN"
    tags = [o.tag for o in a.other_elements]
    assert "{https://explorer.usaid.gov}duns-number" in tags
    inner = [e for e in a.extra_content if e.path.startswith("transaction[")]
    assert inner
    assert all(x.startswith("<usg:") for e in inner for x in e.elements)


@needs_reference
def test_worldbank_and_fcdo() -> None:
    wb = only(PUBLISHERS / "worldbank-activity.xml")
    assert {s.vocabulary for s in wb.sectors} >= {"1"}
    assert any("withdrawn from the FlowType codelist" in w.reason for w in wb.warnings)
    fcdo = only(PUBLISHERS / "fcdo-activity.xml")
    assert "15110" in {s.code for s in fcdo.sectors}
    assert fcdo.last_updated_datetime == dt.datetime(2010, 3, 31, tzinfo=dt.UTC)
    assert fcdo.warnings[0].reason == (
        "last-updated-datetime '2010-03-31T00:00:00' has no time zone; read as UTC"
    )


def test_narrative_language_fallbacks(tmp_path: Path) -> None:
    a = only(write(tmp_path))
    assert a.title == {"en": "Customs modernisation", "es": "Modernización aduanera"}
    inherited = only(write(tmp_path, attrs="", root='version="2.03" xml:lang="FR"'))
    assert inherited.default_language == "fr"
    assert inherited.title == {"fr": "Customs modernisation", "es": "Modernización aduanera"}
    none = only(write(tmp_path, attrs=""))
    assert none.default_language is None
    assert none.title == {"": "Customs modernisation", "es": "Modernización aduanera"}


def test_two_narratives_in_one_language_are_joined(tmp_path: Path) -> None:
    body = '<tag vocabulary="99" code="X"><narrative>one</narrative><narrative xml:lang=\'en\'>'
    body += "two</narrative></tag>"
    a = only(write(tmp_path, body=body))
    assert a.tags[0].narrative == {"en": "one\ntwo"}


def test_missing_identifier_and_reporting_org_refuse(tmp_path: Path) -> None:
    path = write(tmp_path)
    text = path.read_text(encoding="utf-8")
    no_id = tmp_path / "no-id.xml"
    no_id.write_text(text.replace("XM-DAC-909-CB-1", "  "), encoding="utf-8")
    r = refused(no_id)
    assert (r.identifier, r.element, r.reason) == (
        None,
        "iati-activity/iati-identifier",
        "iati-identifier is empty",
    )
    start, end = text.index("<reporting-org"), text.index("</reporting-org>") + 16
    no_org = tmp_path / "no-org.xml"
    no_org.write_text(text[:start] + text[end:], encoding="utf-8")
    assert refused(no_org).reason == "the activity has no reporting-org"
    nameless = tmp_path / "nameless.xml"
    nameless.write_text(text[:start] + '<reporting-org type="40"/>' + text[end:], encoding="utf-8")
    assert refused(nameless).reason == "reporting-org has neither a ref nor a name"


def test_unknown_and_withdrawn_codes_warn(tmp_path: Path) -> None:
    body = (
        '<sector vocabulary="1" code="99999" percentage="0"/>'
        '<sector vocabulary="1" code="11321" percentage="0"/>'
        '<sector vocabulary="99" code="LOCAL-7" percentage="0"/>'
        '<sector vocabulary="2" code="331" percentage="0"/>'
    )
    a = only(write(tmp_path, attrs='xml:lang="en" default-currency="XYZ"', body=body))
    reasons = {w.element: w.reason for w in a.warnings}
    assert reasons == {
        "iati-activity": "@default-currency 'XYZ' is not in the Currency codelist",
        "iati-activity/sector[2]": "@code '99999' is not in the Sector codelist",
        "iati-activity/sector[3]": "@code '11321' is withdrawn from the Sector codelist",
    }
    assert only(write(tmp_path, body=body), codelists=False).warnings == []


@needs_reference
def test_json_round_trip_and_content_hash() -> None:
    for path in [EXAMPLE, *sorted(PUBLISHERS.glob("*.xml"))]:
        for a in parse(path):
            assert isinstance(a, ParsedActivity)
            data = json.loads(json.dumps(a.to_dict()))
            again = ParsedActivity.from_dict(data)
            assert again == a
            assert again.content_hash() == a.content_hash()
    a = only(EXAMPLE)
    b = only(EXAMPLE)
    b.warnings = []
    b.source_line = 1
    assert a.content_hash() == b.content_hash()
    b.title["en"] = "Another title"
    assert a.content_hash() != b.content_hash()


def test_indentation_does_not_change_content(tmp_path: Path) -> None:
    body = (
        '<contact-info type="1">\n   <organisation>\n      <narrative>IDB</narrative>\n'
        "   </organisation>\n</contact-info>"
    )
    pretty = only(write(tmp_path, body=body, name="a.xml"))
    flat = only(write(tmp_path, body=body.replace("\n", "").replace("   ", ""), name="b.xml"))
    assert pretty.other_elements == flat.other_elements
    assert pretty.content_hash() == flat.content_hash()


@pytest.mark.parametrize("declared_on", ["root", "sector"])
def test_extension_attributes_inside_modelled_elements_are_kept(
    tmp_path: Path, declared_on: str
) -> None:
    """Namespaced content is found wherever its namespace is declared (the fast path reads only
    modelled content; activities that may hold more are read carefully)."""
    root = 'version="2.03" xmlns:x="urn:x"' if declared_on == "root" else 'version="2.03"'
    declaration = "" if declared_on == "root" else ' xmlns:x="urn:x"'
    body = (
        f'<tag vocabulary="99" code="T"{declaration} x:weight="3">'
        "<narrative>t</narrative><x:note>kept</x:note></tag>"
    )
    a = only(write(tmp_path, root=root, body=body, activities=1))
    extras = {e.path: e for e in a.extra_content}
    assert extras["tag[1]"].attributes == {"{urn:x}weight": "3"}
    assert extras["tag[1]"].elements == ['<x:note xmlns:x="urn:x">kept</x:note>']
    assert a.warnings == []


def test_xml_lang_outside_narrative_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, activities=3)
    text = path.read_text(encoding="utf-8").replace("<title>", '<title xml:lang="es">', 1)
    path.write_text(text, encoding="utf-8")
    first, second, _ = parse(path)
    assert isinstance(first, ParsedActivity)
    assert {e.path: e.attributes for e in first.extra_content} == {
        "title": {"{http://www.w3.org/XML/1998/namespace}lang": "es"}
    }
    assert isinstance(second, ParsedActivity)
    assert second.extra_content == []


def test_narratives_are_kept_in_the_order_the_stored_json_has(tmp_path: Path) -> None:
    """Narratives come out sorted by language, as the canonical JSON stores them: "the first
    narrative" (a title without English) and the ``narrative[n]`` path of an extension attribute
    mean the same on the page, in the derived columns and in the export."""
    body = (
        '<description><narrative xml:lang="fr">Douane</narrative>'
        '<narrative xml:lang="es" x:checked="1">Aduana</narrative></description>'
    )
    path = write(tmp_path, body=body, root='version="2.03" xmlns:x="urn:x"')
    (content,) = iter_activity_content(path)
    assert isinstance(content, ActivityContent)
    description = content.content["descriptions"][-1]["narratives"]
    assert list(description) == ["es", "fr"]
    assert [(e["path"], e["attributes"]) for e in content.content["extra_content"]] == [
        ("description[2]/narrative[1]", {"{urn:x}checked": "1"})
    ]
    stored = json.loads(content.content_json())
    assert stored["descriptions"] == content.content["descriptions"]
    narratives = activity_element(content.parsed()).findall("description")[-1]
    assert [n.get(XML_LANG) for n in narratives] == ["es", "fr"]
    assert narratives[0].get("{urn:x}checked") == "1"
