"""Kiosk ID-card look-up indexes of credential passes on their other venue-days.

A pass's look-up index (gate/lookup.py) is salted per venue-day; a booking's is kept on
its appointment (``Appointment.gate_index``). A credential's carrier appointment sits at its
first venue-day only, so the indexes of the other venue-days its pass covers are kept here,
one row per (venue-day, carrier), computed by the manifest like the bookings' ones
(registration/services/manifest.py) and erased by the retention purge.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from registration.models.base import Base, UTCDateTime, utcnow


class CredentialGateIndex(Base):
    __tablename__ = "credential_gate_indexes"
    __table_args__ = (
        Index("ix_credential_gate_indexes_day_index", "fair_day_id", "gate_index"),
    )

    fair_day_id: Mapped[int] = mapped_column(ForeignKey("fair_days.id"), primary_key=True,
                                             autoincrement=False)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"),
                                                primary_key=True, autoincrement=False,
                                                index=True)
    gate_index: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    _repr_attrs = ("fair_day_id", "appointment_id")
