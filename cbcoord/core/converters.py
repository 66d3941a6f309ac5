"""URL path converters.

``identifier``: an IATI identifier as a URL segment that may span slashes, like Django's ``path``
converter, but also newlines and tabs. Publishers' files hold such identifiers (the reader trims
only their ends), and with ``path`` a single one made ``reverse()`` fail, which broke every page
that lists it.
"""

from __future__ import annotations

from django.urls import register_converter


class IdentifierConverter:
    regex = r"[\s\S]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def register() -> None:
    register_converter(IdentifierConverter, "identifier")
