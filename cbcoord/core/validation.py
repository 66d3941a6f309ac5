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

from django.utils.translation import gettext as _
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


def _limit(context: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in context:
            return context[key]
    return ""


def message_for(error: Mapping[str, Any]) -> str:
    """A sentence for one pydantic error (``ValidationError.errors()`` item)."""
    kind = error.get("type", "")
    context: Mapping[str, Any] = error.get("ctx") or {}
    if kind == RULE:
        return str(context.get("message") or error.get("msg") or "")
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is unknown here; it cannot be changed.")
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return _("Enter a date (YYYY-MM-DD).")
    if kind.startswith("date"):
        return _("Enter a date (YYYY-MM-DD).")
    if kind in ("decimal_parsing", "decimal_type", "finite_number", "float_parsing"):
        return _("Enter a number.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
        return _("Enter a number with fewer digits.")
    if kind == "greater_than_equal":
        return _("Enter a number of at least %(limit)s.") % {"limit": _limit(context, "ge")}
    if kind == "greater_than":
        return _("Enter a number greater than %(limit)s.") % {"limit": _limit(context, "gt")}
    if kind == "less_than_equal":
        return _("Enter a number of at most %(limit)s.") % {"limit": _limit(context, "le")}
    if kind == "less_than":
        return _("Enter a number less than %(limit)s.") % {"limit": _limit(context, "lt")}
    if kind == "string_too_long":
        return _("Enter at most %(limit)s characters.") % {"limit": _limit(context, "max_length")}
    if kind == "string_too_short":
        return _("This field cannot be empty.")
    if kind == "string_pattern_mismatch":
        return _("This value has characters it cannot hold.")
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": _limit(context, "expected")}
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        return _("This value has the wrong form.")
    if kind == "bool_parsing" or kind == "bool_type":
        return _("Enter true or false.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
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
