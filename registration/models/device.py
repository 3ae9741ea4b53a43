"""Gate devices (kiosks, handhelds) and the one-time codes that enrol them.

Neither a device token nor an enrolment code is stored: only its SHA-256 digest. Both are
long random strings, so a plain digest is enough to make a stolen database useless for
impersonating a kiosk (no password stretching needed).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registration.models.base import Base, UTCDateTime, utcnow
from registration.models.venue import Gate, Venue


class EnrollmentCode(Base):
    """A one-time code an operator prints (`fairgate device enroll-code`) for one gate."""

    __tablename__ = "enrollment_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), nullable=False, index=True)
    gate_id: Mapped[int] = mapped_column(ForeignKey("gates.id"), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The device enrolled with the code, once used.
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True,
                                                  index=True)

    venue: Mapped[Venue] = relationship()
    gate: Mapped[Gate] = relationship()

    _repr_attrs = ("venue_id", "gate_id", "expires_at", "used_at")


class Device(Base):
    """An enrolled gate device; its bearer token is scoped to one venue."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)  # as the kiosk gave it
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), nullable=False, index=True)
    gate_id: Mapped[int] = mapped_column(ForeignKey("gates.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    venue: Mapped[Venue] = relationship()
    gate: Mapped[Gate] = relationship()

    _repr_attrs = ("name", "venue_id", "gate_id", "revoked_at")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
