"""What every action shares: writing its audit entry in the actor's name."""
from __future__ import annotations

from registration.actions.actors import Actor
from registration.models import AuditEntry
from registration.services import audit as audit_service


def audit(actor: Actor, action: str, *, venue: str | None = None, target: str | None = None,
          details: dict | None = None) -> AuditEntry:
    """One audit entry for ``actor`` (committed with the action by the caller's unit of
    work). Targets and details hold codes and masked values only."""
    return audit_service.record(action, actor.user, label=actor.label, venue=venue,
                                target=target, details=details, remote_addr=actor.remote_addr)
