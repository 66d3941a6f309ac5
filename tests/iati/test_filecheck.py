"""cbcoord.iati.reading.filecheck: which files are refused, in which words, and what a check
proves of the others (the hostile ones are in test_hostile.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cbcoord.iati.reading import check_file
from cbcoord.iati.records import IatiFileError
from tests.iati.helpers import (
    LEGACY,
    needs_reference,
    only,
    parse,
    write,
)


@needs_reference
def test_legacy_101_file_is_refused_naming_the_version() -> None:
    message = (
        "CD.xml: IATI version 1.01 is not supported; cbcoord imports activity files of "
        "version 2.01, 2.02 and 2.03."
    )
    with pytest.raises(IatiFileError) as caught:
        check_file(LEGACY / "CD.xml")
    assert str(caught.value) == message
    with pytest.raises(IatiFileError, match="version 1.01 is not supported"):
        parse(LEGACY / "CD.xml")


@needs_reference
def test_legacy_file_without_version_is_refused_naming_the_structure() -> None:
    for call in (check_file, parse):
        with pytest.raises(IatiFileError) as caught:
            call(LEGACY / "single_activity.xml")
        message = str(caught.value)
        assert message.startswith("single_activity.xml has no version attribute and the 1.x")
        assert "no narrative elements" in message
        assert "IATI 1.x is not supported" in message


@needs_reference
def test_broken_file_is_refused_naming_the_line() -> None:
    with pytest.raises(IatiFileError) as caught:
        check_file(LEGACY / "broken-not-wellformed.xml")
    assert caught.value.line == 4
    assert "broken-not-wellformed.xml" in str(caught.value)
    assert "at line 4" in str(caught.value)


def test_missing_version_with_2x_content_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, root="")
    info = check_file(path)
    assert info.version is None
    assert [(w.element, w.reason) for w in info.warnings] == [
        ("iati-activities", "no version attribute, read as 2.03")
    ]
    with pytest.raises(IatiFileError, match="'version'"):
        check_file(path, strict=True)
    assert only(path).iati_identifier == "XM-DAC-909-CB-1"


@pytest.mark.parametrize("version", ["1.03", "2.04", "3.0", ""])
def test_unsupported_versions(tmp_path: Path, version: str) -> None:
    path = write(tmp_path, root=f'version="{version}"')
    with pytest.raises(IatiFileError, match="is not supported; cbcoord imports activity files"):
        check_file(path)


def test_organisation_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "org.xml"
    path.write_text('<iati-organisations version="2.03"><iati-organisation/></iati-organisations>')
    with pytest.raises(IatiFileError) as caught:
        check_file(path)
    assert "this is an IATI organisation file, not an activity file" in str(caught.value)
    other = tmp_path / "other.xml"
    other.write_text("<html><body/></html>")
    with pytest.raises(IatiFileError, match=r"root element is <html>, not <iati-activities>"):
        check_file(other)
    namespaced = tmp_path / "namespaced.xml"
    namespaced.write_text(
        '<iati-activities xmlns="urn:x" version="2.03"><iati-activity/></iati-activities>'
    )
    with pytest.raises(IatiFileError) as caught:
        check_file(namespaced)
    assert caught.value.message == (
        "namespaced.xml is not an IATI activity file: its root element <iati-activities> is in "
        "the namespace urn:x; IATI elements are in no namespace."
    )


def test_check_file_counts_activities_exactly(tmp_path: Path) -> None:
    path = write(tmp_path, activities=5)
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        '<iati-activities version="2.03">',
        '<iati-activities version="2.03"><!-- <iati-activity> in a comment -->'
        "<?pi <iati-activity ?>",
    )
    text = text.replace(
        "<title>", "<title><![CDATA[ <iati-activity> ]]>", 1
    )  # CDATA in an activity
    path.write_text(text, encoding="utf-8")
    assert check_file(path).activity_count == 5
    assert len(parse(path)) == 5


def test_check_file_facts(tmp_path: Path) -> None:
    path = write(
        tmp_path, activities=3, root='version="2.02" generated-datetime="2024-05-01T10:00:00Z"'
    )
    info = check_file(path)
    assert info.version == "2.02"
    assert info.activity_count == 3
    assert info.byte_size == path.stat().st_size
    assert len(info.sha256) == 64
    assert info.generated_datetime == dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    assert info.warnings == []
    assert info.encoding == "UTF-8"
