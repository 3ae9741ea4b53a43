"""Gate devices: enrolment codes, enrolment, revocation (console, CLI and gate API)."""
from __future__ import annotations

from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.models import Device, EnrollmentCode
from registration.services import devices as device_service


def issue_enrollment_code(actor: Actor, venue_code: str, gate_code: str, *,
                          ttl_hours: float | None = None) -> tuple[str, EnrollmentCode]:
    code, record = device_service.new_enrollment_code(venue_code, gate_code,
                                                      ttl_hours=ttl_hours)
    audit(actor, "device_code_issued", venue=record.venue.code, target=record.gate.code,
          details={"hours": ttl_hours, "expires_at": record.expires_at.isoformat()})
    return code, record


def enroll_device(code: str, name: str, remote_addr: str | None = None
                  ) -> tuple[Device, str]:
    """A kiosk or handheld enrols itself with a one-time code; audited as the new device."""
    device, token = device_service.enroll_device(code, name)
    audit(Actor.device_of(device, remote_addr), "device_enrolled", venue=device.venue.code,
          target=f"device {device.id}", details={"name": device.name, "gate": device.gate.code})
    return device, token


def revoke_device(actor: Actor, device_id: int, *, venue_code: str | None = None) -> Device:
    """Revoke a device (its token stops at once); ``venue_code``: only a device of that
    venue (a console scoped to one venue never finds another venue's devices)."""
    device = device_service.revoke_device(device_id, venue_code=venue_code)
    audit(actor, "device_revoked", venue=device.venue.code, target=f"device {device.id}",
          details={"name": device.name, "gate": device.gate.code})
    return device
