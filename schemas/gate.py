"""Gate messages between kiosks and the service: enrolment, manifest, events, verify, leases.

Protocol (cursor, retries, clock skew, leases): docs/sync-protocol.md. The kiosk loads the
service's answers with these schemas too, so responses are described as exactly as
requests. No Flask, no SQLAlchemy.
"""
from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gate.lookup import ALGORITHM, LIMITS
from gate.passes import PassKind
from gate.reasons import Colour, Reason
from gate.rules import DIRECTIONS
from gate.vocabulary import AnomalyCode, GateStatus, values
from schemas.appointments import DocumentInputSchema, HolderSchema, PublicKeySchema
from schemas.doors import (  # noqa: F401 (the gate's messages: API and kiosk import them here)
    EVENT_ID, AnnulRequestSchema, AnnulResponseSchema, AttentionNoteSchema, ZoneSchema,
)
from schemas.fields import CleanString, JsonInteger, StrictBoolean
from schemas.venues import BilingualSchema

REASON_CODES = values(Reason)
SERIAL = validate.Regexp(r"^[A-Za-z0-9]{1,32}$", error="Not a pass serial.")
LOOKUP_INDEX = validate.Regexp(r"^[0-9a-f]{1,64}$", error="Not a look-up index (hex).")
ANOMALY_CODES = values(AnomalyCode)


def _count(**kwargs):
    return JsonInteger(validate=validate.Range(min=0, max=1_000_000), **kwargs)


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
    """``max_limit``: the largest page the service gives (its GATE_MANIFEST_PAGE_MAX)."""

    date = fields.Date(load_default=None, metadata={
        "description": "Venue-local date; default today at the venue."})
    cursor = fields.String(load_default=None, validate=validate.Length(max=80))
    limit = fields.Integer(load_default=None)
    venue = CleanString(load_default=None, validate=validate.Length(max=12), metadata={
        "description": "Optional; must be the device's own venue."})

    def __init__(self, *, max_limit: int | None = None, **kwargs):
        super().__init__(**kwargs)
        # A list of its own: fields are shallow copies of the class's.
        field = self.fields["limit"]
        field.validators = [*field.validators, validate.Range(min=1, max=max_limit)]


class PolicySchema(Schema):
    opens = fields.String(required=True, metadata={"description": "HH:MM, venue-local"})
    closes = fields.String(required=True)
    timezone = fields.String(required=True)
    reentry_allowed = fields.Boolean(required=True)
    quota = fields.Integer(required=True)
    occupancy_limit = fields.Integer(required=True, allow_none=True)
    id_check_kinds = fields.List(fields.String(), load_default=list, metadata={
        "description": "Pass kinds that must also show the holder's ID card"})
    # Absent from manifests of services before issue 12: the gate's defaults apply.
    kind_opens = fields.Dict(
        keys=fields.String(validate=validate.OneOf(values(PassKind))),
        values=fields.String(validate=validate.Regexp(r"^\d\d:\d\d$", error="Not HH:MM.")),
        load_default=dict, metadata={
            "description": "Kinds that may enter before `opens`, and from when (HH:MM, "
                           "venue-local): exhibitors from the exhibitors' opening"})
    quota_kinds = fields.List(fields.String(validate=validate.OneOf(values(PassKind))),
                              load_default=None, allow_none=True, metadata={
                                  "description": "Kinds counted against `quota` (absent: "
                                                 "visitor and professional)"})


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


class LookupKdfSchema(Schema):
    """How to compute a document's ``gate_index`` for this venue-day (gate.lookup)."""

    algorithm = fields.String(required=True, validate=validate.Equal(ALGORITHM))
    version = fields.Integer(required=True, validate=validate.Equal(19), metadata={
        "description": "Argon2 version (0x13)"})
    time_cost = fields.Integer(strict=True, required=True,
                               validate=validate.Range(*LIMITS["time_cost"]))
    memory_kib = fields.Integer(strict=True, required=True,
                                validate=validate.Range(*LIMITS["memory_kib"]), metadata={
                                    "description": "Argon2 memory cost in KiB"})
    parallelism = fields.Integer(strict=True, required=True,
                                 validate=validate.Range(*LIMITS["parallelism"]))
    length = fields.Integer(strict=True, required=True,
                            validate=validate.Range(*LIMITS["length"]), metadata={
                                "description": "Index bytes (hex: twice as many characters)"})
    salt = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_-]{11,86}$", error="Not unpadded base64url."), metadata={
        "description": "The venue-day's salt, unpadded base64url"})

    @validates_schema
    def enough_memory(self, data, **kwargs):
        if data.get("memory_kib", 0) < 8 * data.get("parallelism", 1):
            raise ValidationError("At least 8 KiB per lane.", "memory_kib")


class ManifestItemSchema(Schema):
    """One pass of the venue-day, its whole current state (upsert it by ``serial``)."""

    serial = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(values(GateStatus)))
    kind = fields.String(required=True, validate=validate.OneOf(values(PassKind)))
    slot = fields.Nested(SlotWindowSchema, required=True, allow_none=True)
    holder = fields.Nested(HolderSchema, required=True)
    gate_index = fields.String(required=True, allow_none=True, metadata={
        "description": "Look-up index of the holder's document for this venue-day (active "
                       "items only): gate.lookup.gate_lookup_index(lookup_kdf, document.key)"})
    presence = fields.Nested(PresenceSchema, required=True, allow_none=True, metadata={
        "description": "At a door device: the pass's presence in the door's zone"})
    seq = fields.Integer(required=True)
    # Absent from services before issue 13.
    seats = fields.List(fields.String(), load_default=list, metadata={
        "description": "Forum codes the pass holds a seat for in the door's zone today "
                       "([] at an entrance device)"})
    attention = fields.Nested(AttentionNoteSchema, load_default=None, allow_none=True,
                              metadata={"description": "The pass's own or its "
                                        "organisation's check-in text"})


class ManifestPageSchema(Schema):
    venue = fields.String(required=True)
    date = fields.String(required=True)
    server_time = fields.String(required=True)
    policy = fields.Nested(PolicySchema, required=True)
    lookup_kdf = fields.Nested(LookupKdfSchema, required=True)
    keys = fields.List(fields.Nested(PublicKeySchema), required=True)
    reset = fields.Boolean(required=True, metadata={
        "description": "A full pull starts here: drop what you hold for this venue-day."})
    full = fields.Boolean(required=True)
    appointments = fields.List(fields.Nested(ManifestItemSchema), required=True)
    revoked = fields.List(fields.String(), required=True)
    cursor = fields.String(required=True)
    has_more = fields.Boolean(required=True)
    zone = fields.Nested(ZoneSchema, load_default=None, allow_none=True, metadata={
        "description": "A door device's zone and its sessions today (null: an entrance)"})
    attention_kinds = fields.Dict(
        keys=fields.String(validate=validate.OneOf(values(PassKind))),
        values=fields.Nested(AttentionNoteSchema), load_default=dict, metadata={
            "description": "Check-in texts of whole credential kinds"})


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
    # No default: an event without it keeps the digest it always had.
    annuls = fields.String(allow_none=True, validate=EVENT_ID, metadata={
        "description": "An annul event (`reason: annulled`, `admit: false`): the id of this "
                       "device's admission it annuls, within 30 s of it (ignored on any "
                       "other event)"})

    # One identity at most; the OpenAPI document says so too (registration/api/openapi.py).
    exclusive_fields = ("pass_serial", "document_index")

    @validates_schema
    def one_identity(self, data, **kwargs):
        if all(data.get(name) for name in self.exclusive_fields):
            raise ValidationError("Give pass_serial or document_index, not both.",
                                  "document_index")
        if data.get("pass_serial"):
            data["pass_serial"] = data["pass_serial"].upper()


class EventBatchSchema(Schema):
    """``max_events``: the service's GATE_EVENT_BATCH_MAX, which it enforces with 413 before
    loading (registration.services.checkins.check_batch_size); given here, it is documented
    and checked like any field limit."""

    events = fields.List(fields.Nested(CheckInEventSchema), required=True)

    def __init__(self, *, max_events: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if max_events is not None:
            # A list of its own: fields are shallow copies of the class's.
            field = self.fields["events"]
            field.validators = [*field.validators, validate.Length(max=max_events)]


class AnomalySchema(Schema):
    event = fields.String(required=True)
    # Documented, not validated: a kiosk must still take answers once the service knows
    # more codes than it does.
    code = fields.String(required=True, metadata={"enum": list(ANOMALY_CODES)})
    serial = fields.String(required=True, allow_none=True)
    gate = fields.String(load_default=None)
    other_gate = fields.String(load_default=None)
    other_event = fields.String(load_default=None)


class EventBatchResultSchema(Schema):
    accepted = fields.List(fields.String(), required=True, metadata={
        "description": "Ids stored by this upload (drop them from the queue). An event that "
                       "was refused, a pass of another venue (anomaly `wrong_venue`), is "
                       "stored for the record too, but applied to no pass."})
    duplicates = fields.List(fields.String(), required=True)
    anomalies = fields.List(fields.Nested(AnomalySchema), required=True, metadata={
        "description": "Per event: `wrong_venue` names an event refused because its pass "
                       "is of another venue (no presence changed); the other codes flag "
                       "events that were applied. See docs/sync-protocol.md section 4."})
    server_time = fields.AwareDateTime(required=True)


# Verify ----------------------------------------------------------------------------------

class ScanDocumentSchema(Schema):
    document = fields.Nested(DocumentInputSchema, required=True)


# registration.services.booking's CODE_ALPHABET and CODE_LENGTH (schemas import neither
# program; tests/registration/gate/test_verify_code.py keeps them equal).
CONFIRMATION_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CONFIRMATION_CODE_LENGTH = 8
# As typed: the letters in either case, spaces anywhere (read aloud in groups).
TYPED_CODE_PATTERN = "^ *(?:[A-HJ-NP-Za-hj-np-z2-9] *){%d}$" % CONFIRMATION_CODE_LENGTH
TYPED_CODE_MAX = 40


class ConfirmationCodeField(fields.String):
    """A booking's confirmation code as typed; loads as the code (upper case, no spaces)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > TYPED_CODE_MAX or not re.fullmatch(TYPED_CODE_PATTERN, text):
            raise ValidationError(f"Not a confirmation code ({CONFIRMATION_CODE_LENGTH} "
                                  "letters and digits, no 0, 1, I or O).")
        return text.replace(" ", "").upper()


class ScanCodeSchema(Schema):
    """A confirmation code typed at the gate: decided as the booking's current pass."""

    code = ConfirmationCodeField(required=True, metadata={
        "pattern": TYPED_CODE_PATTERN, "maxLength": TYPED_CODE_MAX, "example": "K7P2 QX9M",
        "description": "The booking's confirmation code, e.g. `K7P2QX9M` (case and spaces "
                       "do not matter)"})


class PresentedDocumentSchema(DocumentInputSchema):
    """The holder's ID card read together with a pass: checked (gate.documents) against a
    pass only, so the OpenAPI document gives it the plain shape of a document."""


class ScanField(fields.Field):
    """The QR text exactly as read, ``{"document": {type, number, country?}}`` or
    ``{"code": "K7P2QX9M"}`` (a typed confirmation code)."""

    MAX_TEXT = 1000

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            if len(value) > self.MAX_TEXT:
                raise ValidationError(f"Longer than maximum length {self.MAX_TEXT}.")
            return value
        if isinstance(value, dict) and "code" in value:
            return ScanCodeSchema().load(value)
        if isinstance(value, dict):
            return ScanDocumentSchema().load(value)
        raise ValidationError("Give the QR text, {\"document\": {...}} or {\"code\": ...}.")


class VerifyRequestSchema(Schema):
    scan = ScanField(required=True, metadata={"oneOf": [
        {"type": "string", "maxLength": ScanField.MAX_TEXT},
        {"$ref": "#/components/schemas/ScanDocument"},
        {"$ref": "#/components/schemas/ScanCode"}]})
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    gate = CleanString(required=True, validate=validate.Length(max=20))
    id = fields.String(load_default=None, validate=EVENT_ID, metadata={
        "description": "Optional client event id: a retry with it returns the first answer."})
    document = fields.Nested(PresentedDocumentSchema, load_default=None, metadata={
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
    colour = fields.String(required=True, validate=validate.OneOf(values(Colour)))
    # Absent from services before issue 13.
    attention = fields.Nested(BilingualSchema, load_default=None, allow_none=True, metadata={
        "description": "The pass's check-in text (its own, its organisation's or its "
                       "kind's), shown with the verdict"})
    needs_staff = fields.Boolean(load_default=False, metadata={
        "description": "An admission waits for staff (the colour is then amber)"})


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
    """``max_request``: the most credits one request may ask for (GATE_LEASE_MAX_REQUEST)."""

    lease_id = fields.String(required=True, validate=EVENT_ID)
    request = JsonInteger(required=True)
    report = fields.Nested(CreditReportSchema, load_default=dict)
    date = fields.Date(load_default=None)
    venue = CleanString(load_default=None, validate=validate.Length(max=12))

    def __init__(self, *, max_request: int | None = None, **kwargs):
        super().__init__(**kwargs)
        # A list of its own: fields are shallow copies of the class's.
        field = self.fields["request"]
        field.validators = [*field.validators, validate.Range(min=0, max=max_request)]


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
    # Absent from services before issue 13 (the kiosk then keeps its own stock).
    target = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "The stock the service sized for this device (docs/gate-rules.md, "
                       "'Stock sized to the gate'): keep about this many credits; null: no "
                       "limit, or a retried request"})
    peak_per_minute = fields.Float(load_default=None, allow_none=True, metadata={
        "description": "The gate's recent peak admission rate the target was sized for"})
