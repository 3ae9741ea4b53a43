"""Signing in to the organisation portal with a one-time link (audited ``portal_sign_in``);
the caller's unit of work commits (the link is used up with it)."""
from __future__ import annotations

from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.models import Organisation
from registration.services import organisations as organisation_service


def sign_in(token: str, remote_addr: str | None = None) -> Organisation:
    """The organisation of an unused, unexpired link, now used; 404 ``sign_in_invalid``."""
    organisation = organisation_service.consume_sign_in(token)
    audit(Actor.organisation(organisation.code, remote_addr), "portal_sign_in",
          target=organisation.code, details={"status": organisation.status.value})
    return organisation
