"""SQLAlchemy models. Models describe data and constraints; they never commit."""
from registration.models.appointment import (  # noqa: F401
    Appointment, AppointmentStatus, Channel, Delegation, Pass, PassStatus, RevocationCause,
    gate_status,
)
from registration.models.base import Base, join_codes, split_codes  # noqa: F401
from registration.models.checkin import (  # noqa: F401
    CheckInEvent, DeviceCredits, DeviceLease, GateLookupParams, ManifestChange, ManifestEntry,
    ManifestFeed, OccupancyPool, PassPresence, ZonePresence,
)
from registration.models.credential import Credential, CredentialStatus  # noqa: F401
from registration.models.credential_index import CredentialGateIndex  # noqa: F401
from registration.models.device import Device, EnrollmentCode  # noqa: F401
from registration.models.message import (  # noqa: F401
    MessageChannel, MessageStatus, OutgoingMessage, PhoneCode,
)
from registration.models.organisation import (  # noqa: F401
    Organisation, OrganisationKind, OrganisationSignIn, ReviewStatus,
)
from registration.models.staff import AuditAction, AuditEntry, StaffRole, StaffUser  # noqa: F401
from registration.models.venue import FairDay, Gate, TimeSlot, Venue  # noqa: F401
from registration.models.waitlist import WaitlistEntry, WaitlistStatus  # noqa: F401
from registration.models.zone import (  # noqa: F401
    AttentionNote, Forum, ForumWaitlistEntry, Seat, Zone,
)
