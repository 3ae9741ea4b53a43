"""Individual credential applications and their look-up (docs/credentials.md): parse the
body, call the action in one unit of work, answer with the schema."""
from __future__ import annotations

from flask import current_app, request

from registration.actions import credentials as credential_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.api import blueprint
from registration.api.helpers import load_body
from registration.api.presenters import pass_links
from registration.extensions import limiter
from registration.i18n import request_language
from registration.models import Credential, CredentialStatus, Pass
from registration.ratelimits import per_document
from registration.services import booking
from schemas.credentials import (
    CredentialLookupRequestSchema, CredentialRequestSchema, CredentialResponseSchema,
)

REQUEST = CredentialRequestSchema()
LOOKUP = CredentialLookupRequestSchema()
RESPONSE = CredentialResponseSchema()


def _limit(name: str):
    return limiter.limit(lambda: current_app.config[name])


def _visitor() -> Actor:
    return Actor.visitor(request.remote_addr)


def credential_data(credential: Credential, issued: Pass | None) -> dict:
    body = {
        "code": credential.code, "kind": credential.kind.value,
        "status": credential.status.value, "first_day": credential.first_day,
        "last_day": credential.last_day,
        "venue": credential.venue.code if credential.venue is not None else None,
        "holder": {"name": credential.name_masked, "document": credential.document_masked},
    }
    if credential.status is CredentialStatus.REJECTED:
        body["reason"] = credential.decision_reason
    return {"credential": body, "pass": pass_links(issued) if issued is not None else None}


@blueprint.post("/v1/credentials")
@_limit("RATELIMIT_CREDENTIALS")
@per_document("RATELIMIT_BOOKING_PER_DOCUMENT", "document-booking")
def apply_for_credential():
    data = load_body(REQUEST)
    document = booking.validate_document(
        data["document"]["type"], data["document"]["number"], data["document"]["country"])
    application = credential_actions.Application(
        kind=data["kind"], document=document, name=data["name"], consent=data["consent"],
        lang=request_language(data["lang"]), organisation=data["organisation"],
        title=data["title"], press_card=data["press_card"], venue=data["venue"],
        day=data["date"], phone=data["phone"], email=data["email"])
    with unit_of_work():
        decided = credential_actions.apply(_visitor(), application)
        body = RESPONSE.dump(credential_data(decided.credential, decided.issued))
    return body, 201


@blueprint.post("/v1/credentials/lookup")
@_limit("RATELIMIT_LOOKUP")
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup")
def lookup_credential():
    data = load_body(LOOKUP)
    decided = credential_actions.look_up(_visitor(), data["code"], data["document_number"])
    return RESPONSE.dump(credential_data(decided.credential, decided.issued))
