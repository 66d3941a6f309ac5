"""Whatever a publisher sends, the reader refuses it with a sentence or reads it faithfully.

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
* end to end on the database: tests/imports/test_mutations.py.

A mutation fuzzer found each of the bugs these guard against (see the git log).
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from cbcoord.iati import pipeline
from cbcoord.iati.reading import iter_activity_content
from cbcoord.iati.records import ParsedActivity, RefusedActivity
from cbcoord.iati.writer import write_activities
from tests.iati.helpers import needs_reference
from tests.iati.mutations import WHEN, assert_exports_valid, mutated, read_or_none

pytestmark = needs_reference


@pytest.mark.parametrize("seed", range(160))
def test_a_mutated_file_is_refused_or_read_back_the_same(seed: int, tmp_path: Path) -> None:
    source, data = mutated(seed)
    path = tmp_path / "mutated.xml"
    path.write_bytes(data)
    items = read_or_none(path)
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
    again = read_or_none(written)
    assert again is not None, source.name
    assert [item.content_dict() for item in again if isinstance(item, ParsedActivity)] == [
        activity.content_dict() for activity in parsed
    ], source.name
    assert all(isinstance(item, ParsedActivity) for item in again)

    assert_exports_valid(parsed, tmp_path / "export.xml", source.name)
