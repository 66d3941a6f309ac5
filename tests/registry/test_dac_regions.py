"""dac_regions.csv: each IATI/DAC recipient region maps to the WCO regions of its member countries."""

from __future__ import annotations

import csv
from pathlib import Path

from lxml import etree

PACKAGE = Path(__file__).resolve().parents[2] / "cbcoord"
DAC_REGIONS = PACKAGE / "registry" / "data" / "dac_regions.csv"
REGION_XML = PACKAGE / "iati" / "data" / "codelists" / "non-embedded-master" / "xml" / "Region.xml"
HEADER = ["dac_code", "dac_name", "wco_region", "iso_codes", "source"]
# Codes of Region.xml with no geography; registry/data/SOURCES.md names them.
DELIBERATELY_UNMAPPED = {"998"}


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _region_codes() -> dict[str, str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(REGION_XML), parser).getroot()
    return {
        item.findtext("code").strip(): item.findtext("name/narrative").strip()
        for item in root.iterfind("codelist-items/codelist-item")
    }


def test_header() -> None:
    header, _ = _rows(DAC_REGIONS)
    assert header == HEADER


def test_codes_names_and_regions_exist() -> None:
    _, rows = _rows(DAC_REGIONS)
    dac = _region_codes()
    _, regions = _rows(PACKAGE / "registry" / "data" / "regions.csv")
    wco_regions = {r["code"] for r in regions}
    for row in rows:
        assert row["dac_code"] in dac, row["dac_code"]
        assert row["dac_name"] == dac[row["dac_code"]], row["dac_code"]
        assert row["wco_region"] in wco_regions, row
        assert row["source"].strip(), row


def test_iso_codes_are_members_of_that_wco_region() -> None:
    _, rows = _rows(DAC_REGIONS)
    _, members = _rows(PACKAGE / "registry" / "data" / "members.csv")
    region_of = {m["iso3166_alpha2"]: m["region_code"] for m in members if m["iso3166_alpha2"]}
    for row in rows:
        codes = row["iso_codes"].split(";")
        assert codes and all(codes), row
        assert len(codes) == len(set(codes)), row
        for code in codes:
            assert region_of.get(code) == row["wco_region"], (row["dac_code"], code)


def test_no_duplicate_pairs() -> None:
    _, rows = _rows(DAC_REGIONS)
    pairs = [(r["dac_code"], r["wco_region"]) for r in rows]
    assert len(pairs) == len(set(pairs))


def test_every_geographic_region_is_mapped() -> None:
    _, rows = _rows(DAC_REGIONS)
    mapped = {r["dac_code"] for r in rows}
    assert mapped | DELIBERATELY_UNMAPPED == set(_region_codes())
    assert not mapped & DELIBERATELY_UNMAPPED
    assert "998" in (PACKAGE / "registry" / "data" / "SOURCES.md").read_text(encoding="utf-8")


def test_spanning_regions_get_a_row_per_wco_region() -> None:
    _, rows = _rows(DAC_REGIONS)
    spans = {}
    for r in rows:
        spans.setdefault(r["dac_code"], set()).add(r["wco_region"])
    assert spans["298"] == {"ESA", "WCA", "MENA"}
    assert spans["489"] == {"AMC"}
    assert spans["589"] == {"MENA", "AP"}  # Iran is in the WCO Asia/Pacific region
