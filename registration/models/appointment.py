"""Appointments, delegations and the passes issued for them.

Identity data is stored only as ciphertext (AES-GCM) plus keyed indexes; the masked forms
are kept beside them for display, so screens never need to decrypt.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registration.models.base import Base, UTCDateTime, utcnow
from registration.models.venue import FairDay, TimeSlot


class AppointmentStatus(enum.Enum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Channel(enum.Enum):
    ONLINE = "online"
    WALK_IN = "walk_in"
    GROUP = "group"


class PassStatus(enum.Enum):
    ACTIVE = "active"
    REVOKED = "revoked"


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    # Store the lower-case values, which are also what the API speaks.
    return Enum(kind, name=name, values_callable=lambda members: [m.value for m in members],
                validate_strings=True)


class Delegation(Base):
    """An organisation registering a group in one all-or-nothing request."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    organisation: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    appointments: Mapped[list["Appointment"]] = relationship(back_populates="delegation")


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        # One active appointment per document per day, whatever the venue.
        Index(
            "uq_appointments_active_document_day", "day", "document_index", unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    fair_day_id: Mapped[int] = mapped_column(
        ForeignKey("fair_days.id"), nullable=False, index=True
    )
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("time_slots.id"), nullable=True,
                                                index=True)
    day: Mapped[date] = mapped_column(nullable=False)
    status: Mapped[AppointmentStatus] = mapped_column(
        _enum(AppointmentStatus, "appointment_status"), nullable=False,
        default=AppointmentStatus.ACTIVE,
    )
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "booking_channel"), nullable=False)
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id"), nullable=True, index=True
    )

    document_type: Mapped[str] = mapped_column(String(40), nullable=False)
    # Blind index: HMAC of the canonical document key, for uniqueness and look-ups.
    document_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # Per venue-day look-up index handed to kiosks (never the master index key).
    gate_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    document_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    document_masked: Mapped[str] = mapped_column(String(40), nullable=False)
    name_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    name_masked: Mapped[str] = mapped_column(String(80), nullable=False)
    contact_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    lang: Mapped[str] = mapped_column(String(5), nullable=False, default="zh")

    consent_version: Mapped[str] = mapped_column(String(40), nullable=False)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    fair_day: Mapped[FairDay] = relationship()
    slot: Mapped[TimeSlot | None] = relationship()
    delegation: Mapped[Delegation | None] = relationship(back_populates="appointments")
    passes: Mapped[list["Pass"]] = relationship(
        back_populates="appointment", order_by="Pass.id"
    )

    @property
    def current_pass(self) -> "Pass | None":
        active = [p for p in self.passes if p.status is PassStatus.ACTIVE]
        return active[-1] if active else None


class Pass(Base):
    __tablename__ = "passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="visitor")
    key_id: Mapped[str] = mapped_column(String(8), nullable=False)
    token: Mapped[str] = mapped_column(String(400), nullable=False)
    status: Mapped[PassStatus] = mapped_column(
        _enum(PassStatus, "pass_status"), nullable=False, default=PassStatus.ACTIVE
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)

    appointment: Mapped[Appointment] = relationship(back_populates="passes")
