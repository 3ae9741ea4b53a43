"""Waiting-list messages: joining a full day's line, withdrawing, the entry."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.appointments import HolderSchema, VisitorInputSchema
from schemas.fields import CleanString, Consent, validate_lang

WAITLIST_STATES = ("waiting", "offered", "booked", "expired", "withdrawn")


class WaitlistJoinRequestSchema(VisitorInputSchema):
    """The person, as for a booking (venue and day are in the path). The offer of a freed
    place is sent by email, so an address is required here."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    consent = Consent(required=True)
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


class WaitlistWithdrawRequestSchema(Schema):
    document_number = CleanString(required=True, validate=validate.Length(max=64))
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


class WaitlistEntrySchema(Schema):
    code = fields.String(required=True, metadata={
        "description": "The entry's reference: with the document number, it withdraws it."})
    venue = fields.String(required=True)
    date = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(WAITLIST_STATES))
    # People before this one in the line (0: next to be offered a freed place).
    ahead = fields.Integer(required=True, allow_none=True)
    joined_at = fields.DateTime(required=True)
    offer_expires_at = fields.DateTime(required=True, allow_none=True)
    holder = fields.Nested(HolderSchema, required=True)


class WaitlistResponseSchema(Schema):
    entry = fields.Nested(WaitlistEntrySchema, required=True)
