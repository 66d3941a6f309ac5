"""One definition of a list's filters, for the page, the API, the command line and the files.

A ``FilterSet`` is a django-ninja ``Schema`` (pydantic) whose fields are the filters, each with
a ``title`` (the label, translatable) and a ``description`` (the API's and the command's help):

- the API declares it as ``filters: Query[ActivityFilters]`` and gets it documented in OpenAPI;
- a page reads it from the query string with ``from_query``, which keeps the raw text to put
  back in the form and names each value it cannot read instead of failing;
- a management command gets one ``--option`` per field (``add_arguments``/``from_options``);
- an export writes the applied filters into the file (``described``);
- ``problems()`` lets a filter set name values that read fine but match nothing the
  database knows (``region=ZZZ``): pages say so instead of showing an empty list.

The selector that applies a filter set is the one place its meaning is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Self

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

#: Raw filter values longer than this are cut (a query string is not a place for essays).
RAW_LIMIT = 200


@dataclass(frozen=True)
class FilterProblem:
    """A filter value that was left out: which filter, the value given, and why."""

    name: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.name}={self.value}: {self.message}"


class FilterSet(Schema):
    """Base of every list's filters (see the module docstring)."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)

    #: Query-string names that are not fields but belong to the list (page, sort, format…):
    #: ``applied`` leaves them out.
    passthrough: ClassVar[tuple[str, ...]] = ()

    # -- reading ---------------------------------------------------------------------------
    @classmethod
    def from_query(
        cls, params: Mapping[str, Any]
    ) -> tuple[Self, dict[str, str], list[FilterProblem]]:
        """Read the filters from a query string (or any mapping of text). Returns the filter
        set (unreadable values left out), the raw text of every field (to put back in the
        form) and the problems with what was left out."""
        raw: dict[str, str] = {}
        values: dict[str, Any] = {}
        problems: list[FilterProblem] = []
        for name, info in cls.model_fields.items():
            given = params.get(name)
            if isinstance(given, list | tuple):
                given = given[-1] if given else None
            text = str(given if given is not None else "").strip()[:RAW_LIMIT]
            raw[name] = text
            if not text:
                continue
            try:
                values[name] = TypeAdapter(info.annotation or str).validate_python(
                    _for_type(text, info)
                )
            except (ValidationError, ValueError):
                problems.append(
                    FilterProblem(name, text, _("this value cannot be read here; it was ignored"))
                )
        return cls(**values), raw, problems

    def problems(self) -> list[FilterProblem]:
        """Values that read fine but name nothing the database knows. Overridden by filter sets
        whose fields name records (a region, a partner, …)."""
        return []

    # -- writing ---------------------------------------------------------------------------
    def applied(self) -> dict[str, str]:
        """The filters that are set, as query-string text (for links and downloads)."""
        out: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None or value == "" or value is False:
                continue
            out[name] = _as_text(value)
        return out

    def described(self) -> list[tuple[str, str]]:
        """``(label, value)`` of each filter that is set, in the reader's language, for the
        head of an exported file."""
        fields = type(self).model_fields
        return [(str(fields[name].title or name), value) for name, value in self.applied().items()]

    # -- command line ----------------------------------------------------------------------
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """One ``--name`` option per filter (underscores become dashes)."""
        for name, info in cls.model_fields.items():
            option = "--" + name.replace("_", "-")
            if info.annotation in (bool, bool | None):
                parser.add_argument(option, dest=name, action="store_true", help=info.description)
            else:
                parser.add_argument(option, dest=name, metavar=name.upper(), help=info.description)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Self:
        """The filters given as command-line options; ``ValueError`` naming each bad one."""
        given = {
            name: options[name]
            for name in cls.model_fields
            if options.get(name) not in (None, "", False)
        }
        filters, _raw, problems = cls.from_query(given)
        problems += filters.problems()
        if problems:
            raise ValueError("; ".join(str(problem) for problem in problems))
        return filters


def _for_type(text: str, info: FieldInfo) -> Any:
    """Query-string text in the form pydantic expects for the field's type."""
    annotation = info.annotation
    if annotation in (bool, bool | None):
        return text.lower() in {"1", "true", "yes", "on"}
    return text


def _as_text(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
