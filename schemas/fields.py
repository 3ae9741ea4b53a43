"""Field types shared by the schemas."""
from __future__ import annotations

import unicodedata

from marshmallow import ValidationError, fields


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in value)


class CleanString(fields.String):
    """Text typed by a person: trimmed, NFC-normalised, no control characters."""

    default_error_messages = {
        "control": "Must not contain control characters.",
        "blank": "Must not be blank.",
    }

    def __init__(self, *args, allow_blank: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_blank = allow_blank

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        text = unicodedata.normalize("NFC", text).strip()
        if has_control_characters(text):
            raise self.make_error("control")
        if not text and not self.allow_blank:
            raise self.make_error("blank")
        return text


class StrictBoolean(fields.Boolean):
    """Only JSON true/false: a consent given as "yes" or 1 is not consent."""

    truthy = {True}
    falsy = {False}


def validate_lang(value: str) -> None:
    if value not in ("zh", "en"):
        raise ValidationError("Must be one of: zh, en.")
