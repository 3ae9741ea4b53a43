"""Organisation messages: registering (exhibitor, institution, media outlet) and asking for
a new portal sign-in link.

Types and lengths are said here; the rules between fields and those only the database or
the code's own checks know (a mainland organisation's USCC and its checks, gate/uscc.py;
another's registration number; an exhibitor's stand at a venue that exists) are the
service's (registration/services/organisations.py), each a 422 naming its field.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gate.documents import ISO_ALPHA3
from gate.vocabulary import OrganisationKind, ReviewStatus
from schemas.appointments import PHONE
from schemas.fields import NAME_MAX_LENGTH, CleanString, Consent, PersonName, validate_lang

ORGANISATION_KINDS = [kind.value for kind in OrganisationKind]
REVIEW_STATES = [status.value for status in ReviewStatus]
COUNTRIES = sorted(ISO_ALPHA3)
USCC_FORMAT = "uscc"  # the OpenAPI format of a unified social credit code (fuzz hooks)


class OrganisationNameSchema(Schema):
    zh = CleanString(required=True, validate=validate.Length(max=200))
    en = CleanString(required=True, validate=validate.Length(max=200))


class ContactInputSchema(Schema):
    name = PersonName(required=True, metadata={"maxLength": NAME_MAX_LENGTH})
    email = fields.Email(required=True, validate=validate.Length(max=254), metadata={
        "description": "The portal's sign-in links are sent here."})
    phone = CleanString(load_default=None, allow_none=True, validate=PHONE, metadata={
        "description": "Given: the contact is also told by SMS."})


class StandInputSchema(Schema):
    venue = CleanString(required=True, validate=validate.Length(max=12), metadata={
        "description": "A venue code (GET /api/v1/venues)."})
    hall = CleanString(required=True, validate=validate.Length(max=20))
    area_m2 = fields.Float(required=True, allow_nan=False, validate=validate.Range(
        min=0, max=100000, min_inclusive=False), metadata={
        "description": "The default badge quota is one badge per EXHIBITOR_M2_PER_BADGE m² "
                       "(3 unless configured), at least one."})


class OrganisationRequestSchema(Schema):
    name = fields.Nested(OrganisationNameSchema, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    country = fields.String(required=True, validate=validate.OneOf(
        COUNTRIES, error="Not an ISO 3166-1 alpha-3 code."), metadata={
        "description": "ISO 3166-1 alpha-3; CHN for the mainland."})
    uscc = CleanString(load_default=None, allow_none=True, validate=validate.Length(max=40),
                       metadata={"format": USCC_FORMAT, "description":
                                 "Unified social credit code (GB 32100-2015): required when "
                                 "country is CHN, refused otherwise. A wrong one is 422 "
                                 "naming the failed check (length, character, authority, "
                                 "category, division, organisation_code, check_character)."})
    registration_number = CleanString(
        load_default=None, allow_none=True, validate=validate.Length(max=60),
        metadata={"description": "Required when country is not CHN."})
    contact = fields.Nested(ContactInputSchema, required=True)
    stand = fields.Nested(StandInputSchema, load_default=None, allow_none=True, metadata={
        "description": "Required for an exhibitor, refused for other kinds."})
    consent = Consent(required=True)
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang,
                         metadata={"description": "The contact's language (mails, SMS)."})


class OrganisationSummarySchema(Schema):
    code = fields.String(required=True, metadata={
        "description": "The organisation's code (ORG-XXXXXXXX): portal and review."})
    status = fields.String(required=True, validate=validate.OneOf(REVIEW_STATES))
    kind = fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    name = fields.Nested(OrganisationNameSchema, required=True)


class OrganisationResponseSchema(Schema):
    organisation = fields.Nested(OrganisationSummarySchema, required=True)


class SignInLinkRequestSchema(Schema):
    code = CleanString(required=True, validate=validate.Length(max=20))
    email = CleanString(required=True, validate=validate.Length(max=254))
    lang = fields.String(load_default=None, allow_none=True, validate=validate_lang)


class SignInLinkResponseSchema(Schema):
    message = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                          metadata={"description": "The same answer whether or not the code "
                                                   "and email matched: {zh, en}."})
