"""Venues, their gates, fair days and time slots, with the quota counters."""
from __future__ import annotations

import datetime as dt
from datetime import time

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gate.rules import DEFAULT_TIMEZONE
from gate.i18n import Text
from registration.models.base import Base, UTCDateTime, split_codes


class Venue(Base):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    name_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str] = mapped_column(String(150), nullable=False)
    timezone: Mapped[str] = mapped_column(String(40), nullable=False, default=DEFAULT_TIMEZONE)
    # A visitor who went out may come in again the same day.
    reentry_allowed: Mapped[bool] = mapped_column(nullable=False, default=True)
    # Pass kinds that must also show the holder's ID card at the gate (models.base.join_codes,
    # e.g. "exhibitor,staff"); empty: a pass alone is enough.
    id_check_kinds: Mapped[str] = mapped_column(String(60), nullable=False, default="",
                                                server_default="")

    gates: Mapped[list["Gate"]] = relationship(back_populates="venue", order_by="Gate.code")
    days: Mapped[list["FairDay"]] = relationship(
        back_populates="venue", order_by="FairDay.date"
    )

    _repr_attrs = ("code",)

    @property
    def name(self) -> Text:
        return Text(self.name_zh, self.name_en)

    @property
    def id_check_kind_list(self) -> list[str]:
        return sorted(split_codes(self.id_check_kinds))


class Gate(Base):
    __tablename__ = "gates"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    # A door of a zone inside the venue (None: an entrance of the venue itself).
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), nullable=True,
                                                index=True)

    venue: Mapped[Venue] = relationship(back_populates="gates")
    zone: Mapped["Zone | None"] = relationship()  # noqa: F821 (models/zone.py)

    _repr_attrs = ("code",)


class FairDay(Base):
    """One venue on one date. ``booked`` counts active appointments (all channels);
    ``walk_in_booked`` the walk-in share of them, which fills the reserve first."""

    __tablename__ = "fair_days"
    __table_args__ = (
        UniqueConstraint("venue_id", "date"),
        CheckConstraint("quota >= 0", name="quota_not_negative"),
        CheckConstraint("booked >= 0", name="booked_not_negative"),
        CheckConstraint("booked <= quota", name="booked_within_quota"),
        CheckConstraint("walk_in_booked >= 0", name="walk_in_not_negative"),
        CheckConstraint("walk_in_booked <= booked", name="walk_in_within_booked"),
        CheckConstraint("walk_in_reserve >= 0", name="reserve_not_negative"),
        CheckConstraint("walk_in_reserve <= quota", name="reserve_within_quota"),
        CheckConstraint("professional_quota >= 0", name="professional_quota_not_negative"),
        CheckConstraint("professional_quota + walk_in_reserve <= quota",
                        name="professional_within_quota"),
        CheckConstraint("professional_booked >= 0", name="professional_not_negative"),
        CheckConstraint("professional_booked <= professional_quota",
                        name="professional_within_share"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), nullable=False, index=True)
    date: Mapped[dt.date] = mapped_column(nullable=False, index=True)
    opens: Mapped[time] = mapped_column(nullable=False)
    closes: Mapped[time] = mapped_column(nullable=False)
    quota: Mapped[int] = mapped_column(nullable=False)  # admissions (bookings) that day
    # People inside at once (None: no limit), kept across gates with leases.
    occupancy_limit: Mapped[int | None] = mapped_column(nullable=True)
    # Part of the quota held for the walk-in desk.
    walk_in_reserve: Mapped[int] = mapped_column(nullable=False, default=0)
    booking_open: Mapped[bool] = mapped_column(nullable=False, default=True)
    # When set, booking opens at this instant behind the waiting room (registration/waitingroom).
    booking_opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    booked: Mapped[int] = mapped_column(nullable=False, default=0)
    walk_in_booked: Mapped[int] = mapped_column(nullable=False, default=0)
    # The professional visitors' share of the quota (their own places, kept apart from the
    # public's), and how many of them are booked (also counted in ``booked``).
    professional_quota: Mapped[int] = mapped_column(nullable=False, default=0,
                                                    server_default="0")
    professional_booked: Mapped[int] = mapped_column(nullable=False, default=0,
                                                     server_default="0")
    # Exhibitors' staff may enter from this time (None: config EXHIBITORS_OPEN).
    exhibitors_open: Mapped[time | None] = mapped_column(nullable=True)

    venue: Mapped[Venue] = relationship(back_populates="days")
    slots: Mapped[list["TimeSlot"]] = relationship(
        back_populates="fair_day", order_by="TimeSlot.starts"
    )

    _repr_attrs = ("venue_id", "date", "quota", "booked")

    @property
    def online_capacity(self) -> int:
        return self.quota - self.walk_in_reserve

    @property
    def remaining(self) -> int:
        return max(self.quota - self.booked, 0)

    @property
    def remaining_online(self) -> int:
        """Places left for public online bookings: the walk-in reserve and the professional
        visitors' share are held apart (services/places.py day_place_terms)."""
        reserve_used = min(self.walk_in_booked, self.walk_in_reserve)
        public_booked = self.booked - self.professional_booked
        return max(self.online_capacity - self.professional_quota
                   - (public_booked - reserve_used), 0)

    @property
    def remaining_professional(self) -> int:
        return max(self.professional_quota - self.professional_booked, 0)


class TimeSlot(Base):
    __tablename__ = "time_slots"
    __table_args__ = (
        UniqueConstraint("fair_day_id", "code"),
        CheckConstraint("quota >= 0", name="quota_not_negative"),
        CheckConstraint("booked >= 0", name="booked_not_negative"),
        CheckConstraint("booked <= quota", name="booked_within_quota"),
        CheckConstraint("starts < ends", name="starts_before_ends"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fair_day_id: Mapped[int] = mapped_column(
        ForeignKey("fair_days.id"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(String(20), nullable=False)
    starts: Mapped[time] = mapped_column(nullable=False)
    ends: Mapped[time] = mapped_column(nullable=False)
    quota: Mapped[int] = mapped_column(nullable=False)
    booked: Mapped[int] = mapped_column(nullable=False, default=0)

    fair_day: Mapped[FairDay] = relationship(back_populates="slots")

    _repr_attrs = ("fair_day_id", "code", "quota", "booked")

    @property
    def remaining(self) -> int:
        return max(self.quota - self.booked, 0)

    @property
    def label(self) -> str:
        return f"{self.starts:%H:%M}–{self.ends:%H:%M}"
