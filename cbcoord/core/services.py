"""Helpers shared by the apps' services."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models

from cbcoord.core.errors import ServiceError

M = TypeVar("M", bound=models.Model)


def full_clean_or_raise(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Validate a model and turn Django's ValidationError into a ServiceError naming the field."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            field, messages = next(iter(error.message_dict.items()))
            raise ServiceError(f"{field}: {' '.join(messages)}", field=field) from error
        raise ServiceError(" ".join(error.messages)) from error


def _attribute(instance: models.Model, user: Any) -> None:
    # Only a user row can be the author of a history entry (not the system, not the public).
    if isinstance(user, get_user_model()) and user.is_authenticated:
        instance._history_user = user  # type: ignore[attr-defined]


def save_as(instance: M, user: Any) -> M:
    """Save and attribute the history entry to ``user`` (none for the system or the public)."""
    _attribute(instance, user)
    instance.save()
    return instance


def delete_as(instance: models.Model, user: Any) -> None:
    """Delete and attribute the history entry to ``user``."""
    _attribute(instance, user)
    instance.delete()


def apply_changes(instance: M, data: Mapping[str, Any], *, allowed: Iterable[str]) -> list[str]:
    """Set the given fields on ``instance``; refuse fields outside ``allowed``.

    Returns the names of the fields whose value changed.
    """
    allowed_set = set(allowed)
    changed: list[str] = []
    for field, value in data.items():
        if field not in allowed_set:
            raise ServiceError(f"{field}: this field cannot be changed here.", field=field)
        if value is None:
            model_field = instance._meta.get_field(field)
            if isinstance(model_field, models.Field) and not model_field.null:
                # A text field is cleared with null as with ""; other fields need a value.
                if not isinstance(model_field, models.CharField | models.TextField):
                    raise ServiceError(f"{field}: this field cannot be empty.", field=field)
                value = ""
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed
