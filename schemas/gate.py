"""Gate messages between kiosks and the service: enrolment, manifest, events, verify, leases.

Protocol (cursor, retries, clock skew, leases): docs/sync-protocol.md. The kiosk loads the
service's answers with these schemas too, so responses are described as exactly as
requests. No Flask, no SQLAlchemy.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gate.reasons import Reason
from gate.rules import DIRECTIONS
from schemas.appointments import DocumentInputSchema, HolderSchema, PublicKeySchema
from schemas.fields import CleanString, StrictBoolean
from schemas.venues import BilingualSchema

REASON_CODES = tuple(reason.value for reason in Reason)
EVENT_ID = validate.Regexp(r"^[A-Za-z0-9._:-]{1,64}$",
                           error="Use 1-64 letters, digits, '.', '_', ':' or '-'.")
SERIAL = validate.Regexp(r"^[A-Za-z0-9]{1,32}$", error="Not a pass serial.")
LOOKUP_INDEX = validate.Regexp(r"^[0-9a-f]{1,64}$", error="Not a look-up index (hex).")
ANOMALY_CODES = ("double_admission", "unknown_pass", "future_timestamp", "stale_timestamp",
                 "id_reused", "revoked_pass_admitted")


def _count(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=1_000_000), **kwargs)


# Enrolment -------------------------------------------------------------------------------

class EnrollRequestSchema(Schema):
    code = CleanString(required=True, validate=validate.Length(max=40))
    name = CleanString(required=True, validate=validate.Length(max=100))


class EnrollResponseSchema(Schema):
    device_id = fields.Integer(required=True)
    token = fields.String(required=True, metadata={
        "description": "Bearer token for `Authorization: Bearer TOKEN`; shown once."})
    venue = fields.String(required=True)
    gate = fields.String(required=True)


# Manifest --------------------------------------------------------------------------------

class ManifestQuerySchema(Schema):
    date = fields.Date(load_default=None, metadata={
        "description": "Venue-local date; default today at the venue."})
    cursor = fields.String(load_default=None, validate=validate.Length(max=80))
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=20000))
    venue = CleanString(load_default=None, validate=validate.Length(max=12), metadata={
        "description": "Optional; must be the device's own venue."})


class PolicySchema(Schema):
    opens = fields.String(required=True, metadata={"description": "HH:MM, venue-local"})
    closes = fields.String(required=True)
    timezone = fields.String(required=True)
    reentry_allowed = fields.Boolean(required=True)
    quota = fields.Integer(required=True)
    occupancy_limit = fields.Integer(required=True, allow_none=True)
    id_check_kinds = fields.List(fields.String(), load_default=list, metadata={
        "description": "Pass kinds that must also show the holder's ID card"})


class SlotWindowSchema(Schema):
    code = fields.String(required=True)
    start = fields.String(required=True, metadata={"description": "HH:MM"})
    end = fields.String(required=True)


class PresenceSchema(Schema):
    """What the service knows of the pass today from every gate's admitted passages."""

    entries = fields.Integer(required=True)
    exits = fields.Integer(required=True)
    inside = fields.Boolean(required=True)
    last_direction = fields.String(required=True, allow_none=True)
    last_gate = fields.String(required=True, allow_none=True)
    last_passed_at = fields.String(required=True, metadata={"description": "ISO 8601, UTC"})


class ManifestItemSchema(Schema):
    """One pass of the venue-day, its whole current state (upsert it by ``serial``)."""

    serial = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ("active", "cancelled", "revoked")))
    kind = fields.String(required=True)
    slot = fields.Nested(SlotWindowSchema, required=True, allow_none=True)
    holder = fields.Nested(HolderSchema, required=True)
    gate_index = fields.String(required=True, allow_none=True, metadata={
        "description": "Look-up index of the holder's document for this venue-day (active "
                       "items only): gate.lookup.gate_lookup_index(lookup_key, document.key)"})
    presence = fields.Nested(PresenceSchema, required=True, allow_none=True)
    seq = fields.Integer(required=True)


class ManifestPageSchema(Schema):
    venue = fields.String(required=True)
    date = fields.String(required=True)
    server_time = fields.String(required=True)
    policy = fields.Nested(PolicySchema, required=True)
    lookup_key = fields.String(required=True, metadata={
        "description": "The venue-day look-up key, unpadded base64url (32 bytes)."})
    keys = fields.List(fields.Nested(PublicKeySchema), required=True)
    reset = fields.Boolean(required=True, metadata={
        "description": "A full pull starts here: drop what you hold for this venue-day."})
    full = fields.Boolean(required=True)
    appointments = fields.List(fields.Nested(ManifestItemSchema), required=True)
    revoked = fields.List(fields.String(), required=True)
    cursor = fields.String(required=True)
    has_more = fields.Boolean(required=True)


# Events ----------------------------------------------------------------------------------

class CheckInEventSchema(Schema):
    id = fields.String(required=True, validate=EVENT_ID)
    pass_serial = fields.String(load_default=None, allow_none=True, validate=SERIAL)
    document_index = fields.String(load_default=None, allow_none=True, validate=LOOKUP_INDEX)
    gate = CleanString(required=True, validate=validate.Length(max=20))
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    admit = StrictBoolean(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(REASON_CODES))
    scanned_at = fields.AwareDateTime(required=True)
    offline = StrictBoolean(load_default=False)

    @validates_schema
    def one_identity(self, data, **kwargs):
        if data.get("pass_serial") and data.get("document_index"):
            raise ValidationError("Give pass_serial or document_index, not both.",
                                  "document_index")
        if data.get("pass_serial"):
            data["pass_serial"] = data["pass_serial"].upper()


class EventBatchSchema(Schema):
    events = fields.List(fields.Nested(CheckInEventSchema), required=True,
                         validate=validate.Length(max=1000))


class AnomalySchema(Schema):
    event = fields.String(required=True)
    code = fields.String(required=True, metadata={"enum": list(ANOMALY_CODES)})
    serial = fields.String(required=True, allow_none=True)
    gate = fields.String(load_default=None)
    other_gate = fields.String(load_default=None)
    other_event = fields.String(load_default=None)


class EventBatchResultSchema(Schema):
    accepted = fields.List(fields.String(), required=True)
    duplicates = fields.List(fields.String(), required=True)
    anomalies = fields.List(fields.Nested(AnomalySchema), required=True)
    server_time = fields.AwareDateTime(required=True)


# Verify ----------------------------------------------------------------------------------

class ScanDocumentSchema(Schema):
    document = fields.Nested(DocumentInputSchema, required=True)


class ScanField(fields.Field):
    """The QR text exactly as read, or ``{"document": {type, number, country?}}``."""

    MAX_TEXT = 1000

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            if len(value) > self.MAX_TEXT:
                raise ValidationError(f"Longer than maximum length {self.MAX_TEXT}.")
            return value
        if isinstance(value, dict):
            return ScanDocumentSchema().load(value)
        raise ValidationError("Give the QR text or {\"document\": {...}}.")


class VerifyRequestSchema(Schema):
    scan = ScanField(required=True, metadata={"oneOf": [
        {"type": "string", "maxLength": ScanField.MAX_TEXT},
        {"$ref": "#/components/schemas/ScanDocument"}]})
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    gate = CleanString(required=True, validate=validate.Length(max=20))
    id = fields.String(load_default=None, validate=EVENT_ID, metadata={
        "description": "Optional client event id: a retry with it returns the first answer."})
    document = fields.Nested(DocumentInputSchema, load_default=None, metadata={
        "description": "The holder's ID card read together with a pass (venues that check "
                       "passes against the ID card)"})


class VerdictHolderSchema(Schema):
    name = fields.String(required=True, allow_none=True)
    document = fields.String(required=True, allow_none=True)


class VerdictSchema(Schema):
    admit = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(REASON_CODES))
    message = fields.Nested(BilingualSchema, required=True)
    holder = fields.Nested(VerdictHolderSchema, required=True)
    colour = fields.String(required=True, validate=validate.OneOf(("green", "amber", "red")))


class VerifyResponseSchema(Schema):
    verdict = fields.Nested(VerdictSchema, required=True)
    event_id = fields.String(required=True)


# Leases ----------------------------------------------------------------------------------

class CreditReportSchema(Schema):
    """gate.occupancy.CreditReport: what the kiosk did with its credits since last time."""

    entries = _count(load_default=0)
    exits = _count(load_default=0)
    recycled_exits = _count(load_default=0)
    returned = _count(load_default=0)


class LeaseRequestSchema(Schema):
    lease_id = fields.String(required=True, validate=EVENT_ID)
    request = fields.Integer(required=True, strict=True,
                             validate=validate.Range(min=0, max=1000))
    report = fields.Nested(CreditReportSchema, load_default=dict)
    date = fields.Date(load_default=None)
    venue = CleanString(load_default=None, validate=validate.Length(max=12))


class PoolSchema(Schema):
    limit = fields.Integer(required=True)
    inside = fields.Integer(required=True)
    committed = fields.Integer(required=True)
    grantable = fields.Integer(required=True)


class LeaseResponseSchema(Schema):
    lease_id = fields.String(required=True)
    date = fields.String(required=True)
    limited = fields.Boolean(required=True, metadata={
        "description": "False: the venue-day has no occupancy limit; admit without credits."})
    granted = fields.Integer(required=True)
    credits = fields.Integer(required=True, metadata={
        "description": "Credits the service counts as held by this device after the request."})
    overdraft = fields.Integer(required=True)
    pool = fields.Nested(PoolSchema, required=True, allow_none=True)
