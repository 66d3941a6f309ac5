"""The catalogue's data files agree: provision_translations.csv covers every code and language
that provisions.csv/instruments.csv leave blank, and provisions.csv follows the shared WCO CSVs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "cbcoord" / "frameworks" / "data"
LANGUAGES = ("es", "fr", "pt")
HEADER = ["code", "language", "title", "status", "source"]
UNOFFICIAL_SOURCE = "cbcoord translation (unofficial)"


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _catalogue() -> dict[str, dict[str, str]]:
    """code -> row, for instruments and provisions (their codes never collide)."""
    rows: dict[str, dict[str, str]] = {}
    for name in ("instruments.csv", "provisions.csv"):
        for row in _read(name)[1]:
            assert row["code"] not in rows, row["code"]
            rows[row["code"]] = row
    return rows


def test_translation_rows_are_well_formed() -> None:
    header, rows = _read("provision_translations.csv")
    assert header == HEADER
    catalogue = _catalogue()
    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = (row["code"], row["language"])
        assert key not in seen, key
        seen.add(key)
        assert row["code"] in catalogue, row["code"]
        assert row["language"] in LANGUAGES, row
        assert row["title"].strip() == row["title"] and row["title"], row
        assert row["status"] in {"official", "unofficial"}, row
        if row["status"] == "unofficial":
            assert row["source"] == UNOFFICIAL_SOURCE, row
        else:
            assert "http" in row["source"], row


def test_translations_cover_exactly_the_blank_titles() -> None:
    _, rows = _read("provision_translations.csv")
    have = {(r["code"], r["language"]) for r in rows}
    want = {
        (code, language)
        for code, row in _catalogue().items()
        for language in LANGUAGES
        if not row[f"title_{language}"].strip()
    }
    assert have == want


def test_instrument_codes_are_covered() -> None:
    _, rows = _read("provision_translations.csv")
    codes = {r["code"] for r in rows}
    assert {"RKC", "SAFE", "ECOM", "TFA", "WCO-SP"} <= codes
    assert "THEME" not in codes  # its titles are in instruments.csv in all four languages


def test_verification_cells_say_verified_or_unverified() -> None:
    _, rows = _read("provisions.csv")
    for row in rows:
        cell = row["verification"]
        assert cell.startswith("verified") or cell.startswith("UNVERIFIED"), row["code"]


def test_tfa_rows_follow_the_shared_csv(shared_dir: Path) -> None:
    path = shared_dir / "reference" / "wco" / "wto_tfa_section1_measures.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        shared = list(csv.DictReader(handle))
    provisions = {r["code"]: r for r in _read("provisions.csv")[1]}
    for s in shared:
        single = s["measure"] == s["article"]
        row = provisions[f"TFA-{s['measure']}"]
        title = s["article_title"] if single else s["measure_title"]
        verification = (
            s["article_title_verification"] if single else s["measure_title_verification"]
        )
        assert row["title_en"] == title
        assert row["verification"].startswith(verification), row["code"]
        assert row["source"] == s["source"], row["code"]


@pytest.mark.parametrize("code", ["SAFE-P1-S1", "SAFE-P2-S6", "ECOM-S6", "ECOM-S15"])
def test_recalled_standards_stay_unverified(code: str) -> None:
    provisions = {r["code"]: r for r in _read("provisions.csv")[1]}
    assert provisions[code]["verification"].startswith("UNVERIFIED")
