"""cbcoord.iati.diagnostics: every warning has a stable code and the parameters its English
reason names, so that a page can translate it; the reason stays what it was."""

from __future__ import annotations

from pathlib import Path

from cbcoord.iati.diagnostics import TEMPLATES, reason_of, warning
from cbcoord.iati.reading import check_file
from cbcoord.iati.records import DataQualityWarning, ParsedActivity
from cbcoord.iati.validation import describe_message
from tests.iati.helpers import EXAMPLE, PUBLISHERS, REFERENCE, needs_reference, only, parse, write
from tests.shared import REQUIRED


def _all_warnings(paths: list[Path]) -> list[DataQualityWarning]:
    found: list[DataQualityWarning] = []
    for path in paths:
        found += check_file(path).warnings
        for item in parse(path):
            if isinstance(item, ParsedActivity):
                found += item.warnings
    return found


def test_every_warning_is_its_template_filled_in(tmp_path: Path) -> None:
    odd = write(
        tmp_path,
        attrs='xml:lang="zz" default-currency="XYZ" last-updated-datetime="2024-03-01"',
        root='generated-datetime="2024-05-01T10:00:00" foo="1"',
        body=(
            '<sector vocabulary="1" code="99999" percentage="0"/>'
            '<sector vocabulary="1" code="11321" percentage="0"/>'
            '<location><point srsName="x"><pos>95 200</pos></point></location>'
            '<budget><period-start iso-date="2024-12-31"/><period-end iso-date="2024-01-01"/>'
            '<value value-date="2024-01-01">5</value></budget>'
        ),
    )
    paths = [odd]
    if REFERENCE.is_dir() or REQUIRED:  # (required: fails when missing)
        paths += [EXAMPLE, *sorted(PUBLISHERS.glob("*.xml"))]
    found = _all_warnings(paths)
    codes = {w.code for w in found}
    assert {
        "codelist.unknown-code",
        "codelist.withdrawn-code",
        "datetime.no-time-no-time-zone",
        "datetime.no-time-zone",
        "file.no-version",
        "point.out-of-range",
        "schema.attribute-not-allowed",
    } <= codes
    for w in found:
        assert w.code in TEMPLATES, w
        assert w.reason == reason_of(w.code, w.params), w
        assert all(isinstance(value, str) for value in w.params.values()), w


def test_a_codelist_warning_names_its_parts(tmp_path: Path) -> None:
    a = only(write(tmp_path, body='<sector vocabulary="1" code="99999" percentage="0"/>'))
    (sector,) = [w for w in a.warnings if w.element == "iati-activity/sector[2]"]
    assert (sector.code, sector.params) == (
        "codelist.unknown-code",
        {"attribute": "@code", "code": "99999", "codelist": "Sector"},
    )
    assert sector.reason == "@code '99999' is not in the Sector codelist"
    language = only(write(tmp_path, attrs='xml:lang="zz"')).warnings[0]
    assert (language.code, language.params["attribute"]) == ("codelist.unknown-code", "xml:lang")
    assert language.reason == "xml:lang 'zz' is not in the Language codelist"


@needs_reference
def test_a_schema_warning_names_its_parts() -> None:
    (first, *_) = parse(PUBLISHERS / "unops-at-activity.xml")
    assert isinstance(first, ParsedActivity)
    missing = [w for w in first.warnings if w.code == "schema.missing-attribute"]
    assert [w.params for w in missing] == [
        {"element": "document-link", "attribute": "url"},
        {"element": "document-link", "attribute": "format"},
    ]


def test_schema_messages_are_described() -> None:
    assert describe_message(
        "Element 'value': 'x' is not a valid value of the atomic type 'xs:decimal'."
    ) == (
        "schema.invalid-value",
        {"element": "value", "value": "x", "type": "xs:decimal", "kind": "decimal number"},
    )
    assert describe_message("Element 'narrativ': This element is not expected.") == (
        "schema.no-more-children",
        {"element": "narrativ"},
    )
    assert describe_message("something else entirely") == (
        "schema.message",
        {"message": "something else entirely"},
    )


def test_codes_survive_the_json_round_trip_and_old_warnings_read() -> None:
    made = warning("iati-activity/budget[1]", 7, "value.not-a-number", name="value", value="x")
    assert made.reason == "value 'x' is not a number; imported without it"
    assert DataQualityWarning.from_dict(made.to_dict()) == made
    old = DataQualityWarning.from_dict({"element": "iati-activity", "line": 3, "reason": "r"})
    assert (old.code, old.params) == ("", {})
