"""Booking, look-up, cancel and delegation messages."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.fields import CleanString, StrictBoolean, validate_lang

DOCUMENT_TYPES = (
    "cn_resident_id", "hk_mo_residence_permit", "tw_residence_permit",
    "foreign_permanent_resident_id", "hk_mo_travel_permit", "tw_travel_permit", "passport",
)
PHONE = validate.Regexp(r"^\+?[0-9][0-9 \-]{5,19}$", error="Not a valid phone number.")


class DocumentInputSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(DOCUMENT_TYPES))
    # Length is generous: the number is normalised (full-width, spaces) before validation.
    number = CleanString(required=True, validate=validate.Length(max=64))
    country = CleanString(load_default=None, allow_none=True, validate=validate.Length(max=3))


class VisitorInputSchema(Schema):
    """The person: document, name as on the document, and how to reach them."""

    document = fields.Nested(DocumentInputSchema, required=True)
    name = CleanString(required=True, validate=validate.Length(max=100))
    phone = CleanString(load_default=None, allow_none=True, validate=PHONE)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))


class BookingRequestSchema(VisitorInputSchema):
    venue = CleanString(required=True, validate=validate.Length(max=12))
    date = fields.Date(required=True)
    slot = CleanString(load_default=None, allow_none=True, validate=validate.Length(max=20))
    consent = StrictBoolean(required=True)
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


class LookupRequestSchema(Schema):
    code = CleanString(required=True, validate=validate.Length(max=12))
    document_number = CleanString(required=True, validate=validate.Length(max=64))
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


class CancelRequestSchema(Schema):
    document_number = CleanString(required=True, validate=validate.Length(max=64))
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


class GroupRequestSchema(Schema):
    """A delegation: every member on the same venue-day (and slot), all or none."""

    organisation = CleanString(required=True, validate=validate.Length(max=200))
    venue = CleanString(required=True, validate=validate.Length(max=12))
    date = fields.Date(required=True)
    slot = CleanString(load_default=None, allow_none=True, validate=validate.Length(max=20))
    members = fields.List(fields.Nested(VisitorInputSchema), required=True,
                          validate=validate.Length(min=1, max=500))
    consent = StrictBoolean(required=True)
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


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
