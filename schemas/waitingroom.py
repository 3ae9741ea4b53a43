"""The waiting room's wire formats: joining the queue, its status, a proof-of-work
challenge (ALTCHA)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.appointments import DocumentInputSchema
from schemas.fields import CleanString

QUEUE_STATUSES = ("before", "prequeue", "waiting", "admitted", "not_in_line")


class QueueJoinRequestSchema(Schema):
    """The document that will book (one place in line per document) and a solved
    proof-of-work challenge (or the ``X-Altcha`` header)."""

    document = fields.Nested(DocumentInputSchema, required=True)
    altcha = CleanString(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                         metadata={"description": "base64 ALTCHA solution payload"})
    lang = fields.String(load_default=None, allow_none=True,
                         validate=validate.OneOf(("zh", "en")))


class QueueStatusSchema(Schema):
    venue = fields.String(required=True)
    date = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(QUEUE_STATUSES))
    opens_at = fields.AwareDateTime(required=True)
    ticket = fields.String(allow_none=True, metadata={
        "description": "send it back as the X-Queue-Ticket header"})
    position = fields.Integer(allow_none=True, metadata={"description": "1 = front of line"})
    ahead = fields.Integer(allow_none=True)
    waiting = fields.Integer(allow_none=True, metadata={"description": "people not admitted"})
    estimated_wait_seconds = fields.Integer(allow_none=True, metadata={
        "description": "null while admissions are paused or before the opening"})
    admission_rate = fields.Float(allow_none=True, metadata={"description": "per second"})
    admission_token = fields.String(allow_none=True, metadata={
        "description": "once admitted: the X-Admission-Token header of the booking"})
    refresh_seconds = fields.Integer(required=True)


class PowChallengeSchema(Schema):
    algorithm = fields.String(required=True)
    challenge = fields.String(required=True)
    maxnumber = fields.Integer(required=True)
    salt = fields.String(required=True)
    signature = fields.String(required=True)
