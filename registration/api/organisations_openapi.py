"""The organisation operations and schemas in the OpenAPI document (registration/api/
openapi.py builds it; this module adds its part through EXTRA_PATHS / EXTRA_SCHEMAS).

The example registration is a mainland exhibitor with a valid USCC (91350100M000100Y43, the
commonly published example). One organisation per USCC: sent again, the example is 409
``organisation_exists``, as documented; the fuzz run's hooks give each generated mainland
registration a fresh valid code (tests/attack/fuzz_hooks.py)."""
from __future__ import annotations

from registration.api.openapi import COMMON, EXTRA_PATHS, EXTRA_SCHEMAS, _body, _error, _ok
from schemas import organisations

REGISTER_EXAMPLE = {
    "name": {"zh": "福州示例会展服务有限公司", "en": "Fuzhou Example Exhibition Services Co., Ltd."},
    "kind": "exhibitor", "country": "CHN", "uscc": "91350100M000100Y43",
    "registration_number": None,
    "contact": {"name": "陈明", "email": "chen.ming@example.com", "phone": "+86 138 0013 8000"},
    "stand": {"venue": "CNCC", "hall": "A2", "area_m2": 18},
    "consent": True, "lang": "zh",
}
SIGN_IN_LINK_EXAMPLE = {"code": "ORG-K7P2QX9M", "email": "chen.ming@example.com", "lang": "en"}

REGISTER_LINKS = {"SendSignInLink": {
    "operationId": "sendOrganisationSignInLink",
    "requestBody": {"code": "$response.body#/organisation/code",
                    "email": "$request.body#/contact/email"}}}

EXTRA_PATHS.update({
    "/api/v1/organisations": {"post": {
        "operationId": "registerOrganisation",
        "summary": "Register an organisation for review; its contact is mailed a sign-in link",
        "description": "A mainland organisation (country CHN) gives its USCC, others their "
                       "registration number; an exhibitor gives its stand at a known "
                       "venue, other kinds none.",
        "requestBody": _body("OrganisationRequest", REGISTER_EXAMPLE),
        "responses": {"201": _ok("OrganisationResponse", "Registered, pending review",
                                 REGISTER_LINKS),
                      "409": _error("organisation_exists: one organisation per USCC"),
                      **COMMON}}},
    "/api/v1/organisations/sign-in-link": {"post": {
        "operationId": "sendOrganisationSignInLink",
        "summary": "Mail a new portal sign-in link (the same answer whether or not the "
                   "code and email match)",
        "requestBody": _body("SignInLinkRequest", SIGN_IN_LINK_EXAMPLE),
        "responses": {"202": _ok("SignInLinkResponse", "Accepted"), **COMMON}}},
})

EXTRA_SCHEMAS.update({
    "OrganisationRequest": organisations.OrganisationRequestSchema,
    "OrganisationResponse": organisations.OrganisationResponseSchema,
    "SignInLinkRequest": organisations.SignInLinkRequestSchema,
    "SignInLinkResponse": organisations.SignInLinkResponseSchema,
})
