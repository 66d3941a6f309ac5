"""cbcoord.iati.corpus and baseline: deterministic, schema-valid benchmark files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cbcoord.iati.baseline import bare_iterparse
from cbcoord.iati.corpus import generate_corpus, main
from cbcoord.iati.reading import check_file, iter_activities
from cbcoord.iati.records import ParsedActivity
from cbcoord.iati.validation import validate_file


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.xml", tmp_path / "b.xml", tmp_path / "c.xml"
    assert generate_corpus(a, 120, seed=7) == 120
    generate_corpus(b, 120, seed=7)
    generate_corpus(c, 120, seed=8)
    assert sha256(a) == sha256(b)
    assert sha256(a) != sha256(c)


def test_corpus_is_schema_valid_and_clean(tmp_path: Path) -> None:
    path = tmp_path / "corpus.xml"
    generate_corpus(path, 300)
    assert validate_file(path) == []
    info = check_file(path)
    assert (info.version, info.activity_count, info.warnings) == ("2.03", 300, [])
    assert bare_iterparse(path) == 300
    activities = list(iter_activities(path))
    assert len(activities) == 300
    for activity in activities:
        assert isinstance(activity, ParsedActivity)
        assert activity.warnings == []  # schema-valid and every code on its codelist
        assert 3 <= len(activity.budgets) <= 5
        assert 5 <= len(activity.transactions) <= 10
    identifiers = {a.iati_identifier for a in activities}  # type: ignore[union-attr]
    assert len(identifiers) == 300
    reporters = {a.reporting_org.ref for a in activities}  # type: ignore[union-attr]
    assert {"XM-DAC-909", "44000", "US-GOV-1", "XM-DAC-47066"} <= reporters
    languages = {lang for a in activities for lang in a.title}  # type: ignore[union-attr]
    assert languages == {"en", "es", "fr", "pt"}
    sectors = {s.code for a in activities for s in a.sectors}  # type: ignore[union-attr]
    assert {"33120", "15111"} <= sectors
    per_activity = path.stat().st_size / 300
    assert 2_000 < per_activity < 4_000


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.xml"
    assert main([str(out), "25", "--seed", "3"]) == 0
    assert check_file(out).activity_count == 25
    assert "25 activities" in capsys.readouterr().out
    again = tmp_path / "again.xml"
    generate_corpus(again, 25, seed=3)
    assert sha256(out) == sha256(again)
