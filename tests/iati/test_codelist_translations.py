"""The unofficial es/pt/fr names of IATI codelist items (iati/data/translations) fit the shipped XML."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from lxml import etree

DATA = Path(__file__).resolve().parents[2] / "cbcoord" / "iati" / "data"
TRANSLATIONS = DATA / "translations"
CODELIST_DIRS = (
    DATA / "codelists" / "embedded-version-2.03" / "xml",
    DATA / "codelists" / "non-embedded-master" / "xml",
)
HEADER = ["codelist", "code", "name"]
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# The codelists whose item names are translated (translations/SOURCES.md).
TRANSLATED = (
    "ActivityStatus",
    "ActivityDateType",
    "ActivityScope",
    "AidType",
    "AidType-category",
    "BudgetStatus",
    "BudgetType",
    "CollaborationType",
    "DescriptionType",
    "DocumentCategory",
    "FinanceType",
    "FinanceType-category",
    "FlowType",
    "OrganisationRole",
    "OrganisationType",
    "PolicyMarker",
    "PolicySignificance",
    "Region",
    "RegionVocabulary",
    "RelatedActivityType",
    "Sector",
    "SectorCategory",
    "SectorVocabulary",
    "TagVocabulary",
    "TiedStatus",
    "TransactionType",
)


def _xml_file(name: str) -> Path:
    for folder in CODELIST_DIRS:
        path = folder / f"{name}.xml"
        if path.is_file():
            return path
    raise AssertionError(f"codelist {name} is not shipped")


def _items(name: str) -> dict[str, bool]:
    """code -> whether the item has an official (non-empty) French name in the XML."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(_xml_file(name)), parser).getroot()
    items: dict[str, bool] = {}
    for item in root.iterfind("codelist-items/codelist-item"):
        code = (item.findtext("code") or "").strip()
        assert code and code not in items, (name, code)
        items[code] = any(
            n.get(XML_LANG) == "fr" and (n.text or "").strip()
            for n in item.iterfind("name/narrative")
        )
    return items


ITEMS = {name: _items(name) for name in TRANSLATED}


def _rows(language: str) -> tuple[list[str], list[list[str]]]:
    with (TRANSLATIONS / f"{language}.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, strict=True)
        header = next(reader)
        return header, list(reader)


def _expected(language: str) -> set[tuple[str, str]]:
    return {
        (name, code)
        for name, items in ITEMS.items()
        for code, has_official_fr in items.items()
        if language != "fr" or not has_official_fr
    }


@pytest.mark.parametrize("language", ["es", "pt", "fr"])
def test_header_and_rows_are_well_formed(language: str) -> None:
    header, rows = _rows(language)
    assert header == HEADER
    for row in rows:
        assert len(row) == 3, row
        assert row[2].strip() == row[2] and row[2], row


@pytest.mark.parametrize("language", ["es", "pt", "fr"])
def test_no_duplicates_and_every_code_is_shipped(language: str) -> None:
    _, rows = _rows(language)
    keys = [(codelist, code) for codelist, code, _ in rows]
    assert len(keys) == len(set(keys))
    for codelist, code in keys:
        assert codelist in ITEMS, codelist
        assert code in ITEMS[codelist], (codelist, code)


@pytest.mark.parametrize("language", ["es", "pt", "fr"])
def test_coverage(language: str) -> None:
    """es and pt: every item (withdrawn ones too); fr: exactly those without official French."""
    _, rows = _rows(language)
    assert {(codelist, code) for codelist, code, _ in rows} == _expected(language)


def test_official_french_is_not_shadowed() -> None:
    _, rows = _rows("fr")
    assert not any(ITEMS[codelist][code] for codelist, code, _ in rows)
    assert len(rows) < sum(len(items) for items in ITEMS.values())
