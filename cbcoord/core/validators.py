"""Field validators shared by the apps."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What XML 1.0 cannot hold: C0 controls but tab, newline and return; lone surrogates; U+FFFE/F.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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
