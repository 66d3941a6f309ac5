"""Problems with what someone typed or sent, as sentences for people.

A typed input (a pydantic model) reports every problem at once; each becomes a ``Problem``: the
path of the field at fault (``budgets.0.value``: row 0 of the budgets, its value) and a message
in the active language that names no internal field (the form shows it next to the field, the
API beside the path). Rules of our own raise ``invalid(message)`` with a translated message;
pydantic's own checks (a date that is not a date, a number under its minimum) are worded here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

#: The error type of the rules cbcoord adds (their message is already in words).
RULE = "cbcoord"

Loc = tuple[str | int, ...]


class Problem(NamedTuple):
    field: str  # dotted path: "title", "budgets.0.value"; "" for the whole input
    message: str


def field_path(loc: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in loc)


def path_loc(field: str) -> Loc:
    """The parts of a dotted path, row positions as integers."""
    return tuple(int(part) if part.isdigit() else part for part in field.split(".") if part)


def invalid(message: str) -> PydanticCustomError:
    """Raise this from a validator: ``message`` (already translated) is shown as it is."""
    return PydanticCustomError(RULE, "{message}", {"message": message})


def refuse(title: str, problems: Sequence[tuple[Loc, str]]) -> ValidationError:
    """One ValidationError carrying several problems of a model, each at its own field: a
    validator of a model that finds more than one problem raises this (pydantic prefixes each
    location with where the model sits)."""
    details: list[InitErrorDetails] = [
        {"type": invalid(message), "loc": loc, "input": None} for loc, message in problems
    ]
    return ValidationError.from_exception_data(title, details)


# pydantic's error types whose sentence needs nothing from the error, by type.
_SENTENCES: dict[str, Promise] = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("This field is unknown here; it cannot be changed."),
    **dict.fromkeys(
        ("decimal_parsing", "decimal_type", "finite_number", "float_parsing"),
        gettext_lazy("Enter a number."),
    ),
    **dict.fromkeys(
        ("int_parsing", "int_type", "int_from_float"), gettext_lazy("Enter a whole number.")
    ),
    **dict.fromkeys(
        ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"),
        gettext_lazy("Enter a number with fewer digits."),
    ),
    "string_too_short": gettext_lazy("This field cannot be empty."),
    "string_pattern_mismatch": gettext_lazy("This value has characters it cannot hold."),
    **dict.fromkeys(
        ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"),
        gettext_lazy("This value has the wrong form."),
    ),
    **dict.fromkeys(("bool_parsing", "bool_type"), gettext_lazy("Enter true or false.")),
    "json_invalid": gettext_lazy("The request body is not valid JSON."),
}

# Error types whose sentence names the limit the value broke: the sentence, and the key of the
# error's context that holds the limit.
_LIMIT_SENTENCES: dict[str, tuple[Promise, str]] = {
    "greater_than_equal": (gettext_lazy("Enter a number of at least %(limit)s."), "ge"),
    "greater_than": (gettext_lazy("Enter a number greater than %(limit)s."), "gt"),
    "less_than_equal": (gettext_lazy("Enter a number of at most %(limit)s."), "le"),
    "less_than": (gettext_lazy("Enter a number less than %(limit)s."), "lt"),
    "string_too_long": (gettext_lazy("Enter at most %(limit)s characters."), "max_length"),
}


def message_for(error: Mapping[str, Any]) -> str:
    """A sentence for one pydantic error (``ValidationError.errors()`` item)."""
    kind = error.get("type", "")
    context: Mapping[str, Any] = error.get("ctx") or {}
    if kind == RULE:
        return str(context.get("message") or error.get("msg") or "")
    if kind in _SENTENCES:
        return str(_SENTENCES[kind])
    if kind in _LIMIT_SENTENCES:
        sentence, limit_key = _LIMIT_SENTENCES[kind]
        return str(sentence) % {"limit": context.get(limit_key, "")}
    if kind.startswith("date"):
        return _("Enter a date (YYYY-MM-DD).")
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": context.get("expected", "")}
    return _("This value is not valid.")


def problems(
    error: ValidationError | Iterable[Mapping[str, Any]], *, skip: int = 0
) -> list[Problem]:
    """Every problem of ``error``, in words; ``skip`` leading location parts are dropped (the
    API's ``("body", "payload")``)."""
    items = error.errors(include_url=False) if isinstance(error, ValidationError) else error
    return [
        Problem(field_path(tuple(item.get("loc", ()))[skip:]), message_for(item)) for item in items
    ]
