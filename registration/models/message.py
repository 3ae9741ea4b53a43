"""Outgoing messages (SMS) and the one-time phone codes of organisation contacts.

A message is stored in the transaction that decides to send it and delivered after that
transaction commits (registration/services/messages.py): a rollback leaves nothing to
send, and a failed delivery stays ``pending`` and is retried with a growing delay until it
is ``sent`` or, after ``SMS_MAX_ATTEMPTS``, ``failed`` (audited, shown on /staff/messages).
The number and the text are personal data: ciphertext only, plus a masked number for staff.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registration.models.base import Base, UTCDateTime, enum_type, utcnow
from registration.models.organisation import Organisation


class MessageChannel(enum.StrEnum):
    SMS = "sms"


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for (another) delivery attempt at ``next_attempt_at``
    SENT = "sent"  # the provider took it (``provider_id``)
    FAILED = "failed"  # gave up after the last attempt (staff may retry it)


class OutgoingMessage(Base):
    __tablename__ = "outgoing_messages"
    __table_args__ = (
        # The retry run reads the due pending messages; the staff page the unsent ones.
        Index("ix_outgoing_messages_due", "status", "next_attempt_at"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[MessageChannel] = mapped_column(
        enum_type(MessageChannel, "message_channel"), nullable=False,
        default=MessageChannel.SMS)
    to_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    to_masked: Mapped[str] = mapped_column(String(40), nullable=False)
    text_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # What the message is about: an appointment, credential or organisation code (the
    # retention purge erases the messages of purged people by it).
    ref: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    status: Mapped[MessageStatus] = mapped_column(
        enum_type(MessageStatus, "message_status"), nullable=False,
        default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False,
                                                      default=utcnow)
    # Set while one delivery attempt is under way (a crashed one's claim runs out).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    provider_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    _repr_attrs = ("ref", "status", "attempts")


class PhoneCode(Base):
    """A one-time code sent to an organisation contact's phone: only its keyed hash is
    stored; it expires and allows a few tries (``PHONE_CODE_*`` settings)."""

    __tablename__ = "phone_codes"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"),
                                                 nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped[Organisation] = relationship()

    _repr_attrs = ("organisation_id", "attempts")
