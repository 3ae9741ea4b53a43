"""Staff accounts of the on-site console and the audit log of what they did.

Passwords are stored only as salted scrypt hashes (werkzeug.security). The audit log is
append-only: the code has no path that updates or deletes an entry, and the migration adds a
trigger on SQLite and PostgreSQL that refuses UPDATEs (see docs/staff-console.md).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registration.models.base import Base, UTCDateTime, utcnow
from registration.models.venue import Venue


class StaffRole(enum.Enum):
    ADMIN = "admin"            # everything, every venue; audit log, purge, venues
    SUPERVISOR = "supervisor"  # one venue: desk, dashboard, operations, exports
    DESK = "desk"              # one venue: walk-in desk, search, dashboard


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role = 'admin' OR venue_id IS NOT NULL", name="venue_unless_admin"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[StaffRole] = mapped_column(
        Enum(StaffRole, name="staff_role", values_callable=lambda kinds: [k.value for k in kinds],
             validate_strings=True), nullable=False)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), nullable=True,
                                                 index=True)
    active: Mapped[bool] = mapped_column(nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    venue: Mapped[Venue | None] = relationship()

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
        return str(self.id)

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
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    venue_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    target: Mapped[str | None] = mapped_column(String(120), nullable=True)
    details: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    remote_addr: Mapped[str | None] = mapped_column(String(45), nullable=True)
