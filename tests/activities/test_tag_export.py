"""Provision tags in IATI exports (``<tag vocabulary="99">`` of cbcoord's catalogue) and back
through an import: nothing lost in a round trip."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from lxml import etree

from cbcoord.accounts.actors import SYSTEM
from cbcoord.activities import catalogue_tags, services
from cbcoord.activities.export import write_export
from cbcoord.activities.models import Activity, ActivityProvision, TagSource, TagStatus
from cbcoord.imports.importer import iati_import
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory

IATI = "{http://www.w3.org/XML/1998/namespace}lang"


def _tags(identifier: str) -> dict[str, str]:
    return dict(
        ActivityProvision.objects.filter(activity__iati_identifier=identifier).values_list(
            "provision__code", "status"
        )
    )


def _reviewed_activity(idb: Organisation, secretariat: Any) -> Activity:
    """An activity with a suggested, a confirmed, a rejected and a manual tag."""
    activity = ImportedActivityFactory(
        iati_identifier="XM-DAC-909-TAGS",
        reporting_org=idb,
        title={"en": "Customs single window and authorized economic operator programme"},
    )
    services.activities_retag(activity_ids=[activity.pk])
    links = {link.provision.code: link for link in activity.provision_links.all()}
    assert {"TFA-10.4", "SAFE-P2-S3"} <= set(links)
    services.activity_tag_confirm(user=secretariat, tag=links["TFA-10.4"])
    services.activity_tag_reject(user=secretariat, tag=links["SAFE-P2-S3"])
    services.activity_tag_add(user=secretariat, activity=activity, provision_code="TFA-7.4")
    return activity


def test_an_export_writes_the_tags_of_the_catalogue(
    reference: None, idb: Organisation, secretariat: Any
) -> None:
    activity = _reviewed_activity(idb, secretariat)
    before = _tags(activity.iati_identifier)
    out = io.BytesIO()
    write_export(Activity.objects.filter(pk=activity.pk), out)
    document = etree.fromstring(out.getvalue())
    tags = {
        element.get("code"): element
        for element in document.iter("tag")
        if element.get("vocabulary") == "99"
    }
    # Every tag but the rejected one.
    assert set(tags) == {code for code, status in before.items() if status != "rejected"}
    for element in tags.values():
        assert element.get("vocabulary-uri") == catalogue_tags.CATALOGUE_URI
    # The provision's title; the rules' confidence of a tag they suggested, a person confirmed.
    assert tags["TFA-10.4"].findtext("narrative").startswith("Single window [cbcoord: confirmed")
    assert tags["TFA-7.4"].findtext("narrative") == "Risk management"  # added by hand
    suggested = [code for code, status in before.items() if status == "suggested"]
    for code in suggested:
        assert "[cbcoord: suggested, confidence" in tags[code].findtext("narrative")


def test_the_tags_come_back_on_import(
    tmp_path: Path, reference: None, idb: Organisation, secretariat: Any
) -> None:
    activity = _reviewed_activity(idb, secretariat)
    before = _tags(activity.iati_identifier)
    path = tmp_path / "export.xml"
    with path.open("wb") as out:
        write_export(Activity.objects.filter(pk=activity.pk), out)
    Activity.objects.all().delete()

    run = iati_import(user=SYSTEM, path=path, source=path.name, source_kind="path")
    assert (run.added, run.refused) == (1, 0)
    after = _tags(activity.iati_identifier)
    # The rejected tag was not exported; the rules suggest its provision again.
    assert after == {**before, "SAFE-P2-S3": TagStatus.SUGGESTED}
    sources = dict(ActivityProvision.objects.values_list("provision__code", "source"))
    assert sources["TFA-10.4"] == sources["TFA-7.4"] == TagSource.IMPORT

    # A second export of the re-imported activity writes each tag once.
    out = io.BytesIO()
    write_export(Activity.objects.all(), out)
    codes = [
        element.get("code")
        for element in etree.fromstring(out.getvalue()).iter("tag")
        if element.get("vocabulary") == "99"
    ]
    assert sorted(codes) == sorted(after)


def test_a_tag_of_another_vocabulary_99_is_not_read_as_the_catalogues() -> None:
    content = {
        "tags": [
            {"vocabulary": "99", "vocabulary_uri": "https://example.org/own", "code": "TFA-1"},
            {
                "vocabulary": "99",
                "vocabulary_uri": catalogue_tags.CATALOGUE_URI,
                "code": "TFA-7.4",
                "narrative": {"en": "Risk management [cbcoord: suggested, confidence 0.80]"},
            },
            {"vocabulary": "99", "vocabulary_uri": catalogue_tags.CATALOGUE_URI, "code": "RKC-1"},
        ]
    }
    assert catalogue_tags.read_tags(content) == [
        catalogue_tags.ReadTag("TFA-7.4", "suggested", 0.8),
        catalogue_tags.ReadTag("RKC-1", "confirmed", None),
    ]
