"""Whatever a publisher sends, the importer refuses it with a sentence or reads it faithfully.

Each seed mutates one reference file (see ``mutations.py``). The properties:

* reading: ``check_file`` refuses the file (``IatiFileError``) or the activities are read, each
  either an activity or a refusal, never another exception;
* the importer's path (content dicts, batches, the file cut into pieces) reads what the
  dataclass path reads;
* round trip: the activities written back as stored pass the file check, and read back as the
  same content;
* every export is valid: written as an export is (``validate=True``), each activity is schema-valid
  or left out whole, the file validates, the report names exactly the activities that lost
  something, and the others read back as the same content;
* end to end (fewer seeds, on the database): the import completes or is refused with a message,
  every page of an imported activity opens, every imported activity exports valid (or is left out
  whole, reported), and importing the export changes only what the export left out.

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

from cbcoord.activities.export import parsed_activities
from cbcoord.activities.models import Activity
from cbcoord.iati import pipeline
from cbcoord.iati.reading import check_file, iter_activities, iter_activity_content
from cbcoord.iati.records import IatiFileError, ParsedActivity, RefusedActivity
from cbcoord.iati.validation import validate_element, validate_file
from cbcoord.iati.writer import ExportReport, valid_activity_element, write_activities
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
        write_activities(parsed, out, generated_datetime=WHEN, validate=False)
    again = _read(written)
    assert again is not None, source.name
    assert [item.content_dict() for item in again if isinstance(item, ParsedActivity)] == [
        activity.content_dict() for activity in parsed
    ], source.name
    assert all(isinstance(item, ParsedActivity) for item in again)

    _assert_exports_valid(parsed, tmp_path / "export.xml", source.name)


def _assert_exports_valid(parsed: list[ParsedActivity], path: Path, name: str) -> ExportReport:
    """Every activity exports valid or is left out whole; the file validates; what the report
    does not name reads back unchanged."""
    for activity in parsed:
        el, entry = valid_activity_element(activity)
        if el is None:
            assert entry is not None and entry.whole, (name, activity.iati_identifier)
        else:
            assert validate_element(el) == [], (name, activity.iati_identifier)
    report = ExportReport()
    with open(path, "wb") as out:
        written = write_activities(parsed, out, generated_datetime=WHEN, report=report)
    assert written == report.written == len(parsed) - report.omitted, name
    issues = [issue.reason for issue in validate_file(path)]
    if written:
        assert issues == [], name
    else:  # the schema wants an activity at least: a file left without any cannot be valid
        assert issues == [
            "iati-activities is missing a required child element (expected: iati-activity)"
        ], name
        assert report.summary().startswith("No activity written, and a file without one is not")
    again = _read(path)
    assert again is not None, name
    assert all(isinstance(item, ParsedActivity) for item in again), name
    named = {entry.identifier for entry in report.activities}
    untouched = [a.content_dict() for a in parsed if a.iati_identifier not in named]
    assert [
        item.content_dict()
        for item in again
        if isinstance(item, ParsedActivity) and item.iati_identifier not in named
    ] == untouched, name
    return report


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
    stored = list(parsed_activities(imported.order_by("iati_identifier")))
    report = _assert_exports_valid(stored, exported, source.name)
    assert report.written + report.omitted == run.added + run.updated
    again = iati_import(user=None, path=exported, source=str(exported), source_kind="path")
    assert again.status == "completed", again.message
    assert (again.added, again.refused) == (0, 0), source.name
    # only what lost something in the export can change (and may not: an empty title left out
    # reads back as the same empty title)
    assert again.updated <= report.changed, source.name
    assert again.unchanged + again.updated == report.written, source.name
