"""Appointments, delegations and the passes issued for them.

Identity data is stored only as ciphertext (AES-GCM) plus keyed indexes; the masked forms
are kept beside them for display, so screens never need to decrypt.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gate.passes import PassKind
from gate.vocabulary import GateStatus
from registration.models.base import Base, UTCDateTime, enum_type, utcnow
from registration.models.venue import FairDay, TimeSlot


class AppointmentStatus(enum.Enum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Channel(enum.Enum):
    ONLINE = "online"
    WALK_IN = "walk_in"
    GROUP = "group"
    CREDENTIAL = "credential"  # the carrier of a credential's pass (models/credential.py)


class PassStatus(enum.Enum):
    ACTIVE = "active"
    REVOKED = "revoked"


class RevocationCause(enum.StrEnum):
    """Why a pass was revoked. The gate's answer follows from the cause alone, never from
    the note staff typed (``Pass.revoke_reason``)."""

    CANCELLED = "cancelled"  # the appointment was cancelled
    REISSUED = "reissued"  # the appointment changed: a new pass replaced this one
    STAFF_REVOKED = "staff_revoked"  # withdrawn by staff (lost, misused...): see the note

    @property
    def gate_status(self) -> GateStatus:
        """What the gates say of a pass revoked for this cause."""
        return GateStatus.cancelled if self is RevocationCause.CANCELLED else GateStatus.revoked


def gate_status(pass_status: PassStatus, cause: RevocationCause | None,
                appointment_status: AppointmentStatus) -> GateStatus:
    """A pass's status as the gate rules read it (``AppointmentRecord.status``, the
    manifest item's ``status``), from the revocation cause, never from the note."""
    if pass_status is PassStatus.REVOKED:
        return RevocationCause(cause).gate_status
    if appointment_status is AppointmentStatus.CANCELLED:
        return GateStatus.cancelled
    return GateStatus.active


class Delegation(Base):
    """An organisation registering a group in one all-or-nothing request."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    organisation: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    appointments: Mapped[list["Appointment"]] = relationship(back_populates="delegation")

    _repr_attrs = ("code",)


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
        enum_type(AppointmentStatus, "appointment_status"), nullable=False,
        default=AppointmentStatus.ACTIVE,
    )
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "booking_channel"), nullable=False)
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id"), nullable=True, index=True
    )
    # Set on the carrier appointment of a credential (models/credential.py): one each.
    credential_id: Mapped[int | None] = mapped_column(
        ForeignKey("credentials.id"), nullable=True, unique=True
    )

    # A gate.documents.DocumentType value.
    document_type: Mapped[str] = mapped_column(String(40), nullable=False)
    # Blind index: HMAC of the canonical document key, for uniqueness and look-ups.
    document_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # Per venue-day look-up index handed to kiosks (Argon2id, gate.lookup): computed off the
    # booking path, by the manifest or `fairgate gate prepare`, once per appointment.
    gate_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    document_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    document_masked: Mapped[str] = mapped_column(String(40), nullable=False)
    name_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    name_masked: Mapped[str] = mapped_column(String(80), nullable=False)
    contact_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The visitor's language (zh/en): their pass, emails and pages.
    lang: Mapped[str] = mapped_column(String(5), nullable=False, default="zh")

    # The version of the consent text the visitor agreed to, and when.
    consent_version: Mapped[str] = mapped_column(String(40), nullable=False)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the retention purge erased the identity data (the row stays for the counts).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    fair_day: Mapped[FairDay] = relationship()
    slot: Mapped[TimeSlot | None] = relationship()
    delegation: Mapped[Delegation | None] = relationship(back_populates="appointments")
    passes: Mapped[list["Pass"]] = relationship(
        back_populates="appointment", order_by="Pass.id"
    )

    _repr_attrs = ("code", "day", "status", "channel")

    @property
    def current_pass(self) -> "Pass | None":
        active = [p for p in self.passes if p.status is PassStatus.ACTIVE]
        return active[-1] if active else None

    @property
    def revoked_passes(self) -> list["Pass"]:
        return [p for p in self.passes if p.status is PassStatus.REVOKED]


class Pass(Base):
    __tablename__ = "passes"
    __table_args__ = (
        # A revoked pass always says why; an active one has no cause.
        CheckConstraint("(status = 'revoked') = (revoke_cause IS NOT NULL)",
                        name="cause_when_revoked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, unguessable (it names the pass's image files): never logged.
    serial: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id"), nullable=False, index=True
    )
    kind: Mapped[PassKind] = mapped_column(enum_type(PassKind, "pass_kind", length=20),
                                           nullable=False, default=PassKind.visitor)
    # The signing key's id (gate.passes.key_id_for), as in the token.
    key_id: Mapped[str] = mapped_column(String(8), nullable=False)
    # The signed text in the QR code (gate.passes.sign_pass).
    token: Mapped[str] = mapped_column(String(400), nullable=False)
    status: Mapped[PassStatus] = mapped_column(
        enum_type(PassStatus, "pass_status"), nullable=False, default=PassStatus.ACTIVE
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoke_cause: Mapped[RevocationCause | None] = mapped_column(
        enum_type(RevocationCause, "revocation_cause"), nullable=True)
    # The note staff typed when revoking (masked, erased by the purge); free text, so
    # nothing ever decides by it: the cause does.
    revoke_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)

    appointment: Mapped[Appointment] = relationship(back_populates="passes")

    _repr_attrs = ("appointment_id", "kind", "status", "revoke_cause")

    @property
    def gate_status(self) -> GateStatus:
        return gate_status(self.status, self.revoke_cause, self.appointment.status)
