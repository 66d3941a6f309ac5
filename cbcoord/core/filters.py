"""One definition of a list's filters, for the page, the API, the command line and the files.

A ``FilterSet`` is a django-ninja ``Schema`` (pydantic) whose fields are the filters, each with
a ``title`` (the label, translatable) and a ``description`` (the API's and the command's help):

- the API declares it as ``filters: Query[ActivityFilters]`` and gets it documented in OpenAPI;
- a page reads it from the query string with ``from_query``, which keeps the raw text to put
  back in the form and names each value it cannot read instead of failing;
- a management command gets one ``--option`` per field (``add_arguments``/``from_options``);
- an export writes the applied filters into the file (``described``);
- ``problems(user)`` lets a filter set name values that read fine but match nothing the
  database knows (``region=ZZZ``): pages say so instead of showing an empty list silently,
  the API and the downloads answer 400 naming them.

Fields named in ``passthrough`` are not filters but belong to the list (its order, say): they
are read, checked and documented like the others, and links keep them (``query``), but they
are not "applied filters" (``applied``, ``described``).

The selector that applies a filter set is the one place its meaning is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal, Self

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from cbcoord.core.errors import ServiceError

#: Raw filter values longer than this are cut (a query string is not a place for essays).
RAW_LIMIT = 200


def filter_field(default: Any, *, title: str | Promise, description: str) -> Any:
    """A filter set's field: its ``default``, its ``title`` (the form's label and the file
    head's, translated when read) and its ``description`` (the API's and the command's
    help, in English)."""
    return Field(default, title=title, description=description)  # type: ignore[arg-type]


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

    #: Fields that are not filters but belong to the list (its order): read, checked and kept
    #: in links (``query``) like the filters, left out of ``applied`` and ``described``.
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
                allowed = choices_of(info)
                message = (
                    _("this value cannot be read here (one of: %(choices)s); it was ignored")
                    % {"choices": ", ".join(allowed)}
                    if allowed
                    else _("this value cannot be read here; it was ignored")
                )
                problems.append(FilterProblem(name, text, message))
        return cls(**values), raw, problems

    def problems(self, user: Any = None) -> list[FilterProblem]:
        """Values that read fine but name nothing that ``user`` may see (an unknown region, a
        partner the public may not see…). Overridden by filter sets whose fields name records."""
        return []

    def require_known(self, user: Any = None) -> None:
        """For the API: ``ServiceError`` (a 400) naming the values that name nothing, rather
        than an empty list."""
        problems = self.problems(user)
        if problems:
            raise ServiceError(
                "; ".join(str(problem) for problem in problems), field=problems[0].name
            )

    # -- writing ---------------------------------------------------------------------------
    def query(self) -> dict[str, str]:
        """Every field that differs from its default, filters and passthrough alike, as
        query-string text: what a link to the same list (another page, a download) carries."""
        out: dict[str, str] = {}
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None or value == "" or value == info.get_default():
                continue
            out[name] = _as_text(value)
        return out

    def applied(self) -> dict[str, str]:
        """The filters that are set (``query`` less the passthrough fields), as text."""
        return {
            name: value
            for name, value in self.query().items()
            if name not in type(self).passthrough
        }

    def described(self) -> list[tuple[str, str]]:
        """``(label, value)`` of each filter that is set, in the reader's language, for the
        head of an exported file (yes/no for switches)."""
        fields = type(self).model_fields
        described = []
        for name, text in self.applied().items():
            value = getattr(self, name)
            if isinstance(value, bool):
                text = _("yes") if value else _("no")
            described.append((str(fields[name].title or name), text))
        return described

    # -- command line ----------------------------------------------------------------------
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """One ``--name`` option per field (underscores become dashes): a switch for a yes/no
        field that is off by default, ``--name yes|no`` for one that may be unset, a choice
        for a field of fixed values."""
        for name, info in cls.model_fields.items():
            option = "--" + name.replace("_", "-")
            help_text = str(info.description or info.title or "")
            if info.annotation is bool:
                parser.add_argument(option, dest=name, action="store_true", help=help_text)
            elif info.annotation == bool | None:
                parser.add_argument(option, dest=name, choices=["yes", "no"], help=help_text)
            else:
                allowed = choices_of(info)
                parser.add_argument(
                    option,
                    dest=name,
                    metavar=name.upper(),
                    help=f"{help_text} ({', '.join(allowed)})" if allowed else help_text,
                )

    @classmethod
    def from_options(cls, options: Mapping[str, Any], user: Any = None) -> Self:
        """The filters given as command-line options; ``ValueError`` naming each bad one
        (``user``: who reads, for ``problems``)."""
        given = {
            name: options[name]
            for name in cls.model_fields
            if options.get(name) not in (None, "", False)
        }
        filters, _raw, problems = cls.from_query(given)
        problems += filters.problems(user)
        if problems:
            raise ValueError("; ".join(str(problem) for problem in problems))
        return filters


def choices_of(info: FieldInfo) -> list[str]:
    """The values a field of fixed values takes (a ``Literal`` or an enum, optional or not),
    else an empty list."""
    annotation = info.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(
            (arg for arg in typing.get_args(annotation) if arg is not type(None)), annotation
        )
    if typing.get_origin(annotation) is Literal:
        return [str(arg) for arg in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return []


def _for_type(text: str, info: FieldInfo) -> Any:
    """Query-string text in the form pydantic expects for the field's type."""
    annotation = info.annotation
    if annotation is bool or annotation == bool | None:
        lowered = text.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        return text  # pydantic names it
    return text


def _as_text(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
