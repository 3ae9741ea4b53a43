"""Passes: staff withdrawing a pass (console).

Cancelling or moving an appointment revokes its pass too, but as part of that action
(registration/actions/appointments.py), with its own cause; the caller's unit of work
commits.
"""
from __future__ import annotations

from gate.i18n import Text
from registration.actions import credentials as credential_actions
from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.extensions import db
from registration.models import Appointment, Credential, Pass, RevocationCause
from registration.services import audit as audit_service
from registration.services import passes as pass_service
from registration.services.errors import Conflict

NO_ACTIVE_PASS = Text("该预约没有有效的通行证", "This appointment has no active pass")


def revoke_pass(actor: Actor, appointment: Appointment, note: str) -> Pass:
    """Withdraw the appointment's current pass (lost, passed on, misused): the gates answer
    ``revoked`` from their next manifest, whatever the note says. ``note`` is kept as typed,
    its white space made single and any document number in it masked, on the pass and in
    the ``pass_revoked`` audit entry. 409 ``no_active_pass`` when there is none.

    The pass of a credential's carrier appointment is the credential's: withdrawing it
    revokes the credential (every day, an exhibitor's badge given back), audited as
    ``credential_revoked``."""
    issued = appointment.current_pass
    if issued is None:
        raise Conflict("no_active_pass", NO_ACTIVE_PASS)
    if appointment.credential_id is not None:
        credential = db.session.get(Credential, appointment.credential_id)
        credential_actions.revoke(actor, credential, note)
        return issued
    note = audit_service.scrub(" ".join(note.split()), free_text=True)
    pass_service.revoke_pass(issued, RevocationCause.STAFF_REVOKED, note)
    audit(actor, "pass_revoked", venue=appointment.fair_day.venue.code, target=appointment.code,
          details={"serial": issued.serial, "reason": note})
    return issued
