"""Choosing one text from an IATI narrative mapping {language: text}. No Django here: the
importer's reader process uses it."""

from __future__ import annotations


def pick(narratives: dict[str, str] | None, language: str) -> str:
    """The text in ``language``, else English, else the one without a language, else any."""
    if not narratives:
        return ""
    for candidate in (language, "en", ""):
        if narratives.get(candidate):
            return narratives[candidate]
    return next((text for text in narratives.values() if text), "")
