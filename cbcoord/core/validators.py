"""Field validators shared by the apps."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cbcoord.iati.text import NOT_IN_XML

__all__ = ["NOT_IN_XML", "validate_xml_text"]


def validate_xml_text(value: str) -> None:
    """Refuse text an IATI file cannot hold (organisation names go into exported activities):
    a vertical tab pasted from a word processor would otherwise reach the export."""
    found = NOT_IN_XML.search(value or "")
    if found:
        raise ValidationError(
            _("This text contains a character that an IATI file cannot hold (U+%(code)04X)."),
            code="xml_character",
            params={"code": ord(found.group())},
        )
