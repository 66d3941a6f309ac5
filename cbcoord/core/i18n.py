"""Pick the text of a multilingual field in the active language, falling back to English."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.utils.translation import get_language

from cbcoord.iati import codelists
from cbcoord.iati.codelists import Label
from cbcoord.iati.narratives import pick

SUPPORTED = ("en", "es", "fr", "pt")


def current_language() -> str:
    language = (get_language() or "en").split("-")[0]
    return language if language in SUPPORTED else "en"


def collation_key(text: str) -> tuple[str, str]:
    """A sort key for names as Spanish, French, Portuguese and English readers order them:
    letters first without their accents and case (É with E, Ç with C, Ñ with N), then
    accents and case to break ties (Python's own order puts "Émirats" after "Zambie")."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in folded if not unicodedata.combining(char)), text


def localized(instance: Any, field: str, language: str | None = None) -> str:
    """Return ``<field>_<lang>`` of ``instance`` for the active language, else the English text."""
    language = language or current_language()
    value = getattr(instance, f"{field}_{language}", "") or ""
    return value or getattr(instance, f"{field}_en", "") or ""


def pick_narrative(narratives: dict[str, str] | None, language: str | None = None) -> str:
    """Choose one text from an IATI narrative mapping {language: text}.

    Preference: the active language, then English, then the text without a language, then any.
    """
    return pick(narratives, language or current_language())


def codelist_labels(*names: str) -> dict[str, dict[str, Label]]:
    """The names of the given IATI codelists' codes in the active language (see
    ``cbcoord.iati.codelists.labels``): ``{codelist: {code: label}}``."""
    language = current_language()
    return {name: codelists.labels(name, language) for name in names}


def codelist_choices(name: str, *, blank: bool = True) -> list[tuple[str, str]]:
    """Choices for a form field: the codelist's active codes, "code · name" in the active
    language."""
    names = codelists.labels(name, current_language())
    active = codelists.codes(name, include_withdrawn=False)
    choices = [(code, f"{code} · {names[code]}"[:120]) for code in names if code in active]
    return ([("", "—")] if blank else []) + choices
