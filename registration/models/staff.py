"""Staff accounts of the on-site console and the audit log of what they did.

Passwords are stored only as salted scrypt hashes (werkzeug.security). A session names the
account and its ``session_version``; logging out, deactivation, a new password and a
lock-out raise the version, which ends every session of the account on every app server.
The audit log is append-only: the code has no path that deletes an entry or changes who did
what, and a trigger on SQLite and PostgreSQL refuses every UPDATE except the retention
purge's one-time erasure of identity details (see docs/staff-console.md).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registration.models.base import Base, UTCDateTime, enum_type, utcnow
from registration.models.venue import Venue


class StaffRole(enum.Enum):
    ADMIN = "admin"            # everything, every venue; audit log, purge, venues
    SUPERVISOR = "supervisor"  # one venue: desk, dashboard, operations, exports
    DESK = "desk"              # one venue: walk-in desk, search, dashboard


class AuditAction(enum.StrEnum):
    """What an audit entry records. A new action needs a migration (a value of the
    PostgreSQL type ``audit_action``)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_LOCKED = "login_locked"
    LOGOUT = "logout"
    DESK_BOOKING = "desk_booking"  # a walk-in booked at the desk
    DESK_FOUND = "desk_found"  # the desk found an existing booking
    LABEL_PRINTED = "label_printed"
    VENUE_SET = "venue_set"
    GATE_ADDED = "gate_added"
    DAY_SET = "day_set"
    SLOT_SET = "slot_set"
    DEVICE_CODE_ISSUED = "device_code_issued"
    DEVICE_ENROLLED = "device_enrolled"
    DEVICE_REVOKED = "device_revoked"
    PASS_REVOKED = "pass_revoked"
    APPOINTMENTS_SEARCHED = "appointments_searched"
    EXPORT = "export"
    PURGE = "purge"
    WAITLIST_OFFERED = "waitlist_offered"  # a held place offered to the first in line
    WAITLIST_ACCEPTED = "waitlist_accepted"  # an offer taken: the held place booked
    WAITLIST_EXPIRED = "waitlist_expired"  # an offer ran out: passed on or released
    BOOKING_OPENS_SET = "booking_opens_set"  # a day's booking opening (waiting room)
    WAITING_ROOM_RATE_SET = "waiting_room_rate_set"  # admissions per second, live
    BOT_DEFENCE_SET = "bot_defence_set"  # proof-of-work cost, surge rate
    ORGANISATION_REGISTERED = "organisation_registered"
    ORGANISATION_APPROVED = "organisation_approved"
    ORGANISATION_REJECTED = "organisation_rejected"
    PORTAL_SIGN_IN = "portal_sign_in"  # an organisation contact used a sign-in link
    CREDENTIAL_ISSUED = "credential_issued"  # staff issued (guest, staff, contractor)
    CREDENTIAL_APPLIED = "credential_applied"  # a person applied (professional, media, online)
    CREDENTIAL_APPROVED = "credential_approved"
    CREDENTIAL_REJECTED = "credential_rejected"
    CREDENTIAL_REVOKED = "credential_revoked"
    MEMBER_ADDED = "member_added"  # an organisation added a member (one or by CSV)
    MEMBER_REMOVED = "member_removed"
    MEMBER_REPLACED = "member_replaced"
    BADGE_PRINTED = "badge_printed"
    BADGE_REPRINTED = "badge_reprinted"  # a second (or later) print: warned at the desk
    MESSAGE_FAILED = "message_failed"  # an email or SMS that could not be sent, after retries
    ZONE_SET = "zone_set"  # a zone (room, hall, lounge) created or changed
    FORUM_SET = "forum_set"  # a forum (session) created or changed
    SEAT_CANCELLED_BY_STAFF = "seat_cancelled_by_staff"
    FORUM_WAITLIST_OFFERED = "forum_waitlist_offered"
    ATTENTION_SET = "attention_set"  # a check-in text set or removed
    GATE_CHECKED_OUT = "gate_checked_out"  # everyone still inside checked out at closing


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint(f"role = '{StaffRole.ADMIN.value}' OR venue_id IS NOT NULL",
                        name="venue_unless_admin"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole, "staff_role"), nullable=False)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), nullable=True,
                                                 index=True)
    active: Mapped[bool] = mapped_column(nullable=False, default=True)
    # Failed log-ins in a row; too many lock the account until ``locked_until``.
    failed_logins: Mapped[int] = mapped_column(nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Raised to end every session of the account (a session carries the version it began
    # with: ``get_id``).
    session_version: Mapped[int] = mapped_column(nullable=False, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    venue: Mapped[Venue | None] = relationship()

    _repr_attrs = ("role", "venue_id", "active")

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the session stores: ``id:session_version`` (the user loader compares it)."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.ADMIN

    def may_see_venue(self, venue_code: str) -> bool:
        return self.is_admin or (self.venue is not None and self.venue.code == venue_code)


class AuditEntry(Base):
    """One staff action: who, when, what (never a plain document number or name)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    # The account, when there is one; the name typed is kept for failed log-ins too.
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"),
                                                      nullable=True, index=True)
    username: Mapped[str] = mapped_column(String(60), nullable=False)
    action: Mapped[AuditAction] = mapped_column(enum_type(AuditAction, "audit_action", length=40),
                                                nullable=False)
    venue_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    # What was acted on: an appointment code, a gate, a device, a day.
    target: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # JSON of the action's details (masked values only; services.audit).
    details: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    remote_addr: Mapped[str | None] = mapped_column(String(45), nullable=True)
    # Set (once) when the retention purge erased the identity data in ``details``.
    identity_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    _repr_attrs = ("at", "action", "venue_code", "target")
