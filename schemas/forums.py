"""Forum messages: the list with seats left, reserving and giving back a seat."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gate.passes import PassKind
from gate.vocabulary import SeatStatus, ZoneKind, values
from schemas.fields import CleanString, validate_lang
from schemas.venues import BilingualSchema

PASS_KINDS = values(PassKind)
# Whether a forum takes reservations now (registration.services.seats.registration_status).
REGISTRATION_STATES = ("open", "full", "not_yet", "closed")


class ForumQuerySchema(Schema):
    """The list's filters, each optional."""

    day = fields.Date(load_default=None, metadata={
        "description": "The venue-local date of the forums' start."})
    venue = CleanString(load_default=None, validate=validate.Length(max=12))
    kind = fields.String(load_default=None, validate=validate.OneOf(PASS_KINDS), metadata={
        "description": "Only forums this pass kind may register for."})


class ForumZoneSchema(Schema):
    code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(values(ZoneKind)))
    name = fields.Nested(BilingualSchema, required=True)


class ForumSchema(Schema):
    code = fields.String(required=True)
    title = fields.Nested(BilingualSchema, required=True)
    zone = fields.Nested(ForumZoneSchema, required=True)
    venue = fields.String(required=True)
    # Venue-local times with their offset (2026-09-10T14:00:00+08:00).
    starts = fields.DateTime(required=True)
    ends = fields.DateTime(required=True)
    seats = fields.Integer(required=True)
    seats_left = fields.Integer(required=True)
    kinds = fields.List(fields.String(validate=validate.OneOf(PASS_KINDS)), required=True,
                        metadata={"description": "Kinds that may register; empty: every "
                                                 "kind with a gate pass."})
    registration_open = fields.Boolean(required=True, metadata={
        "description": "Inside the registration window now (seats may still be full)."})
    status = fields.String(required=True, validate=validate.OneOf(REGISTRATION_STATES))
    registration_opens = fields.DateTime(required=True, allow_none=True)
    registration_closes = fields.DateTime(required=True)


class ForumListSchema(Schema):
    forums = fields.List(fields.Nested(ForumSchema), required=True)


class SeatRequestSchema(Schema):
    """The booking's (or credential's) confirmation code and the document it was made with,
    as for a look-up."""

    code = CleanString(required=True, validate=validate.Length(max=12))
    document_number = CleanString(required=True, validate=validate.Length(max=64))
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


class SeatSchema(Schema):
    forum = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(values(SeatStatus)))


class SeatResponseSchema(Schema):
    seat = fields.Nested(SeatSchema, required=True)
