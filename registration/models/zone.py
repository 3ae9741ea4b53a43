"""Zones inside a venue (halls, forum rooms, lounges), the forums held in them, their seats
and waiting lists, and the attention texts shown with a verdict. See docs/forums.md.

- ``Zone``: an area with its own door gates (``Gate.zone_id``), the credential kinds it
  admits and an optional capacity (people inside at once, kept with leases like a venue's
  occupancy limit: ``OccupancyPool.zone_id``).
- ``Forum``: one session in a room: its seats are a counter (``seats_taken``) guarded by a
  CHECK, taken with one conditional UPDATE, so seats never exceed the count under
  concurrency (as the day quota).
- ``Seat``: one person's seat, tied to the appointment (or credential carrier) that gives
  them the venue-day, and to their blind document index (one seat per person per forum,
  and overlapping forums are refused).
- ``ForumWaitlistEntry``: the line of a full forum; an offered entry holds one seat.
- ``AttentionNote``: a text shown on the gate screen with the verdict, for a credential
  kind, an organisation's members or one appointment's pass; ``needs_staff`` makes the
  screen amber and wait for staff.
"""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gate.i18n import Text
from gate.passes import PassKind
from gate.vocabulary import SEATED_ZONE_KINDS, ForumWaitStatus, SeatStatus, ZoneKind
from registration.models.appointment import Appointment
from registration.models.base import Base, UTCDateTime, enum_type, split_codes, utcnow
from registration.models.venue import Venue


class Zone(Base):
    __tablename__ = "zones"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)  # CNCC-R301
    kind: Mapped[ZoneKind] = mapped_column(enum_type(ZoneKind, "zone_kind"), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str] = mapped_column(String(150), nullable=False)
    # People inside at once (None: no limit).
    capacity: Mapped[int | None] = mapped_column(nullable=True)
    # Pass kinds admitted (models.base.join_codes); "" admits every kind with a gate pass.
    kinds: Mapped[str] = mapped_column(String(120), nullable=False, default="",
                                       server_default="")
    # Everyone still inside is checked out at this local time (None: the venue's closing).
    closes: Mapped[time | None] = mapped_column(nullable=True)

    venue: Mapped[Venue] = relationship()
    forums: Mapped[list["Forum"]] = relationship(back_populates="zone",
                                                 order_by="Forum.starts")

    _repr_attrs = ("code", "kind", "capacity")

    @property
    def name(self) -> Text:
        return Text(self.name_zh, self.name_en)

    @property
    def kind_list(self) -> list[str]:
        return sorted(split_codes(self.kinds))

    @property
    def allowed_kinds(self) -> frozenset[PassKind] | None:
        """The kinds admitted (None: every kind)."""
        codes = split_codes(self.kinds)
        return frozenset(PassKind(code) for code in codes) if codes else None

    @property
    def seated(self) -> bool:
        """Its doors admit seat holders of a session only."""
        return self.kind in SEATED_ZONE_KINDS


class Forum(Base):
    """One session (summit forum, professional forum, meeting) in one room."""

    __tablename__ = "forums"
    __table_args__ = (
        CheckConstraint("starts < ends", name="starts_before_ends"),
        CheckConstraint("seats >= 0", name="seats_not_negative"),
        CheckConstraint("seats_taken >= 0", name="seats_taken_not_negative"),
        CheckConstraint("seats_taken <= seats", name="seats_taken_within_seats"),
        CheckConstraint("doors_open_minutes >= 0 AND admit_until_minutes >= 0",
                        name="door_minutes_not_negative"),
        Index("ix_forums_zone_starts", "zone_id", "starts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), nullable=False)
    title_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str] = mapped_column(String(300), nullable=False)
    starts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    seats: Mapped[int] = mapped_column(nullable=False)
    # Seats held: active seats plus seats held by a waiting-list offer.
    seats_taken: Mapped[int] = mapped_column(nullable=False, default=0)
    # Pass kinds that may register (join_codes); "" lets every kind with a gate pass.
    kinds: Mapped[str] = mapped_column(String(120), nullable=False, default="",
                                       server_default="")
    # Registration window (None: open until the session starts).
    registration_opens: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    registration_closes: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Door rules: doors open this long before the start and admit until this long after it.
    doors_open_minutes: Mapped[int] = mapped_column(nullable=False, default=30)
    admit_until_minutes: Mapped[int] = mapped_column(nullable=False, default=20)

    zone: Mapped[Zone] = relationship(back_populates="forums")

    _repr_attrs = ("code", "starts", "seats", "seats_taken")

    @property
    def title(self) -> Text:
        return Text(self.title_zh, self.title_en)

    @property
    def seats_left(self) -> int:
        return max(self.seats - self.seats_taken, 0)

    @property
    def kind_list(self) -> list[str]:
        return sorted(split_codes(self.kinds))


ACTIVE_SEAT = "status = 'active'"


class Seat(Base):
    __tablename__ = "seats"
    __table_args__ = (
        Index("uq_seats_active_forum_document", "forum_id", "document_index", unique=True,
              sqlite_where=text(ACTIVE_SEAT), postgresql_where=text(ACTIVE_SEAT)),
        Index("ix_seats_document_status", "document_index", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id"), nullable=False, index=True)
    # The booking (or credential carrier) that gives the holder the forum's venue-day: the
    # door finds the seat by its pass serial.
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), nullable=False,
                                                index=True)
    document_index: Mapped[str] = mapped_column(String(64), nullable=False)  # blind index
    status: Mapped[SeatStatus] = mapped_column(enum_type(SeatStatus, "seat_status"),
                                               nullable=False, default=SeatStatus.active)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    forum: Mapped[Forum] = relationship()
    appointment: Mapped[Appointment] = relationship()

    _repr_attrs = ("forum_id", "appointment_id", "status")


FORUM_WAIT_ACTIVE = "status IN ('waiting', 'offered')"


class ForumWaitlistEntry(Base):
    """One person in line for a full forum. Contact data is ciphertext (the vault's)."""

    __tablename__ = "forum_waitlist_entries"
    __table_args__ = (
        Index("uq_forum_waitlist_active_document", "forum_id", "document_index", unique=True,
              sqlite_where=text(FORUM_WAIT_ACTIVE), postgresql_where=text(FORUM_WAIT_ACTIVE)),
        Index("ix_forum_waitlist_line", "forum_id", "status", "joined_at"),
        CheckConstraint("status <> 'offered' OR (offer_token_hash IS NOT NULL AND "
                        "offer_expires_at IS NOT NULL)", name="offer_has_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id"), nullable=False)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), nullable=False)
    document_index: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[ForumWaitStatus] = mapped_column(
        enum_type(ForumWaitStatus, "forum_wait_status"), nullable=False,
        default=ForumWaitStatus.waiting)
    # Email address or phone number for the offer (ciphertext), and its masked form.
    contact_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    contact_masked: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    lang: Mapped[str] = mapped_column(String(5), nullable=False, default="zh")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    offer_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                                         unique=True)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id"), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    forum: Mapped[Forum] = relationship()
    appointment: Mapped[Appointment] = relationship()

    _repr_attrs = ("code", "forum_id", "status")


class AttentionNote(Base):
    """A check-in text for a credential kind, an organisation's members or one booking's
    pass (exactly one of them). The most specific note wins: pass, organisation, kind."""

    __tablename__ = "attention_notes"
    __table_args__ = (
        CheckConstraint("(CASE WHEN kind IS NULL THEN 0 ELSE 1 END) + "
                        "(CASE WHEN organisation_id IS NULL THEN 0 ELSE 1 END) + "
                        "(CASE WHEN appointment_id IS NULL THEN 0 ELSE 1 END) = 1",
                        name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PassKind | None] = mapped_column(
        enum_type(PassKind, "pass_kind", length=20), nullable=True, unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        nullable=True, unique=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"),
                                                       nullable=True, unique=True)
    text_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    text_en: Mapped[str] = mapped_column(String(300), nullable=False)
    needs_staff: Mapped[bool] = mapped_column(nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    _repr_attrs = ("kind", "organisation_id", "appointment_id", "needs_staff")

    @property
    def text(self) -> Text:
        return Text(self.text_zh, self.text_en)
