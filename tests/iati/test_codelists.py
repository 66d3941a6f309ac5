"""cbcoord.iati.codelists: the shipped codelists load, and the checker knows where they apply."""

from __future__ import annotations

from cbcoord.iati.codelists import USED_CODELISTS, available_codelists, load_codelist
from cbcoord.iati.validation import codelist_checker


def test_codelists_shipped_and_loaded() -> None:
    names = available_codelists()
    assert set(USED_CODELISTS) <= set(names)
    for rule_list in codelist_checker().rules.values():
        for rule in rule_list:
            assert rule.codelist in names, rule.codelist
    sector = load_codelist("Sector")
    item = sector.get("33120")
    assert item is not None
    assert item.name_in("en") == "Trade facilitation"
    assert item.name["fr"] == "Facilitation du commerce"
    assert item.category == "331"
    assert "customs" in item.description_in("en")
    assert sector.category_codelist == "SectorCategory"
    assert sector.get("11321") is not None
    assert sector.get("11321").is_withdrawn  # type: ignore[union-attr]
    assert load_codelist("ActivityStatus").embedded
    assert not sector.embedded
    assert load_codelist("Sector") is sector  # cached
    assert "GT" in load_codelist("Country")
    assert load_codelist("Language").get("es") is not None


def test_countries_take_iso_3166_names_in_each_language() -> None:
    from cbcoord.iati import codelists

    assert codelists.label("Country", "DE", "es") == "Alemania"
    assert codelists.label("Country", "CI", "fr") == "Côte d'Ivoire"
    assert codelists.label("Country", "DE", "en") == "Germany"
    # The standard's names, not cbcoord's: no unofficial mark.
    assert codelists.label("Country", "DE", "pt").official  # type: ignore[union-attr]
    # Another codelist keeps cbcoord's marked translation.
    status = codelists.label("ActivityStatus", "2", "es")
    assert status is not None
