"""Loading the tagger's data files (see data/README.md) and the provision catalogue.

Each loader checks every row and raises :class:`DataFileError` naming the file, the line and the
column of the first bad value, so that a coordinator who edits a file learns what to fix.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .text import ANY_LANGUAGE, LANGUAGES, Phrase, TermError, compile_term

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = PACKAGE_DIR / "data"
DEFAULT_PROVISIONS_CSV = PACKAGE_DIR.parent / "frameworks" / "data" / "provisions.csv"
CODELISTS_DIR = PACKAGE_DIR.parent / "iati" / "data" / "codelists" / "non-embedded-master" / "xml"

DEFAULT_SUPPORT_WEIGHT = 0.25


class DataFileError(ValueError):
    """A data file row that cannot be used; the message names file, line and column."""


@dataclass(frozen=True, slots=True)
class Provision:
    code: str
    parent_code: str | None
    instrument: str
    title: str


@dataclass(frozen=True, slots=True)
class VocabularyTerm:
    provision: str
    language: str
    term: str
    weight: float
    phrases: tuple[Phrase, ...]
    line: int

    @property
    def detail(self) -> str:
        """How evidence names the term: ``"ventanilla única" (es)``."""
        return f'"{self.term}" ({self.language})'


@dataclass(frozen=True, slots=True)
class RelevanceTerm:
    language: str
    term: str
    weight: float
    phrases: tuple[Phrase, ...]
    line: int

    @property
    def detail(self) -> str:
        """How evidence names the term: ``"ventanilla única" (es)``."""
        return f'"{self.term}" ({self.language})'


@dataclass(frozen=True, slots=True)
class SignalRule:
    """A rule for a sector code, a tag or a policy marker (sectors.csv, signals.csv)."""

    kind: str  # "sector", "tag" or "policy-marker"
    vocabulary: str
    code: str
    relevance_weight: float
    provisions: tuple[tuple[str, float], ...]
    note: str


def read_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV with a header, as (line number, row). Lines starting with ``#`` and
    blank lines are skipped (they may document the file)."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{path.name}: not UTF-8 ({exc})") from exc
    # Comment lines become empty lines, so that line numbers stay those of the file.
    lines = ["\n" if line.lstrip().startswith("#") else line for line in raw.splitlines(True)]
    reader = csv.reader(io.StringIO("".join(lines)))
    header: list[str] | None = None
    for record in reader:
        line = reader.line_num
        if not record or all(not field.strip() for field in record):
            continue
        if header is None:
            header = [h.strip() for h in record]
            for column in required:
                if column not in header:
                    raise DataFileError(f"{path.name} line {line}: missing column {column!r}")
            continue
        if len(record) > len(header):
            raise DataFileError(
                f"{path.name} line {line}: {len(record)} fields but the header has {len(header)}"
            )
        row = {h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(header)}
        for column in required:
            if header.index(column) >= len(record):
                raise DataFileError(f"{path.name} line {line}, column {column!r}: missing")
        yield line, row


def _float(path: Path, line: int, column: str, value: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise DataFileError(
            f"{path.name} line {line}, column {column!r}: {value!r} is not a number"
        ) from None
    if not low <= number <= high:
        raise DataFileError(
            f"{path.name} line {line}, column {column!r}: {number} is outside {low}..{high}"
        )
    return number


def _language(path: Path, line: int, value: str) -> str:
    language = value.lower()
    if language not in (*LANGUAGES, ANY_LANGUAGE):
        raise DataFileError(
            f"{path.name} line {line}, column 'language': {value!r} is not one of "
            f"{', '.join((*LANGUAGES, ANY_LANGUAGE))}"
        )
    return language


def _phrases(path: Path, line: int, term: str, language: str) -> tuple[Phrase, ...]:
    try:
        return compile_term(term, language)
    except TermError as exc:
        raise DataFileError(f"{path.name} line {line}, column 'term': {exc}") from None


def load_provisions(path: Path = DEFAULT_PROVISIONS_CSV) -> dict[str, Provision]:
    """The provision catalogue (code -> Provision), from cbcoord/frameworks/data/provisions.csv."""
    catalogue: dict[str, Provision] = {}
    for line, row in read_rows(path, ("instrument", "code", "parent_code", "title_en")):
        code = row["code"]
        if not code:
            raise DataFileError(f"{path.name} line {line}, column 'code': empty")
        catalogue[code] = Provision(
            code=code,
            parent_code=row["parent_code"] or None,
            instrument=row["instrument"],
            title=row["title_en"],
        )
    for code, provision in catalogue.items():
        if provision.parent_code and provision.parent_code not in catalogue:
            raise DataFileError(f"{path.name}: {code} has unknown parent {provision.parent_code}")
    return catalogue


def load_vocabulary(path: Path, catalogue: dict[str, Provision]) -> list[VocabularyTerm]:
    terms: list[VocabularyTerm] = []
    for line, row in read_rows(path, ("provision_code", "language", "term", "weight")):
        code = row["provision_code"]
        if code not in catalogue:
            raise DataFileError(
                f"{path.name} line {line}, column 'provision_code': unknown provision {code!r}"
            )
        language = _language(path, line, row["language"])
        weight = _float(path, line, "weight", row["weight"], -1.0, 1.0)
        phrases = _phrases(path, line, row["term"], language)
        terms.append(VocabularyTerm(code, language, row["term"], weight, phrases, line))
    return terms


def load_relevance(path: Path) -> list[RelevanceTerm]:
    terms: list[RelevanceTerm] = []
    for line, row in read_rows(path, ("language", "term", "weight")):
        language = _language(path, line, row["language"])
        weight = _float(path, line, "weight", row["weight"], -3.0, 3.0)
        phrases = _phrases(path, line, row["term"], language)
        terms.append(RelevanceTerm(language, row["term"], weight, phrases, line))
    return terms


def _provision_list(
    path: Path, line: int, value: str, catalogue: dict[str, Provision]
) -> tuple[tuple[str, float], ...]:
    """``"TFA-7.4:0.3;THEME-DATA"`` -> ((TFA-7.4, 0.3), (THEME-DATA, default weight))."""
    result: list[tuple[str, float]] = []
    for item in filter(None, (part.strip() for part in value.split(";"))):
        code, _, weight_text = item.partition(":")
        code = code.strip()
        if code not in catalogue:
            raise DataFileError(
                f"{path.name} line {line}, column 'provisions': unknown provision {code!r}"
            )
        weight = (
            _float(path, line, "provisions", weight_text.strip(), 0.0, 1.0)
            if weight_text.strip()
            else DEFAULT_SUPPORT_WEIGHT
        )
        result.append((code, weight))
    return tuple(result)


def load_sectors(path: Path, catalogue: dict[str, Provision]) -> list[SignalRule]:
    rules: list[SignalRule] = []
    required = ("vocabulary", "code", "relevance_weight", "provisions", "note")
    for line, row in read_rows(path, required):
        if row["vocabulary"] not in {"1", "2"}:
            raise DataFileError(
                f"{path.name} line {line}, column 'vocabulary': {row['vocabulary']!r} is not "
                "1 (DAC 5-digit) or 2 (DAC 3-digit)"
            )
        if not row["code"]:
            raise DataFileError(f"{path.name} line {line}, column 'code': empty")
        rules.append(
            SignalRule(
                kind="sector",
                vocabulary=row["vocabulary"],
                code=row["code"],
                relevance_weight=_float(
                    path, line, "relevance_weight", row["relevance_weight"], -3.0, 3.0
                ),
                provisions=_provision_list(path, line, row["provisions"], catalogue),
                note=row["note"],
            )
        )
    return rules


def load_signals(path: Path, catalogue: dict[str, Provision]) -> list[SignalRule]:
    rules: list[SignalRule] = []
    required = ("kind", "vocabulary", "code", "relevance_weight", "provisions", "note")
    for line, row in read_rows(path, required):
        if row["kind"] not in {"tag", "policy-marker"}:
            raise DataFileError(
                f"{path.name} line {line}, column 'kind': {row['kind']!r} is not tag or "
                "policy-marker"
            )
        if not row["code"]:
            raise DataFileError(f"{path.name} line {line}, column 'code': empty")
        rules.append(
            SignalRule(
                kind=row["kind"],
                vocabulary=row["vocabulary"],
                code=row["code"].lower() if row["vocabulary"] in {"98", "99"} else row["code"],
                relevance_weight=_float(
                    path, line, "relevance_weight", row["relevance_weight"], -3.0, 3.0
                ),
                provisions=_provision_list(path, line, row["provisions"], catalogue),
                note=row["note"],
            )
        )
    return rules


def load_codelist_names(name: str, directory: Path = CODELISTS_DIR) -> dict[str, str]:
    """English names of an IATI codelist (code -> name); empty if the file is not there."""
    path = directory / f"{name}.xml"
    if not path.is_file():
        return {}
    names: dict[str, str] = {}
    root = ET.parse(path).getroot()  # noqa: S314 (trusted file shipped with the code)
    for item in root.iter("codelist-item"):
        code = item.findtext("code")
        narrative = item.find("name/narrative")
        if code and narrative is not None and narrative.text:
            names[code.strip()] = narrative.text.strip()
    return names
