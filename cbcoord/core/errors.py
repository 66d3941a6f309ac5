"""Domain errors raised by services, carrying the field at fault for forms and the API."""

from __future__ import annotations


class ServiceError(Exception):
    """A write was refused for a reason the user can fix. ``field`` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
