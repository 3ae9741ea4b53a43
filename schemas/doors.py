"""Gate messages of zone doors (issue 13): a door device's zone and its sessions, check-in
texts, and the handheld's annul. Imported by schemas/gate.py with the other gate messages.
No Flask, no SQLAlchemy."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gate.passes import PassKind
from gate.vocabulary import values
from schemas.venues import BilingualSchema

# A client-made event id (check-in events, verify, leases use it too).
EVENT_ID = validate.Regexp(r"^[A-Za-z0-9._:-]{1,64}$",
                           error="Use 1-64 letters, digits, '.', '_', ':' or '-'.")


class AttentionNoteSchema(Schema):
    """A check-in text shown with the verdict (registration/services/attention.py)."""

    zh = fields.String(required=True)
    en = fields.String(required=True)
    needs_staff = fields.Boolean(load_default=False, metadata={
        "description": "The screen turns amber on an admission and waits for staff"})


class SessionSchema(Schema):
    """A session (forum) of a door's zone today and its door window (gate.doors)."""

    code = fields.String(required=True)
    title = fields.Nested(BilingualSchema, required=True)
    starts = fields.String(required=True, metadata={"description": "ISO 8601, UTC"})
    ends = fields.String(required=True)
    doors_open = fields.String(required=True, metadata={
        "description": "Seat holders are admitted from here ..."})
    admits_until = fields.String(required=True, metadata={"description": "... to here"})


class ZoneSchema(Schema):
    """The zone a door device was enrolled for (docs/gate-rules.md, "Doors of zones")."""

    code = fields.String(required=True)
    kind = fields.String(required=True)
    name = fields.Nested(BilingualSchema, required=True)
    seated = fields.Boolean(required=True, metadata={
        "description": "Seat holders of a session only (forum and meeting rooms)"})
    kinds = fields.List(fields.String(validate=validate.OneOf(values(PassKind))),
                        required=True, allow_none=True, metadata={
                            "description": "Pass kinds admitted (null: every kind)"})
    capacity = fields.Integer(required=True, allow_none=True)
    sessions = fields.List(fields.Nested(SessionSchema), required=True)


class AnnulRequestSchema(Schema):
    event_id = fields.String(required=True, validate=EVENT_ID, metadata={
        "description": "The `event_id` verify answered for this device's admission"})


class AnnulResponseSchema(Schema):
    event_id = fields.String(required=True)
    annulled = fields.Boolean(required=True, metadata={
        "description": "Always true: the admission is annulled (now or before)"})
    first = fields.Boolean(required=True, metadata={
        "description": "False: it was annulled before and nothing changed"})
    status = fields.String(required=True, metadata={
        "description": "`annulled` (now) or `already` (before): the kiosk's words"})
