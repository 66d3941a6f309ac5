"""Data migrations of activities."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from django.apps import apps

from cbcoord.activities.indexing import content_hash
from cbcoord.activities.models import Activity
from cbcoord.imports.importer import iati_import
from cbcoord.registry.models import Organisation
from tests.factories import ImportedActivityFactory

sort_kept_content = importlib.import_module(
    "cbcoord.activities.migrations.0005_sort_kept_content"
).sort_kept_content

FILE = """<iati-activities version="2.03"><iati-activity last-updated-datetime="2024-01-01T00:00:00Z">
<iati-identifier>XM-DAC-909-KEPT</iati-identifier>
<reporting-org ref="XM-DAC-909" type="40"><narrative>IDB</narrative></reporting-org>
<title><narrative x:n="1" xmlns:x="urn:x">Kept</narrative></title>
<humanitarian-scope type="1" vocabulary="1-2" code="EQ"/>
<activity-date type="1" iso-date="2024-01-01" x:a="2" xmlns:x="urn:x"/>
<capital-spend percentage="0"/>
</iati-activity></iati-activities>"""


def test_kept_content_is_sorted_as_the_reader_now_reads_it(
    tmp_path: Path, reference: None, idb: Organisation
) -> None:
    """An activity stored with its kept content in the order met (before the reader sorted it)
    gets the content and hash a new import computes: the next import leaves it unchanged."""
    path = tmp_path / "kept.xml"
    path.write_text(FILE, encoding="utf-8")
    first = iati_import(user=None, path=path, source=str(path), source_kind="path")
    assert first.added == 1
    activity = Activity.objects.get()
    sorted_data = activity.data
    assert [o["tag"] for o in sorted_data["other_elements"]] == [
        "humanitarian-scope",
        "capital-spend",
    ]
    # as an earlier version stored it: in the order met
    old = dict(sorted_data)
    old["extra_content"] = list(reversed(sorted_data["extra_content"]))
    old["other_elements"] = list(reversed(sorted_data["other_elements"]))
    Activity.objects.filter(pk=activity.pk).update(
        data=old, content_hash=content_hash(old), publisher_hash=content_hash(old)
    )
    sort_kept_content(apps, None)
    activity.refresh_from_db()
    assert activity.data == sorted_data
    assert activity.content_hash == activity.publisher_hash == content_hash(sorted_data)
    again = iati_import(user=None, path=path, source=str(path), source_kind="path")
    assert (again.updated, again.unchanged) == (0, 1)


def test_activities_without_kept_content_are_left_alone(reference: None, idb: Organisation) -> None:
    activity = ImportedActivityFactory(iati_identifier="XM-DAC-909-PLAIN", reporting_org=idb)
    before: Any = (activity.data, activity.content_hash)
    sort_kept_content(apps, None)
    activity.refresh_from_db()
    assert (activity.data, activity.content_hash) == before
