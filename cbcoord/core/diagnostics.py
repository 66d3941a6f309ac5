"""Data-quality warnings in the reader's language.

Warnings carry a stable ``code`` and the ``params`` their English ``reason`` names
(``cbcoord.iati.diagnostics``, which knows no Django). ``MESSAGES`` gives each code's sentence
for translation, with the same ``{placeholders}`` (``makemessages`` collects them from here);
``warning_text`` writes a stored warning in the active language, falling back to its English
``reason`` for warnings stored before codes existed, for a code this release does not know, or
for a translation whose placeholders do not match the warning's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

#: Each code's sentence, translatable; the English one is ``iati.diagnostics.TEMPLATES[code]``.
# Translators: the words in braces are put in as published (element paths, attribute names,
# codes, values): keep them as they are.
MESSAGES: dict[str, Promise] = {
    "schema.missing-child": gettext_lazy(
        "{element} is missing a required child element (expected: {expected})"
    ),
    "schema.unexpected-element": gettext_lazy(
        "{element} is not allowed here (expected instead: {expected})"
    ),
    "schema.no-more-children": gettext_lazy(
        "{element} is not allowed here (no more child elements are allowed)"
    ),
    "schema.missing-attribute": gettext_lazy(
        "{element} is missing its required attribute '{attribute}'"
    ),
    "schema.attribute-not-allowed": gettext_lazy(
        "{element} has an attribute '{attribute}' that is not allowed"
    ),
    "schema.invalid-value": gettext_lazy("{element} is '{value}', which is not a valid {kind}"),
    "schema.text-not-allowed": gettext_lazy(
        "{element} contains text, but only child elements are allowed in it"
    ),
    "schema.children-not-allowed": gettext_lazy(
        "{element} contains child elements, but only text is allowed in it"
    ),
    "schema.unknown-element": gettext_lazy(
        "{element} is not an element of the IATI activity schema"
    ),
    "schema.other": gettext_lazy("{element}: {message}"),
    "schema.message": gettext_lazy("{message}"),
    "codelist.unknown-code": gettext_lazy("{attribute} '{code}' is not in the {codelist} codelist"),
    "codelist.withdrawn-code": gettext_lazy(
        "{attribute} '{code}' is withdrawn from the {codelist} codelist"
    ),
    "datetime.no-time": gettext_lazy("{attribute} '{value}' has no time of day; read as midnight"),
    "datetime.no-time-zone": gettext_lazy("{attribute} '{value}' has no time zone; read as UTC"),
    "datetime.no-time-no-time-zone": gettext_lazy(
        "{attribute} '{value}' has no time of day; read as midnight, UTC"
    ),
    "value.not-a-number": gettext_lazy("{name} '{value}' is not a number; imported without it"),
    "value.not-a-date": gettext_lazy(
        "{name} '{value}' is not a date (YYYY-MM-DD); imported without it"
    ),
    "value.not-a-boolean": gettext_lazy("{name} '{value}' is not a boolean; imported without it"),
    "value.not-a-whole-number": gettext_lazy(
        "{name} '{value}' is not a whole number; imported without it"
    ),
    "value.not-a-datetime": gettext_lazy(
        "{name} '{value}' is not a date-time (or is out of range); imported without it"
    ),
    "value.empty": gettext_lazy("{name} is empty"),
    "budget.ends-before-start": gettext_lazy("budget ends ({end}) before it starts ({start})"),
    "point.out-of-range": gettext_lazy("pos '{pos}' is not a latitude and a longitude in range"),
    "identifier.outside-prefix": gettext_lazy(
        "the identifier does not begin with the reporting organisation's identifier ({ref})"
    ),
    "file.no-version": gettext_lazy("no version attribute, read as 2.03"),
    "file.no-activity": gettext_lazy("the file has no iati-activity"),
    "file.generated-datetime-ignored": gettext_lazy(
        "{attribute} '{value}' is not a date-time (or is out of range); ignored"
    ),
}


def warning_text(warning: Any) -> str:
    """The reason of a stored warning (a dict: ``element``, ``line``, ``reason``, ``code``,
    ``params``) in the active language."""
    if not isinstance(warning, Mapping):
        return ""
    reason = str(warning.get("reason") or "")
    message = MESSAGES.get(str(warning.get("code") or ""))
    params = warning.get("params")
    if message is None or not isinstance(params, Mapping):
        return reason
    try:
        return str(message).format(**{str(key): value for key, value in params.items()})
    except (KeyError, IndexError, ValueError):
        return reason
