"""Outgoing messages: staff retry a pending or failed SMS (delivered after the commit)."""
from __future__ import annotations

from gate.i18n import Text
from registration.actions.actors import Actor
from registration.extensions import db
from registration.models import Organisation, OutgoingMessage
from registration.services import messages as message_service
from registration.services.errors import NotFound

NO_MESSAGE = Text("没有这条短信", "No such message")


def retry_message(actor: Actor, message_id: int) -> OutgoingMessage:
    """Try the message again now (404 when unknown, 409 when it was sent meanwhile)."""
    message = db.session.get(OutgoingMessage, message_id)
    if message is None:
        raise NotFound("message_not_found", NO_MESSAGE)
    message_service.retry_now(message)
    return message


def send_phone_code(actor: Actor, organisation: Organisation) -> str:
    """A new code to the contact's phone; returns the masked number it goes to."""
    message_service.issue_phone_code(organisation)
    return organisation.contact_phone_masked


def check_phone_code(actor: Actor, organisation: Organisation, code: str) -> bool:
    """Whether ``code`` is right (each try counts; the caller commits either way)."""
    return message_service.verify_phone_code(organisation, code)
