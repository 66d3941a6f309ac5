"""The IATI schema test suite (IATI-Schemas 2.03 ``tests/``) through the cbcoord parser.

The suite tests the XSD alone, so its documents use placeholders that the schema allows but that
cbcoord refuses by design: ``version="xx"`` on the root (cbcoord imports 2.01-2.03 only) and an
empty ``<iati-identifier/>`` (an activity without identifier cannot be imported). The harness
therefore reads a copy of each file in which exactly these two placeholders are replaced
(``version="2.03"``, identifier ``XM-SUITE-1``), and reads it without the codelist checks (the
suite's codes are the placeholder ``xx``). ``test_placeholders_are_refused_as_such`` shows what
happens to the untouched files.

Two should-fail files test the root element, which ``iter_activities`` does not validate (it
validates activities): ``15-generated-datetime`` (a date, not a date-time, on the root) and
``18-missing-iati-activities-version``. For those, ``check_file`` is the part that reports:
a warning naming ``iati-activities``, or with ``strict=True`` an ``IatiFileError``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cbcoord.iati.reading import check_file, iter_activities
from cbcoord.iati.records import IatiFileError, ParsedActivity, RefusedActivity
from tests.iati.helpers import REFERENCE
from tests.shared import needs

SUITE = REFERENCE / "schemas-2.03" / "tests"

pytestmark = needs(SUITE)


def _files(kind: str) -> list[Path]:
    if not SUITE.is_dir():
        return []
    legacy = sorted((SUITE / "activity-tests" / kind).rglob("*.xml"))
    current = sorted((SUITE / kind / "iati-activities").rglob("*.xml"))
    return legacy + current


def _id(path: Path) -> str:
    return str(path.relative_to(SUITE))


SHOULD_PASS = _files("should-pass")
SHOULD_FAIL = _files("should-fail")

# activity-tests/should-fail/*.xml at the top level: the element each one is about.
TOP_LEVEL_FAULTS = {
    "01-empty-activity": "iati-activity",
    "02-top-level-extensibility": "foo",
    "03-mixed-content-extensibility": "foo",
    "04-attribute-extensibility": "description",
    "05-code-attribute": "sector",
    "15-generated-datetime": "iati-activities",
    "16-last-updated-datetime": "iati-activity",
    "17-bad-hierarchy": "hierarchy",
    "18-missing-iati-activities-version": "iati-activities",
    "19-has-iati-activity-version": "iati-activity",
    "20-two-reporting-orgs": "reporting-org",
    "22-missing-title-narrative": "narrative",
    "23-missing-description-narrative": "narrative",
    "24-two-titles": "title",
    "26-two-activity-status": "activity-status",
}
# Two upstream files sit in a folder that does not name their fault: the element they break is
# reporting-org (an activity-id attribute on it) and baseline (its iso-date).
MISFILED = {
    "activity-tests/should-fail/participating-org/01-activity-id-empty.xml": "reporting-org",
    "should-fail/iati-activities/iati-activity/result/indicator/baseline/dimension/"
    "err-not-iati-xml-incorrect-datatype.xml": "baseline",
}
ROOT_LEVEL = {"15-generated-datetime.xml", "18-missing-iati-activities-version.xml"}


def expected_element(path: Path) -> str:
    """The element a should-fail file is about, from its place in the suite."""
    relative = _id(path)
    if relative in MISFILED:
        return MISFILED[relative]
    parts = relative.split("/")
    if parts[0] == "activity-tests":
        if len(parts) == 3:
            return TOP_LEVEL_FAULTS[parts[2].removesuffix(".xml")]
        return parts[2]  # activity-tests/should-fail/<element>/<file>
    folders = [p for p in parts[:-1] if not p.startswith("_")]  # _code etc. name attributes
    return folders[-1]


def prepared(path: Path, tmp_path: Path) -> Path:
    data = path.read_bytes()
    data = data.replace(
        b"<iati-identifier></iati-identifier>", b"<iati-identifier>XM-SUITE-1</iati-identifier>"
    )
    data = re.sub(rb'(<iati-activities\b[^>]*?\bversion=")xx(")', rb"\g<1>2.03\g<2>", data, count=1)
    out = tmp_path / path.name
    out.write_bytes(data)
    return out


def test_suite_is_complete() -> None:
    assert len(SHOULD_PASS) == 58 + 157
    assert len(SHOULD_FAIL) == 225 + 98


@pytest.mark.parametrize("path", SHOULD_PASS, ids=_id)
def test_should_pass(path: Path, tmp_path: Path) -> None:
    copy = prepared(path, tmp_path)
    info = check_file(copy)
    assert info.warnings == []
    results = list(iter_activities(copy, codelists=False))
    assert len(results) == info.activity_count >= 1
    for result in results:
        assert isinstance(result, ParsedActivity), result
        assert result.warnings == [], result.warnings
    strict = list(iter_activities(copy, strict=True, codelists=False))
    assert all(isinstance(r, ParsedActivity) for r in strict)


def _texts(results: list[ParsedActivity | RefusedActivity]) -> list[str]:
    texts = []
    for result in results:
        if isinstance(result, RefusedActivity):
            texts.append(f"{result.element} | {result.reason}")
        else:
            texts += [f"{w.element} | {w.reason}" for w in result.warnings]
    return texts


@pytest.mark.parametrize("path", SHOULD_FAIL, ids=_id)
def test_should_fail_strict(path: Path, tmp_path: Path) -> None:
    copy = prepared(path, tmp_path)
    element = expected_element(path)
    if path.name in ROOT_LEVEL and "activity-tests" in str(path):
        with pytest.raises(IatiFileError) as caught:
            check_file(copy, strict=True)
        assert element in str(caught.value)
        return
    results = list(iter_activities(copy, strict=True, codelists=False))
    refused = [r for r in results if isinstance(r, RefusedActivity)]
    assert refused, f"{_id(path)} was not refused in strict mode"
    assert any(element in f"{r.element} {r.reason}" for r in refused), (element, refused)


@pytest.mark.parametrize("path", SHOULD_FAIL, ids=_id)
def test_should_fail_default(path: Path, tmp_path: Path) -> None:
    copy = prepared(path, tmp_path)
    element = expected_element(path)
    texts = _texts(list(iter_activities(copy, codelists=False)))
    if path.name in ROOT_LEVEL and "activity-tests" in str(path):
        assert texts == []  # the activities themselves are fine
        texts = [f"{w.element} | {w.reason}" for w in check_file(copy).warnings]
    assert texts, f"{_id(path)} was imported without a word"
    assert any(element in text for text in texts), (element, texts)


def test_placeholders_are_refused_as_such(tmp_path: Path) -> None:
    original = SUITE / "activity-tests" / "should-pass" / "02-minimal-doc.xml"
    with pytest.raises(IatiFileError, match=r"IATI version xx is not supported"):
        check_file(original)
    with pytest.raises(IatiFileError, match=r"version xx"):
        list(iter_activities(original))
    only_version = tmp_path / "v.xml"
    only_version.write_bytes(original.read_bytes().replace(b'version="xx"', b'version="2.03"'))
    (result,) = iter_activities(only_version, codelists=False)
    assert isinstance(result, RefusedActivity)
    assert result.element == "iati-activity/iati-identifier"
    assert result.reason == "iati-identifier is empty"
    # with codelists on, the placeholder codes are flagged (and nothing else)
    copy = prepared(original, tmp_path)
    (parsed,) = iter_activities(copy)
    assert isinstance(parsed, ParsedActivity)
    assert parsed.warnings
    assert all("codelist" in w.reason for w in parsed.warnings)


def test_batches_split_schema_errors_by_activity(tmp_path: Path) -> None:
    """Activities are validated a batch at a time: each keeps its own errors, whatever the
    batch size."""
    good = prepared(SUITE / "activity-tests" / "should-pass" / "02-minimal-doc.xml", tmp_path)
    bad = prepared(SUITE / "activity-tests" / "should-fail" / "20-two-reporting-orgs.xml", tmp_path)

    def activity(path: Path, n: int) -> bytes:
        text = path.read_bytes()
        body = text[text.index(b"<iati-activity>") : text.index(b"</iati-activities>")]
        return body.replace(b"XM-SUITE-1", f"XM-SUITE-{n}".encode())

    doc = b'<?xml version="1.0"?>\n<iati-activities version="2.03">\n'
    kinds = []
    for n in range(1, 41):
        is_bad = n % 3 == 0
        kinds.append(is_bad)
        doc += activity(bad if is_bad else good, n)
    doc += b"</iati-activities>\n"
    mixed = tmp_path / "mixed.xml"
    mixed.write_bytes(doc)
    reference = None
    for batch_size in (1, 7, 64):
        results = list(iter_activities(mixed, codelists=False, batch_size=batch_size))
        flat = [(r.iati_identifier, [w.reason for w in r.warnings]) for r in results]
        assert [bool(w) for _, w in flat] == kinds
        assert [i for i, _ in flat] == [f"XM-SUITE-{n}" for n in range(1, 41)]
        if reference is None:
            reference = flat
        assert flat == reference
