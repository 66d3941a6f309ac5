"""cbcoord.iati.reading.batches: validating a batch at a time changes nothing, lines included."""

from __future__ import annotations

from pathlib import Path

from cbcoord.iati.reading import iter_activities
from tests.iati.helpers import (
    EXAMPLE,
    PUBLISHERS,
    REFERENCE,
    only,
    write,
)
from tests.shared import REQUIRED


def test_results_do_not_depend_on_the_batch_size(tmp_path: Path) -> None:
    files = [write(tmp_path, activities=150)]
    if REFERENCE.is_dir() or REQUIRED:  # (required: fails when missing)
        files += [EXAMPLE, *sorted(PUBLISHERS.glob("*.xml"))]
    for path in files:
        for strict in (False, True):
            a = [r.to_dict() for r in iter_activities(path, strict=strict)]
            b = [r.to_dict() for r in iter_activities(path, strict=strict, batch_size=1)]
            c = [r.to_dict() for r in iter_activities(path, strict=strict, batch_size=13)]
            assert a == b == c


def test_big_line_numbers(tmp_path: Path) -> None:
    """libxml2 caps line numbers at 65535 in its errors; the parser reports the real line."""
    path = write(
        tmp_path, body='<budget type="1"><value value-date="2024-01-01">5</value></budget>'
    )
    text = path.read_text(encoding="utf-8")
    text = text.replace("<iati-activity ", "\n" * 70_000 + "<iati-activity ", 1)
    path.write_text(text, encoding="utf-8")
    a = only(path)
    budget = [w for w in a.warnings if w.element.startswith("iati-activity/budget")]
    assert budget
    assert all(w.line is not None and w.line > 70_000 for w in budget)
