"""Badges at the desk: each print is counted and audited in the desk member's name
(``badge_printed`` the first time, ``badge_reprinted`` after a confirmed warning)."""
from __future__ import annotations

from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.models import Credential, Venue
from registration.services import badges as badge_service


def print_badge(actor: Actor, credential: Credential, venue: Venue, *, layout: str,
                confirmed: bool) -> bool:
    """Count the print (409 ``badge_already_printed`` for an unconfirmed reprint); returns
    whether it was a reprint."""
    reprint = badge_service.count_print(credential, confirmed=confirmed)
    audit(actor, "badge_reprinted" if reprint else "badge_printed", venue=venue.code,
          target=credential.code,
          details={"kind": credential.kind.value, "document": credential.document_masked,
                   "layout": layout, "prints": credential.badge_prints})
    return reprint
