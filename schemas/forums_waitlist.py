"""Forum waiting-list messages: joining a full forum's line."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.fields import CleanString, validate_lang

# As a booking's phone, but never starting with 0: an international prefix 00 is written
# +, so every number this accepts is one the offer's SMS can be sent to.
PHONE = validate.Regexp(r"^\+?[1-9](?:[ \-]?[0-9]){5,19}$", error="Not a valid phone number.")

CONTACT_REQUIRED = "Give an email address or a phone number for the offer."


class ForumWaitlistJoinRequestSchema(Schema):
    """The booking's (or credential's) confirmation code and document number, as for a
    seat, and where the offer of a freed seat is sent: an email address, a mobile number
    for SMS, or both."""

    code = CleanString(required=True, validate=validate.Length(max=12))
    document_number = CleanString(required=True, validate=validate.Length(max=64))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = CleanString(load_default=None, allow_none=True, validate=PHONE)
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)

    @validates_schema
    def _contact_given(self, data, **kwargs):
        if not data.get("email") and not data.get("phone"):
            raise ValidationError(CONTACT_REQUIRED, "email")


class ForumWaitlistEntrySchema(Schema):
    forum = fields.String(required=True)
    position = fields.Integer(required=True, validate=validate.Range(min=1), metadata={
        "description": "The place in the line: 1 is offered the next seat given back."})


class ForumWaitlistResponseSchema(Schema):
    waitlist = fields.Nested(ForumWaitlistEntrySchema, required=True)
