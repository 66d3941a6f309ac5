"""Whatever a publisher sends, the importer refuses it with a sentence or reads it faithfully.

Each seed mutates one reference file (see ``mutations.py``). The properties:

* reading: ``check_file`` refuses the file (``IatiFileError``) or the activities are read, each
  either an activity or a refusal, never another exception;
* the importer's path (content dicts, batches, the file cut into pieces) reads what the
  dataclass path reads;
* round trip: the activities written back as IATI pass the file check, and read back as the same
  content;
* end to end (fewer seeds, on the database): the import completes or is refused with a message,
  every page of an imported activity opens, and importing the export changes nothing.

A mutation fuzzer found each of the bugs these guard against (see the git log).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.urls import reverse

from cbcoord.activities.export import write_export
from cbcoord.activities.models import Activity
from cbcoord.iati import pipeline
from cbcoord.iati.reading import check_file, iter_activities, iter_activity_content
from cbcoord.iati.records import IatiFileError, ParsedActivity, RefusedActivity
from cbcoord.iati.writer import write_activities
from cbcoord.imports.importer import iati_import
from tests.iati.mutations import mutated, sources

pytestmark = pytest.mark.skipif(not sources(), reason="shared/reference/iati is absent")

WHEN = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)


def _read(path: Path) -> list[ParsedActivity | RefusedActivity] | None:
    """The file's activities, or None if it is refused as a whole."""
    try:
        check_file(path)
        return list(iter_activities(path))
    except IatiFileError:
        return None


@pytest.mark.parametrize("seed", range(160))
def test_a_mutated_file_is_refused_or_read_back_the_same(seed: int, tmp_path: Path) -> None:
    source, data = mutated(seed)
    path = tmp_path / "mutated.xml"
    path.write_bytes(data)
    items = _read(path)
    if items is None:
        return
    parsed = [item for item in items if isinstance(item, ParsedActivity)]

    contents = [
        item.content
        for item in iter_activity_content(path)
        if not isinstance(item, RefusedActivity)
    ]
    assert contents == [activity.content_dict() for activity in parsed], source.name
    batches = pipeline._batches(path, strict=False, batch_size=7, piece_bytes=2000)
    pieces = [
        item.content_json for batch in batches for item in batch if hasattr(item, "content_json")
    ]
    assert pieces == [orjson.dumps(c, option=orjson.OPT_SORT_KEYS).decode() for c in contents]

    if not parsed:
        return
    written = tmp_path / "written.xml"
    with open(written, "wb") as out:
        write_activities(parsed, out, generated_datetime=WHEN)
    again = _read(written)
    assert again is not None, source.name
    assert [item.content_dict() for item in again if isinstance(item, ParsedActivity)] == [
        activity.content_dict() for activity in parsed
    ], source.name
    assert all(isinstance(item, ParsedActivity) for item in again)


_PYTHON_ERROR = re.compile(r"^\w+(Error|Exception)\b")


@pytest.mark.parametrize("seed", range(1000, 1030))
def test_a_mutated_file_imports_and_its_export_reimports_unchanged(
    seed: int, tmp_path: Path, reference: None, client: Any
) -> None:
    source, data = mutated(seed)
    path = tmp_path / "mutated.xml"
    path.write_bytes(data)
    run = iati_import(user=None, path=path, source=str(path), source_kind="path")
    assert run.status in {"completed", "refused"}, (source.name, run.status, run.message)
    assert not _PYTHON_ERROR.match(run.message), run.message
    imported = Activity.objects.filter(import_run=run)
    for activity in imported:
        page = client.get(reverse("activity-detail", args=[activity.iati_identifier]))
        assert page.status_code == 200, (source.name, activity.iati_identifier)
    if run.status != "completed" or not imported.exists():
        return
    assert client.get(reverse("activity-list")).status_code == 200
    exported = tmp_path / "export.xml"
    with open(exported, "wb") as out:
        write_export(imported.order_by("iati_identifier"), out)
    again = iati_import(user=None, path=exported, source=str(exported), source_kind="path")
    assert again.status == "completed", again.message
    assert (again.added, again.updated, again.refused) == (0, 0, 0), source.name
    assert again.unchanged == run.added + run.updated
