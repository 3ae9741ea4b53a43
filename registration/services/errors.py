"""Errors raised by services; the API and pages turn them into responses."""
from __future__ import annotations

from gate.i18n import Text


class ServiceError(Exception):
    """A rule refused the request. ``fields`` maps dotted field paths to messages."""

    status = 400

    def __init__(self, code: str, message: Text, fields: dict[str, Text] | None = None,
                 **details):
        super().__init__(message.en)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.details = details


class InvalidInput(ServiceError):
    status = 422


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


def invalid_field(field: str, message: Text, code: str = "invalid") -> InvalidInput:
    return InvalidInput(code, message, {field: message})
