"""Whatever a publisher sends, the importer completes or refuses it with a sentence, end to end
on the database (the mutations of tests/iati/mutations.py, fewer seeds): every page of an
imported activity opens, every imported activity exports valid (or is left out whole,
reported), and importing the export changes only what the export left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from cbcoord.activities.export import parsed_activities
from cbcoord.activities.models import Activity
from cbcoord.imports.importer import iati_import
from tests.iati.helpers import needs_reference
from tests.iati.mutations import PYTHON_ERROR, assert_exports_valid, mutated

pytestmark = needs_reference


@pytest.mark.parametrize("seed", range(1000, 1030))
def test_a_mutated_file_imports_and_its_export_reimports_unchanged(
    seed: int, tmp_path: Path, reference: None, client: Any
) -> None:
    source, data = mutated(seed)
    path = tmp_path / "mutated.xml"
    path.write_bytes(data)
    run = iati_import(user=None, path=path, source=str(path), source_kind="path")
    assert run.status in {"completed", "refused"}, (source.name, run.status, run.message)
    assert not PYTHON_ERROR.match(run.message), run.message
    imported = Activity.objects.filter(import_run=run)
    for activity in imported:
        page = client.get(reverse("activity-detail", args=[activity.iati_identifier]))
        assert page.status_code == 200, (source.name, activity.iati_identifier)
    if run.status != "completed" or not imported.exists():
        return
    assert client.get(reverse("activity-list")).status_code == 200
    exported = tmp_path / "export.xml"
    stored = list(parsed_activities(imported.order_by("iati_identifier")))
    report = assert_exports_valid(stored, exported, source.name)
    assert report.written + report.omitted == run.added + run.updated
    again = iati_import(user=None, path=exported, source=str(exported), source_kind="path")
    assert again.status == "completed", again.message
    assert (again.added, again.refused) == (0, 0), source.name
    # only what lost something in the export can change (and may not: an empty title left out
    # reads back as the same empty title)
    assert again.updated <= report.changed, source.name
    assert again.unchanged + again.updated == report.written, source.name
