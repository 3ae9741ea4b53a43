"""Individual credential applications and their look-up (docs/credentials.md)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gate import kinds
from gate.passes import PassKind
from gate.vocabulary import CredentialStatus
from schemas.appointments import HolderSchema, PassSchema, VisitorInputSchema
from schemas.fields import CleanString, Consent, validate_lang

APPLIED_KINDS = [kind.value for kind in PassKind if kind in kinds.APPLIED_KINDS]
CREDENTIAL_KINDS = [kind.value for kind in PassKind]
CREDENTIAL_STATES = [status.value for status in CredentialStatus]
REQUIRED = "Missing data for required field."
# What each kind needs beside the person (422 naming each missing field).
NEEDED = {PassKind.professional.value: ("organisation", "title", "venue", "date"),
          PassKind.media.value: ("press_card",)}


class CredentialRequestSchema(VisitorInputSchema):
    """An application. ``professional``: organisation, title, venue and date (one
    venue-day, from the day's professional share); ``media``: a press card number, or the
    outlet they write for (reviewed either way; an approved outlet can also add its
    journalists in the organisation portal); ``online``: the person alone. Venue and date
    are read for professional visitors only."""

    kind = fields.String(required=True, validate=validate.OneOf(APPLIED_KINDS))
    organisation = CleanString(load_default=None, allow_none=True,
                               validate=validate.Length(max=200))
    title = CleanString(load_default=None, allow_none=True, validate=validate.Length(max=100))
    press_card = CleanString(load_default=None, allow_none=True,
                             validate=validate.Length(max=40))
    venue = CleanString(load_default=None, allow_none=True, validate=validate.Length(max=12))
    date = fields.Date(load_default=None, allow_none=True)
    consent = Consent(required=True)
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)

    @validates_schema
    def _kind_needs(self, data, **kwargs):
        missing = {field: [REQUIRED] for field in NEEDED.get(data.get("kind"), ())
                   if not data.get(field)}
        if data.get("kind") == "media" and data.get("organisation"):
            missing.pop("press_card", None)  # a journalist naming their outlet
        if missing:
            raise ValidationError(missing)


class CredentialLookupRequestSchema(Schema):
    code = CleanString(required=True, validate=validate.Length(max=12))
    document_number = CleanString(required=True, validate=validate.Length(max=64))
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


class CredentialSchema(Schema):
    code = fields.String(required=True, metadata={
        "description": "The credential's code: with the document number, it looks it up."})
    kind = fields.String(required=True, validate=validate.OneOf(CREDENTIAL_KINDS))
    status = fields.String(required=True, validate=validate.OneOf(CREDENTIAL_STATES))
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    venue = fields.String(required=True, allow_none=True, metadata={
        "description": "The venue code; null: every venue (or none: online)."})
    holder = fields.Nested(HolderSchema, required=True)
    reason = fields.String(allow_none=True, metadata={
        "description": "Why the application was rejected (rejected credentials only)."})


class CredentialResponseSchema(Schema):
    credential = fields.Nested(CredentialSchema, required=True)
    # The pass once approved (kinds with a gate pass); null while pending, when rejected
    # or revoked, and for online credentials.
    pass_ = fields.Nested(PassSchema, data_key="pass", attribute="pass", allow_none=True,
                          required=True)
