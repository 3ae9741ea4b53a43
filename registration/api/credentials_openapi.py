"""The credential operations and schemas in the OpenAPI document (registration/api/openapi.py
builds it; this module adds its part through EXTRA_PATHS / EXTRA_SCHEMAS)."""
from __future__ import annotations

from registration.api.openapi import (
    COMMON, EXTRA_PATHS, EXTRA_SCHEMA_RULES, EXTRA_SCHEMAS, _body, _error, _ok,
)
from schemas import credentials

# Another person than the other examples' (an online participant: approved at once).
APPLY_EXAMPLE = {
    "kind": "online",
    "document": {"type": "cn_resident_id", "number": "110105198805120026"},
    "name": "赵六", "organisation": None, "title": None, "press_card": None,
    "phone": None, "email": "zhao.liu@example.com", "consent": True, "lang": "zh",
}
LOOKUP_EXAMPLE = {"code": "K7P2QX9M", "document_number": "110105198805120026", "lang": "en"}

APPLY_LINKS = {
    "LookUpCredential": {"operationId": "lookUpCredential", "requestBody": {
        "code": "$response.body#/credential/code",
        "document_number": "$request.body#/document/number"}},
}

EXTRA_PATHS.update({
    "/api/v1/credentials": {"post": {
        "operationId": "applyForCredential",
        "summary": "Apply for a professional, media or online credential; the pass comes "
                   "at once when no review is needed, else with the decision",
        "requestBody": _body("CredentialRequest", APPLY_EXAMPLE),
        "responses": {"201": _ok("CredentialResponse", "Applied", APPLY_LINKS),
                      "409": _error("credential_exists, public_booking_exists or "
                                    "professional_quota_full"), **COMMON}}},
    "/api/v1/credentials/lookup": {"post": {
        "operationId": "lookUpCredential",
        "summary": "A credential's status (and pass) by its code and document number",
        "requestBody": _body("CredentialLookupRequest", LOOKUP_EXAMPLE),
        "responses": {"200": _ok("CredentialResponse"), "404": _error("No match"),
                      **COMMON}}},
})

EXTRA_SCHEMAS.update({
    "CredentialRequest": credentials.CredentialRequestSchema,
    "CredentialLookupRequest": credentials.CredentialLookupRequestSchema,
    "CredentialResponse": credentials.CredentialResponseSchema,
})


def _kind_variants(definition: dict) -> None:
    """What each kind needs beside the person (schemas.credentials.NEEDED): one variant per
    kind, its fields given and not null; a journalist gives a press card or the outlet."""
    def needs(kind: str, *names: str) -> dict:
        return {"title": kind if not names else f"{kind}: {', '.join(names)}",
                "properties": {"kind": {"const": kind},
                               **{name: {"not": {"type": "null"}} for name in names}},
                "required": ["kind", *names]}

    definition["anyOf"] = [needs("professional", *credentials.NEEDED["professional"]),
                           needs("media", "press_card"), needs("media", "organisation"),
                           needs("online")]


EXTRA_SCHEMA_RULES[credentials.CredentialRequestSchema] = _kind_variants
