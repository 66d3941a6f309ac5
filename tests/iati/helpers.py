"""Files made for the IATI tests."""

from __future__ import annotations

from pathlib import Path


def with_false_cuts(source: Path, path: Path, *, repeat: int) -> Path:
    """``source`` with, before its middle activity, a comment holding ``repeat`` times the bytes
    ``<iati-activity/>``: wide enough, a cut at an activity start tag must fall in it."""
    text = source.read_text(encoding="utf-8")
    middle = text.index("<iati-activity ", len(text) // 2)
    comment = "<!--" + " <iati-activity/>" * repeat + " -->\n"
    path.write_text(text[:middle] + comment + text[middle:], encoding="utf-8")
    return path
