"""Organisations: registering one for review, and asking for a new portal sign-in link
(docs/credentials.md "Organisations")."""
from __future__ import annotations

from flask import current_app, request

from gate.i18n import Text
from registration.actions import organisations as organisation_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.api import blueprint
from registration.api.helpers import load_body
from registration.extensions import limiter
from registration.i18n import request_language
from registration.models import Organisation
from registration.services.organisations import OrganisationInput, Stand
from schemas.organisations import (
    OrganisationRequestSchema, OrganisationResponseSchema, SignInLinkRequestSchema,
    SignInLinkResponseSchema,
)

LINK_SENT = Text("如果机构编号和电子邮箱相符，登录链接已发送至该邮箱。",
                 "If the code and the email address match, a sign-in link is on its way "
                 "to that address.")


def _limit(name: str):
    return limiter.limit(lambda: current_app.config[name])


def organisation_data(organisation: Organisation) -> dict:
    return {"code": organisation.code, "status": organisation.status.value,
            "kind": organisation.kind.value,
            "name": {"zh": organisation.name_zh, "en": organisation.name_en}}


def organisation_input(data: dict, lang: str) -> OrganisationInput:
    """The request as the service takes it (the form builds the same)."""
    stand = data.get("stand")
    contact = data["contact"]
    return OrganisationInput(
        name_zh=data["name"]["zh"], name_en=data["name"]["en"], kind=data["kind"],
        country=data["country"], uscc=data.get("uscc"),
        registration_number=data.get("registration_number"),
        contact_name=contact["name"], contact_email=contact["email"],
        contact_phone=contact.get("phone"), consent=data["consent"], lang=lang,
        stand=Stand(stand["venue"], stand["hall"], stand["area_m2"]) if stand else None)


@blueprint.post("/v1/organisations")
@_limit("RATELIMIT_ORGANISATIONS")
def register_organisation():
    data = load_body(OrganisationRequestSchema())
    with unit_of_work():
        organisation = organisation_actions.register(
            Actor.visitor(request.remote_addr),
            organisation_input(data, request_language(data["lang"])))
    return OrganisationResponseSchema().dump(
        {"organisation": organisation_data(organisation)}), 201


@blueprint.post("/v1/organisations/sign-in-link")
@_limit("RATELIMIT_ORG_SIGN_IN_LINK")
def organisation_sign_in_link():
    """Always 202 with the same answer: it says nothing of whether the code exists."""
    data = load_body(SignInLinkRequestSchema())
    with unit_of_work():
        organisation_actions.send_sign_in_link(Actor.visitor(request.remote_addr),
                                               data["code"], data["email"])
    return SignInLinkResponseSchema().dump({"message": LINK_SENT.as_dict()}), 202
