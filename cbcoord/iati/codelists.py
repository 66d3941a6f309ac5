"""The IATI codelists shipped in ``data/codelists`` (see its SOURCES.md), read without Django.

``load_codelist("Sector")`` parses ``Sector.xml`` once and caches it; ``available_codelists()``
names every shipped list. This is the one place codes and their names are looked up: the
validator flags codes that are not on a list, forms offer ``codes``, pages show ``labels`` in
the reader's language (IATI's own French names where it publishes them, else cbcoord's
unofficial translations in ``data/translations``, marked as such, else English).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

DATA_DIR = Path(__file__).resolve().parent / "data" / "codelists"
EMBEDDED_DIR = DATA_DIR / "embedded-version-2.03" / "xml"
NON_EMBEDDED_DIR = DATA_DIR / "non-embedded-master" / "xml"
MAPPING_FILE = DATA_DIR / "mapping.xml"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "data" / "translations"

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: The codelists cbcoord validates with and labels; all of them are shipped (a test checks it).
USED_CODELISTS: tuple[str, ...] = (
    "Sector",
    "SectorCategory",
    "Country",
    "Region",
    "OrganisationType",
    "OrganisationRole",
    "ActivityStatus",
    "ActivityDateType",
    "TransactionType",
    "BudgetType",
    "Currency",
    "Language",
    "AidType",
    "FlowType",
    "FinanceType",
    "CollaborationType",
    "ActivityScope",
)


class CodelistNotFound(KeyError):
    """No shipped codelist has that name."""


@dataclasses.dataclass(slots=True, frozen=True)
class CodelistItem:
    code: str
    name: dict[str, str]  # language -> text; the list's own language (normally "en") first
    description: dict[str, str]
    category: str | None
    status: str  # "active" or "withdrawn"
    url: str | None = None
    activation_date: str | None = None
    withdrawal_date: str | None = None

    @property
    def is_withdrawn(self) -> bool:
        return self.status == "withdrawn"

    def name_in(self, language: str, fallback: str = "en") -> str:
        """The name in ``language``, else in ``fallback``, else any name, else ``""``."""
        if language in self.name:
            return self.name[language]
        if fallback in self.name:
            return self.name[fallback]
        return next(iter(self.name.values()), "")

    def description_in(self, language: str, fallback: str = "en") -> str:
        if language in self.description:
            return self.description[language]
        if fallback in self.description:
            return self.description[fallback]
        return next(iter(self.description.values()), "")


@dataclasses.dataclass(slots=True, frozen=True)
class Codelist:
    name: str
    embedded: bool  # versioned with the standard (2.03 branch) rather than maintained apart
    complete: bool  # "complete" attribute: 0 means codes outside the list may be valid
    category_codelist: str | None
    language: str  # the list's default language
    title: dict[str, str]
    description: dict[str, str]
    source: str  # repository, branch and path the file was copied from
    items: dict[str, CodelistItem]  # code -> item, in file order

    def __contains__(self, code: object) -> bool:
        return code in self.items

    def __iter__(self) -> Iterator[CodelistItem]:
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)

    def get(self, code: str) -> CodelistItem | None:
        return self.items.get(code)

    @property
    def active_codes(self) -> frozenset[str]:
        return frozenset(c for c, item in self.items.items() if not item.is_withdrawn)

    @property
    def withdrawn_codes(self) -> frozenset[str]:
        return frozenset(c for c, item in self.items.items() if item.is_withdrawn)


def _file_for(name: str) -> Path:
    for folder in (EMBEDDED_DIR, NON_EMBEDDED_DIR):
        candidate = folder / f"{name}.xml"
        if candidate.is_file():
            return candidate
    raise CodelistNotFound(name)


def available_codelists() -> list[str]:
    """Names of all shipped codelists, sorted."""
    names = {p.stem for folder in (EMBEDDED_DIR, NON_EMBEDDED_DIR) for p in folder.glob("*.xml")}
    return sorted(names)


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _narratives(parent: etree._Element | None, default_language: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if parent is None:
        return out
    for narrative in parent.iterfind("narrative"):
        lang = (narrative.get(_XML_LANG) or default_language).lower()
        text = " ".join((narrative.text or "").split())
        if lang not in out:
            out[lang] = text
    return out


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


@functools.cache
def load_codelist(name: str) -> Codelist:
    """Parse the shipped codelist ``name`` (e.g. ``"Sector"``); cached; ``CodelistNotFound``."""
    path = _file_for(name)
    root = etree.parse(str(path), _safe_parser()).getroot()
    language = (root.get(_XML_LANG) or "en").lower()
    embedded = path.parent == EMBEDDED_DIR
    source = (
        "IATI/IATI-Codelists@version-2.03:xml/"
        if embedded
        else "IATI/IATI-Codelists-NonEmbedded@master:xml/"
    ) + path.name
    items: dict[str, CodelistItem] = {}
    for el in root.iterfind("codelist-items/codelist-item"):
        code = _text(el.find("code"))
        if code is None:
            continue
        items[code] = CodelistItem(
            code=code,
            name=_narratives(el.find("name"), language),
            description=_narratives(el.find("description"), language),
            category=_text(el.find("category")),
            status="withdrawn" if el.get("status") == "withdrawn" else "active",
            url=_text(el.find("url")),
            activation_date=el.get("activation-date"),
            withdrawal_date=el.get("withdrawal-date"),
        )
    return Codelist(
        name=root.get("name") or name,
        embedded=embedded,
        complete=root.get("complete") == "1",
        category_codelist=root.get("category-codelist"),
        language=language,
        title=_narratives(root.find("metadata/name"), language),
        description=_narratives(root.find("metadata/description"), language),
        source=source,
        items=items,
    )


class Label(str):
    """A code's name in one language; ``official`` is False for cbcoord's own translations
    (pages mark them), True for IATI's names (English, and French where IATI gives it)."""

    official: bool

    def __new__(cls, text: str, *, official: bool = True) -> Label:
        label = super().__new__(cls, text)
        label.official = official
        return label


@functools.cache
def _translations(language: str) -> dict[tuple[str, str], str]:
    """cbcoord's unofficial names in ``language``: (codelist, code) -> name."""
    path = TRANSLATIONS_DIR / f"{language}.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            (row["codelist"], row["code"]): row["name"]
            for row in csv.DictReader(handle)
            if row.get("name")
        }


@functools.cache
def _country_names(language: str) -> dict[tuple[str, str], str]:
    """ISO 3166-1 names in ``language`` (the translations the iso-codes project keeps, shipped
    with pycountry), as ("Country", alpha-2 code) -> name: the Country codelist is ISO 3166-1,
    and IATI names its countries in English only."""
    import gettext

    import pycountry

    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    names = {}
    for country in pycountry.countries:
        translated = translation.gettext(country.name)
        if translated != country.name:
            names[("Country", country.alpha_2)] = translated
    return names


@functools.cache
def labels(name: str, language: str = "en") -> dict[str, Label]:
    """Code -> name of the shipped codelist ``name`` in ``language``: IATI's own name in that
    language, else (for countries) ISO 3166's name in it, else cbcoord's unofficial
    translation, else IATI's English name. Cached."""
    try:
        codelist = load_codelist(name)
    except CodelistNotFound:
        return {}
    ours = _translations(language) if language != "en" else {}
    if name == "Country" and language != "en":
        ours = {**ours, **_country_names(language)}
    result: dict[str, Label] = {}
    for code, item in codelist.items.items():
        if language in item.name:
            result[code] = Label(item.name[language])
        elif (name, code) in ours:
            # ISO 3166's names are the standard's own, not cbcoord's: not marked unofficial.
            result[code] = Label(ours[(name, code)], official=name == "Country")
        else:
            result[code] = Label(item.name_in("en"))
    return result


def label(name: str, code: str, language: str = "en") -> Label | None:
    """The name of ``code`` in codelist ``name`` (see ``labels``), or None if not on it."""
    return labels(name, language).get(code)


@functools.cache
def codes(name: str, *, include_withdrawn: bool = True) -> frozenset[str]:
    """The codes of the shipped codelist ``name`` (empty if it is not shipped)."""
    try:
        codelist = load_codelist(name)
    except CodelistNotFound:
        return frozenset()
    return frozenset(codelist.items) if include_withdrawn else codelist.active_codes


__all__ = [
    "USED_CODELISTS",
    "Codelist",
    "CodelistItem",
    "CodelistNotFound",
    "Label",
    "available_codelists",
    "codes",
    "label",
    "labels",
    "load_codelist",
]
