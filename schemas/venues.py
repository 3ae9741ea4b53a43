"""Venue and availability messages."""
from __future__ import annotations

from marshmallow import Schema, fields


class BilingualSchema(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class SlotSchema(Schema):
    code = fields.String(required=True)
    start = fields.Time(required=True, format="%H:%M")
    end = fields.Time(required=True, format="%H:%M")
    quota = fields.Integer(required=True)
    remaining = fields.Integer(required=True)


class DaySchema(Schema):
    date = fields.Date(required=True)
    opens = fields.Time(required=True, format="%H:%M")
    closes = fields.Time(required=True, format="%H:%M")
    quota = fields.Integer(required=True)
    booked = fields.Integer(required=True)
    remaining = fields.Integer(required=True)
    slots = fields.List(fields.Nested(SlotSchema), required=True)


class VenueSchema(Schema):
    code = fields.String(required=True)
    name = fields.Nested(BilingualSchema, required=True)
    days = fields.List(fields.Nested(DaySchema), required=True)


class VenueListSchema(Schema):
    venues = fields.List(fields.Nested(VenueSchema), required=True)


class VenueDaySchema(DaySchema):
    venue = fields.String(required=True)
