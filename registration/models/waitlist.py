"""The waiting list of a full venue-day: people who asked to be offered a freed place.

Identity data is kept like an appointment's: ciphertext plus the blind index (one active
entry per document per day), and masked forms for staff screens. An offered entry holds
one place of its day (and slot): the place stays counted in ``fair_days.booked`` (and
``time_slots.booked``) until the offer is accepted, passed on or released, so the quota
counters alone keep ``booked + held <= quota``. See docs/waiting-list.md.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registration.models.appointment import Appointment
from registration.models.base import Base, UTCDateTime, enum_type, utcnow
from registration.models.venue import FairDay, TimeSlot


class WaitlistStatus(enum.Enum):
    WAITING = "waiting"  # in line
    OFFERED = "offered"  # holds a place until ``offer_expires_at``
    BOOKED = "booked"  # accepted the offer: ``appointment_id`` is the booking
    EXPIRED = "expired"  # let the offer run out: the place went to the next or the day
    WITHDRAWN = "withdrawn"  # left the list (or declined the offer)


# The states in which an entry is still on the list (one per document per day).
ACTIVE_STATES = "status IN ('waiting', 'offered')"


class WaitlistEntry(Base):
    __tablename__ = "waitlist_entries"
    __table_args__ = (
        Index("uq_waitlist_entries_active_document_day", "day", "document_index", unique=True,
              sqlite_where=text(ACTIVE_STATES), postgresql_where=text(ACTIVE_STATES)),
        # The line of a day, in arrival order (offer_next reads its head).
        Index("ix_waitlist_entries_line", "fair_day_id", "status", "joined_at"),
        CheckConstraint("status <> 'offered' OR (offer_token_hash IS NOT NULL AND "
                        "offer_expires_at IS NOT NULL)", name="offer_has_token"),
        CheckConstraint("status <> 'booked' OR appointment_id IS NOT NULL",
                        name="booked_has_appointment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A short reference for the visitor (withdrawing), like a confirmation code.
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    fair_day_id: Mapped[int] = mapped_column(ForeignKey("fair_days.id"), nullable=False,
                                             index=True)
    day: Mapped[date] = mapped_column(nullable=False)
    status: Mapped[WaitlistStatus] = mapped_column(
        enum_type(WaitlistStatus, "waitlist_status"), nullable=False,
        default=WaitlistStatus.WAITING)

    document_type: Mapped[str] = mapped_column(String(40), nullable=False)
    document_index: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    document_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    document_masked: Mapped[str] = mapped_column(String(40), nullable=False)
    name_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    name_masked: Mapped[str] = mapped_column(String(80), nullable=False)
    contact_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    lang: Mapped[str] = mapped_column(String(5), nullable=False, default="zh")
    consent_version: Mapped[str] = mapped_column(String(40), nullable=False)

    # Arrival order: the line is served by joined_at, then id.
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # The offer: SHA-256 of the link's random token (the token itself is only in the mail).
    offer_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                                         unique=True)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The slot of the held place (None on a day without slots).
    held_slot_id: Mapped[int | None] = mapped_column(ForeignKey("time_slots.id"),
                                                     nullable=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"),
                                                       nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    fair_day: Mapped[FairDay] = relationship()
    held_slot: Mapped[TimeSlot | None] = relationship()
    appointment: Mapped[Appointment | None] = relationship()

    _repr_attrs = ("code", "day", "status")
