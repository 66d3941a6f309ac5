"""Load instruments, their provisions and the cross-walk from the shipped CSV files."""

from __future__ import annotations

import re
from pathlib import Path

from cbcoord.core.reference import LoadReport, ReferenceDataError, read_csv, upsert
from cbcoord.frameworks.models import Instrument, Provision, ProvisionLink

DATA_DIR = Path(__file__).resolve().parent / "data"

# The code scheme other systems rely on; a row that breaks it is a data error, not a warning.
CODE_PATTERNS = {
    "TFA": re.compile(r"^TFA-\d+(\.\d+)?$"),
    "RKC": re.compile(r"^RKC-(GA-\d+(\.\d+)?|SA-[A-K](\.\d+)?)$"),
    "SAFE": re.compile(r"^SAFE-P\d+(-S\d+)?$"),
    "ECOM": re.compile(r"^ECOM-[PS]\d+$"),
    "THEME": re.compile(r"^THEME-[A-Z][A-Z-]*$"),
}
DEFAULT_PATTERN = re.compile(r"^[A-Z][A-Z0-9-]*(\.[A-Z0-9]+)*(-[A-Z0-9.]+)*$")


LANGUAGES = ("es", "fr", "pt")


def load_translations(data_dir: Path = DATA_DIR) -> dict[str, dict[str, tuple[str, bool]]]:
    """Titles in Spanish, French and Portuguese that the main files lack:
    ``{code: {language: (title, official)}}`` (``provision_translations.csv``)."""
    path = data_dir / "provision_translations.csv"
    found: dict[str, dict[str, tuple[str, bool]]] = {}
    if not path.is_file():
        return found
    for line, row in read_csv(path, required=("code", "language", "title", "status")):
        if row["language"] not in LANGUAGES:
            raise ReferenceDataError(
                f"{path.name} line {line}: unknown language {row['language']!r}"
            )
        if row["status"] not in ("official", "unofficial"):
            raise ReferenceDataError(
                f"{path.name} line {line}: status is official or unofficial, not {row['status']!r}"
            )
        found.setdefault(row["code"], {})[row["language"]] = (
            row["title"],
            row["status"] == "official",
        )
    return found


def _titles(row: dict[str, str], translated: dict[str, tuple[str, bool]]) -> dict[str, object]:
    """The title columns of a row, filled from the translations where the row has none, with
    the languages whose title is an unofficial translation."""
    values: dict[str, object] = {"title_en": row["title_en"]}
    unofficial = []
    for language in LANGUAGES:
        own = row.get(f"title_{language}", "")
        if own:
            values[f"title_{language}"] = own
        elif language in translated:
            title, official = translated[language]
            values[f"title_{language}"] = title
            if not official:
                unofficial.append(language)
        else:
            values[f"title_{language}"] = ""
    values["unofficial_titles"] = unofficial
    return values


def load_instruments(report: LoadReport, data_dir: Path = DATA_DIR) -> None:
    translations = load_translations(data_dir)
    for _line, row in read_csv(data_dir / "instruments.csv", required=("code", "kind", "title_en")):
        upsert(
            Instrument,
            lookup={"code": row["code"]},
            values={
                "kind": row["kind"],
                **_titles(row, translations.get(row["code"], {})),
                "version": row.get("version", ""),
                "publisher": row.get("publisher", ""),
                "verification": row.get("verification", ""),
                "source": row.get("source", ""),
                "sort_order": int(row.get("sort_order") or 0),
            },
            report=report,
        )


def load_provisions(report: LoadReport, data_dir: Path = DATA_DIR) -> None:
    path = data_dir / "provisions.csv"
    translations = load_translations(data_dir)
    instruments = {instrument.code: instrument for instrument in Instrument.objects.all()}
    loaded: dict[str, Provision] = {}
    required = ("instrument", "code", "parent_code", "kind", "title_en")
    for line, row in read_csv(path, required=required):
        code = row["code"]
        instrument = instruments.get(row["instrument"])
        if instrument is None:
            raise ReferenceDataError(
                f"{path.name} line {line}: unknown instrument {row['instrument']!r}"
            )
        pattern = CODE_PATTERNS.get(instrument.code, DEFAULT_PATTERN)
        if not pattern.match(code):
            raise ReferenceDataError(
                f"{path.name} line {line}: code {code!r} does not follow "
                f"the {instrument.code} scheme"
            )
        parent = None
        if row["parent_code"]:
            parent = loaded.get(row["parent_code"])
            if parent is None:
                raise ReferenceDataError(
                    f"{path.name} line {line}: parent {row['parent_code']!r} of {code} is not "
                    "defined on an earlier row"
                )
        loaded[code] = upsert(
            Provision,
            lookup={"code": code},
            values={
                "instrument": instrument,
                "parent": parent,
                "kind": row["kind"],
                "number": row.get("number", ""),
                "depth": 0 if parent is None else parent.depth + 1,
                **_titles(row, translations.get(code, {})),
                "verification": row.get("verification", ""),
                "source": row.get("source", ""),
                "sort_order": int(row.get("sort_order") or line),
            },
            report=report,
        )


def load_crosswalk(report: LoadReport, data_dir: Path = DATA_DIR) -> None:
    path = data_dir / "crosswalk.csv"
    provisions = dict(Provision.objects.values_list("code", "pk"))
    for line, row in read_csv(path, required=("from_code", "to_code")):
        for column in ("from_code", "to_code"):
            if row[column] not in provisions:
                raise ReferenceDataError(
                    f"{path.name} line {line}: {column} {row[column]!r} is not a provision code"
                )
        upsert(
            ProvisionLink,
            lookup={
                "from_provision_id": provisions[row["from_code"]],
                "to_provision_id": provisions[row["to_code"]],
            },
            values={"note": row.get("note", ""), "source": row.get("source", "")},
            report=report,
        )
