"""Domain errors raised by services, carrying the field at fault for forms and the API."""

from __future__ import annotations

from collections.abc import Sequence


class ServiceError(Exception):
    """A write was refused for a reason the user can fix. ``field`` names the input at fault.

    A service that checks several things reports them all at once: ``problems`` holds
    ``(field, message)`` pairs (fields as dotted paths, ``budgets.0.value``); ``field`` and
    ``message`` are then those of the first problem and of all of them together.
    """

    def __init__(
        self,
        message: str = "",
        *,
        field: str | None = None,
        problems: Sequence[tuple[str | None, str]] = (),
    ) -> None:
        self.problems: list[tuple[str | None, str]] = list(problems) or [(field, message)]
        self.message = message or " ".join(text for _field, text in self.problems)
        self.field = field if field is not None or message else self.problems[0][0]
        super().__init__(self.message)
