"""Data-quality warnings by code: every warning the library gives has a stable ``code`` and the
``params`` its English ``reason`` names, so that a page can show it in the reader's language
(translate ``TEMPLATES[code]``, then ``format(**params)``) while ``reason`` stays the English
sentence stored and shown so far.

A code never changes meaning once given; a new kind of warning gets a new code. Parameters are
text: element paths (``iati-activity/budget[2]``), attribute names, values as published.
"""

from __future__ import annotations

from cbcoord.iati.records import DataQualityWarning

#: The English reason of each code; ``{name}`` fields are the warning's ``params``.
TEMPLATES: dict[str, str] = {
    # The 2.03 schema (validation.describe_message), naming the element at fault.
    "schema.missing-child": "{element} is missing a required child element (expected: {expected})",
    "schema.unexpected-element": "{element} is not allowed here (expected instead: {expected})",
    "schema.no-more-children": "{element} is not allowed here (no more child elements are allowed)",
    "schema.missing-attribute": "{element} is missing its required attribute '{attribute}'",
    "schema.attribute-not-allowed": "{element} has an attribute '{attribute}' that is not allowed",
    # {kind}: the type in words ("date (YYYY-MM-DD)"); {type}: its XML Schema name ("xs:date")
    "schema.invalid-value": "{element} is '{value}', which is not a valid {kind}",
    "schema.text-not-allowed": "{element} contains text, but only child elements are allowed in it",
    "schema.children-not-allowed": (
        "{element} contains child elements, but only text is allowed in it"
    ),
    "schema.unknown-element": "{element} is not an element of the IATI activity schema",
    "schema.other": "{element}: {message}",  # libxml2's own words, for what is not above
    "schema.message": "{message}",  # a message that names no element (libxml2's words)
    # The codelists (validation.CodelistChecker); {attribute} as "@code", "xml:lang".
    "codelist.unknown-code": "{attribute} '{code}' is not in the {codelist} codelist",
    "codelist.withdrawn-code": "{attribute} '{code}' is withdrawn from the {codelist} codelist",
    # Date-times read with an assumption.
    "datetime.no-time": "{attribute} '{value}' has no time of day; read as midnight",
    "datetime.no-time-zone": "{attribute} '{value}' has no time zone; read as UTC",
    "datetime.no-time-no-time-zone": (
        "{attribute} '{value}' has no time of day; read as midnight, UTC"
    ),
    # Values that do not parse: the activity is imported without them (its fields and the
    # columns derived from them stay empty). {name}: the attribute or element, as published.
    "value.not-a-number": "{name} '{value}' is not a number; imported without it",
    "value.not-a-date": "{name} '{value}' is not a date (YYYY-MM-DD); imported without it",
    "value.not-a-boolean": "{name} '{value}' is not a boolean; imported without it",
    "value.not-a-whole-number": "{name} '{value}' is not a whole number; imported without it",
    "value.not-a-datetime": (
        "{name} '{value}' is not a date-time (or is out of range); imported without it"
    ),
    "value.empty": "{name} is empty",
    # What the values say.
    "budget.ends-before-start": "budget ends ({end}) before it starts ({start})",
    "point.out-of-range": "pos '{pos}' is not a latitude and a longitude in range",
    # What the identifier says (the importer's check of the IATI rule).
    "identifier.outside-prefix": (
        "the identifier does not begin with the reporting organisation's identifier ({ref})"
    ),
    # The file as a whole.
    "file.no-version": "no version attribute, read as 2.03",
    "file.no-activity": "the file has no iati-activity",
    "file.generated-datetime-ignored": (
        "{attribute} '{value}' is not a date-time (or is out of range); ignored"
    ),
}

__all__ = ["TEMPLATES", "reason_of", "warning"]


def reason_of(code: str, params: dict[str, str]) -> str:
    """The English reason of a warning of ``code`` with ``params``."""
    return TEMPLATES[code].format(**params)


def warning(element: str, line: int | None, code: str, **params: str) -> DataQualityWarning:
    """A warning of ``code`` about ``element`` at ``line``; its reason made from the template."""
    return DataQualityWarning(element, line, TEMPLATES[code].format(**params), code, params)
