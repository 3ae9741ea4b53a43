"""Who is acting: every action takes an :class:`Actor`, so the audit log and the rules see
the same thing whether the request came from a page, the API, the CLI or a gate."""
from __future__ import annotations

import enum
import getpass
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # models are only named in annotations here
    from registration.models import Device, StaffUser


class ActorKind(enum.Enum):
    VISITOR = "visitor"  # a member of the public (visitor pages, public API)
    STAFF = "staff"  # a logged-in staff account (console)
    DEVICE = "device"  # an enrolled kiosk or handheld (gate API)
    OPERATOR = "operator"  # someone at the service's command line
    ORGANISATION = "organisation"  # an organisation's contact in the portal (/org/)


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    label: str  # what the audit log shows as "who": a username, "cli:root", "device 7"
    user: "StaffUser | None" = None
    device: "Device | None" = None
    remote_addr: str | None = None

    @classmethod
    def visitor(cls, remote_addr: str | None = None) -> "Actor":
        return cls(ActorKind.VISITOR, "visitor", remote_addr=remote_addr)

    @classmethod
    def staff(cls, user: "StaffUser", remote_addr: str | None = None) -> "Actor":
        return cls(ActorKind.STAFF, user.username, user=user, remote_addr=remote_addr)

    @classmethod
    def device_of(cls, device: "Device", remote_addr: str | None = None) -> "Actor":
        return cls(ActorKind.DEVICE, f"device {device.id}", device=device,
                   remote_addr=remote_addr)

    @classmethod
    def organisation(cls, code: str, remote_addr: str | None = None) -> "Actor":
        """An organisation's portal session, named ``org:<code>`` in the audit log."""
        return cls(ActorKind.ORGANISATION, f"org:{code}", remote_addr=remote_addr)

    @classmethod
    def operator(cls) -> "Actor":
        """The person running ``fairgate`` (named by their login, for the audit log)."""
        try:
            login = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (containers)
            login = "unknown"
        return cls(ActorKind.OPERATOR, f"cli:{login}"[:60])

    @property
    def is_staff(self) -> bool:
        return self.kind is ActorKind.STAFF
