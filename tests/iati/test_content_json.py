"""The fast canonical JSON (orjson over the dataclasses) equals the reference conversion."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cbcoord.iati.corpus import generate_corpus
from cbcoord.iati.reading import iter_activities
from cbcoord.iati.records import ParsedActivity


def _reference(activity: ParsedActivity) -> str:
    return json.dumps(
        activity.content_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def _activities(paths: list[Path]) -> list[ParsedActivity]:
    return [a for path in paths for a in iter_activities(path) if isinstance(a, ParsedActivity)]


def test_corpus_activities(tmp_path: Path) -> None:
    path = tmp_path / "corpus.xml"
    generate_corpus(path, 200, seed=3)
    activities = _activities([path])
    assert len(activities) == 200
    for activity in activities:
        assert activity.content_json() == _reference(activity)


def test_real_publishers_and_example(shared_dir: Path) -> None:
    iati = shared_dir / "reference" / "iati"
    paths = sorted((iati / "real-publishers").glob("*.xml"))
    paths.append(
        iati / "examples-2.03/en/activity-standard/activity-standard-example-annotated.xml"
    )
    activities = _activities(paths)
    assert len(activities) >= 9
    for activity in activities:
        assert activity.content_json() == _reference(activity), activity.iati_identifier
    # Non-ASCII text stays as written, not escaped.
    assert any("é" in activity.content_json() for activity in activities)


@pytest.mark.parametrize(
    "text", ["\u2028 line separator", 'quote " and \\ backslash', "\x1f control"]
)
def test_awkward_strings(text: str) -> None:
    from cbcoord.iati.records import OrgRef

    activity = ParsedActivity(
        iati_identifier="X-1",
        reporting_org=OrgRef(ref="X", type="10", name={"en": text}),
        title={"en": text},
    )
    assert activity.content_json() == _reference(activity)


def test_content_read_straight_is_the_dataclass_content(tmp_path: Path, shared_dir: Path) -> None:
    """What the importer stores (dicts built by the reader, no dataclasses) is exactly
    ``ParsedActivity.content_dict()``: same keys, canonical numbers and dates, same JSON."""
    from cbcoord.iati.reading import iter_activity_content
    from cbcoord.iati.records import ActivityContent, IatiFileError

    iati = shared_dir / "reference" / "iati"
    corpus = tmp_path / "corpus.xml"
    generate_corpus(corpus, 100, seed=5)
    paths = [
        corpus,
        *sorted((iati / "real-publishers").glob("*.xml")),
        *sorted((iati / "schemas-2.03" / "tests").rglob("*.xml")),
        *sorted((iati / "examples-2.03").rglob("*.xml")),
    ]
    checked = 0
    for number, original in enumerate(paths):
        # The schema suite's version="xx" read as 2.03, its empty identifiers filled in.
        path = tmp_path / f"{number}.xml"
        data = original.read_bytes().replace(
            b"<iati-identifier></iati-identifier>", b"<iati-identifier>XM-SUITE-1</iati-identifier>"
        )
        path.write_bytes(
            re.sub(
                rb'(<iati-activities\b[^>]*?\bversion=")xx(")',
                rb"\g<1>2.03\g<2>",
                data,
                count=1,
            )
        )
        try:
            items = [i for i in iter_activity_content(path) if isinstance(i, ActivityContent)]
        except IatiFileError:
            continue  # files refused whole (1.x, organisation files, broken XML)
        for item in items:
            parsed = item.parsed()
            assert item.content == parsed.content_dict(), (original, item.iati_identifier)
            assert item.content_json() == parsed.content_json(), original
            checked += 1
    assert checked > 400
