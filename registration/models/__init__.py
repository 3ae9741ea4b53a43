"""SQLAlchemy models. Models describe data and constraints; they never commit."""
from registration.models.appointment import (  # noqa: F401
    Appointment, AppointmentStatus, Channel, Delegation, Pass, PassStatus,
)
from registration.models.base import Base  # noqa: F401
from registration.models.venue import FairDay, Gate, TimeSlot, Venue  # noqa: F401
