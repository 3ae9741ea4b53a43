"""What a person gives about themselves (name, phone, email), normalised here, once, for
every channel: the visitor pages, the JSON API, a group's list and the desk store the same
name for the same input. Forms, schemas and the CSV check apply the same rule
(:func:`schemas.fields.clean_person_name`) only to put their message beside the field;
the value that is stored is made here."""
from __future__ import annotations

from dataclasses import replace

from registration.services import booking
from registration.services.errors import InvalidInput
from schemas.fields import TextRefused, clean_person_name


def person_name(value: str | None, field: str = "name") -> str:
    """The name by the one name rule (white space made single, NFC); 422 ``invalid_name``
    naming ``field`` when the rule refuses it."""
    try:
        return clean_person_name(value)
    except TextRefused as err:
        raise InvalidInput("invalid_name", err.message, {field: err.message}) from None


def optional_text(value: str | None) -> str | None:
    """A phone number or email address: trimmed; None when nothing was given."""
    return (value or "").strip() or None


def normalised_visitor(visitor: booking.Visitor, field_prefix: str = "") -> booking.Visitor:
    """``visitor`` with its name and contact details as they are stored."""
    return replace(visitor, name=person_name(visitor.name, f"{field_prefix}name"),
                   phone=optional_text(visitor.phone), email=optional_text(visitor.email))
