"""Booking, look-up, cancel and delegation messages."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gate.documents import DocumentType
from gate.vocabulary import values
from schemas.fields import (
    NAME_MAX_LENGTH, CleanString, Consent, PersonName, validate_lang,
)

DOCUMENT_TYPES = values(DocumentType)
# 6-20 digits, single spaces or dashes between them, after an optional +: a number the
# service can store and text (services/messages.send_sms counts its digits). The trimmed
# text a CleanString validates never ends in a space, so the OpenAPI pattern can allow white
# space around it exactly as the service does.
PHONE = validate.Regexp(r"^\+?[0-9](?:[ \-]?[0-9]){5,19}$", error="Not a valid phone number.")


class DocumentInputSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(DOCUMENT_TYPES))
    # Length is generous: the number is normalised (full-width, spaces) before validation.
    number = CleanString(required=True, validate=validate.Length(max=64))
    country = CleanString(load_default=None, allow_none=True, validate=validate.Length(max=3))


class VisitorInputSchema(Schema):
    """The person: document, name as on the document, and how to reach them."""

    document = fields.Nested(DocumentInputSchema, required=True)
    # maxLength for the OpenAPI document: PersonName refuses a name longer than that once
    # its white space is made single (a Length validator would count the raw text).
    name = PersonName(required=True, metadata={
        "maxLength": NAME_MAX_LENGTH,
        "description": "As on the document; no control or invisible characters. Runs of "
                       "white space are stored as one space."})
    phone = CleanString(load_default=None, allow_none=True, validate=PHONE)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))


class BookingRequestSchema(VisitorInputSchema):
    venue = CleanString(required=True, validate=validate.Length(max=12))
    date = fields.Date(required=True)
    slot = CleanString(load_default=None, allow_none=True, validate=validate.Length(max=20))
    consent = Consent(required=True)
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


class LookupRequestSchema(Schema):
    code = CleanString(required=True, validate=validate.Length(max=12))
    document_number = CleanString(required=True, validate=validate.Length(max=64))
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


class CancelRequestSchema(Schema):
    document_number = CleanString(required=True, validate=validate.Length(max=64))
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


class GroupRequestSchema(Schema):
    """A delegation: every member on the same venue-day (and slot), all or none.

    ``max_members``: the service's GROUP_MAX_MEMBERS, which booking enforces
    (registration.services.groups.book_group); given here, it is documented and checked
    like any field limit."""

    organisation = CleanString(required=True, validate=validate.Length(max=200))
    venue = CleanString(required=True, validate=validate.Length(max=12))
    date = fields.Date(required=True)
    slot = CleanString(load_default=None, allow_none=True, validate=validate.Length(max=20))
    members = fields.List(fields.Nested(VisitorInputSchema), required=True, metadata={
        "description": "Each document once: two members whose documents are the same once "
                       "normalised (type, issuing state, number without spaces or dashes, "
                       "upper-case, half-width) are refused (invalid_members)."})
    consent = Consent(required=True)
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)

    def __init__(self, *, max_members: int | None = None, **kwargs):
        super().__init__(**kwargs)
        # A list of its own: fields are shallow copies of the class's.
        field = self.fields["members"]
        field.validators = [*field.validators, validate.Length(min=1, max=max_members)]


class HolderSchema(Schema):
    name = fields.String(required=True)
    document = fields.String(required=True)


class AppointmentSchema(Schema):
    code = fields.String(required=True)
    venue = fields.String(required=True)
    date = fields.Date(required=True)
    slot = fields.String(allow_none=True, required=True)
    status = fields.String(required=True)
    holder = fields.Nested(HolderSchema, required=True)


class PassSchema(Schema):
    serial = fields.String(required=True)
    token = fields.String(required=True)
    png = fields.String(required=True)
    svg = fields.String(required=True)
    pdf = fields.String(required=True)


class BookingResponseSchema(Schema):
    appointment = fields.Nested(AppointmentSchema, required=True)
    # None once the appointment is cancelled (its pass is revoked).
    pass_ = fields.Nested(PassSchema, data_key="pass", attribute="pass", allow_none=True,
                          required=True)


class GroupResponseSchema(Schema):
    delegation = fields.String(required=True)
    organisation = fields.String(required=True)
    bookings = fields.List(fields.Nested(BookingResponseSchema), required=True)


class PublicKeySchema(Schema):
    key_id = fields.String(required=True)
    algorithm = fields.String(required=True)
    public_key = fields.String(required=True)
    created_at = fields.String(required=True)
    active = fields.Boolean(required=True)


class KeyListSchema(Schema):
    keys = fields.List(fields.Nested(PublicKeySchema), required=True)
