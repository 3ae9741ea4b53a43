"""What the gates report and what the service keeps for them.

- ``CheckInEvent``: every scan a gate reports (uploaded batches and online verifies), stored
  once per (device, client event id), anomalies flagged on the row, never dropped.
- ``PassPresence``: one row per pass per day (admitted passages only): the row online
  verification updates with a conditional UPDATE, so two gates admit one pass once.
- ``ManifestFeed`` / ``ManifestEntry``: the per venue-day change feed of the gate manifest
  (see docs/sync-protocol.md for why a locked counter row instead of a plain sequence).
- ``GateLookupParams``: the Argon2id parameters of a venue-day's ID-card look-up indexes,
  fixed when its first index is computed.
- ``OccupancyPool`` / ``DeviceCredits`` / ``DeviceLease``: the occupancy-limit pool of a
  venue-day, the credits each device holds, and each lease request (idempotent by lease id).
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gate.passes import PassKind
from gate.reasons import Reason
from registration.models.base import Base, UTCDateTime, enum_type, sql_values, utcnow


class ManifestChange(enum.StrEnum):
    """What last changed a pass's manifest entry (for operators reading the feed)."""

    BOOKED = "booked"  # a new booking
    CHANGED = "changed"  # moved to another venue, day or slot (a new pass)
    CANCELLED = "cancelled"  # the appointment was cancelled
    REVOKED = "revoked"  # the pass was revoked
    PRESENCE = "presence"  # a gate let the holder in or out
    SEAT = "seat"  # the holder took or gave back a forum seat (door kiosks)
    ATTENTION = "attention"  # the holder's check-in text changed


class CheckInEvent(Base):
    __tablename__ = "checkin_events"
    __table_args__ = (
        UniqueConstraint("device_id", "event_id", name="uq_checkin_events_device_event"),
        CheckConstraint("direction IN ('in', 'out')", name="direction_in_or_out"),
        CheckConstraint("source IN ('upload', 'verify')", name="known_source"),
        CheckConstraint(f"reason IN ({sql_values(Reason)})", name="known_reason"),
        Index("ix_checkin_events_serial_day", "serial", "day"),
        Index("ix_checkin_events_venue_day", "venue_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), nullable=False)
    event_id: Mapped[str] = mapped_column(String(64), nullable=False)  # made by the client
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), nullable=False)
    day: Mapped[date] = mapped_column(nullable=False)  # venue-local day of scanned_at
    # The pass serial as reported, or resolved from the document look-up index.
    serial: Mapped[str | None] = mapped_column(String(32), nullable=True)
    document_index: Mapped[str | None] = mapped_column(String(64), nullable=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"),
                                                       nullable=True, index=True)
    gate: Mapped[str] = mapped_column(String(20), nullable=False)  # the gate code
    direction: Mapped[str] = mapped_column(String(3), nullable=False)  # in / out
    admit: Mapped[bool] = mapped_column(nullable=False)  # the turnstile opened
    reason: Mapped[str] = mapped_column(String(30), nullable=False)  # a gate.reasons code
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Decided by the kiosk while it could not reach the service.
    offline: Mapped[bool] = mapped_column(nullable=False, default=False)
    # upload: a kiosk's batch; verify: decided here (POST /api/v1/gate/verify).
    source: Mapped[str] = mapped_column(String(10), nullable=False, default="upload")
    # gate.vocabulary.AnomalyCode values, comma-separated (models.base.join_codes).
    anomalies: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # SHA-256 of the event as first received: a reused id with other content is flagged.
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    # A door of a zone (None: a venue entrance).
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), nullable=True)
    # An annul event (reason ``annulled``): the client id of the admission it annuls.
    annuls: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # An admission annulled by its gate ("the turnstile did not turn"): kept, undone.
    annulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    _repr_attrs = ("device_id", "event_id", "day", "gate", "direction", "admit", "reason",
                   "source")


class _PresenceColumns:
    """One pass on one day at one place (a venue, or a zone inside it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), nullable=False)
    day: Mapped[date] = mapped_column(nullable=False)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), nullable=False)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"),
                                                       nullable=True, index=True)
    kind: Mapped[PassKind] = mapped_column(enum_type(PassKind, "pass_kind", length=20),
                                           nullable=False, default=PassKind.visitor)
    inside: Mapped[bool] = mapped_column(nullable=False, default=False)
    entries: Mapped[int] = mapped_column(nullable=False, default=0)
    exits: Mapped[int] = mapped_column(nullable=False, default=0)
    last_direction: Mapped[str | None] = mapped_column(String(3), nullable=True)
    last_gate: Mapped[str | None] = mapped_column(String(20), nullable=True)
    last_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Bumped by every write: the conditional UPDATE of an admission checks it.
    version: Mapped[int] = mapped_column(nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    _repr_attrs = ("day", "venue_id", "kind", "inside", "entries", "exits")


class PassPresence(_PresenceColumns, Base):
    __tablename__ = "pass_presence"
    __table_args__ = (
        UniqueConstraint("serial", "day", name="uq_pass_presence_serial_day"),
        Index("ix_pass_presence_venue_day", "venue_id", "day"),
        CheckConstraint("entries >= 0", name="entries_not_negative"),
        CheckConstraint("exits >= 0", name="exits_not_negative"),
    )


class ZonePresence(_PresenceColumns, Base):
    """A pass's presence in one zone (a room's door kiosks), apart from the venue's."""

    __tablename__ = "zone_presence"
    __table_args__ = (
        UniqueConstraint("serial", "day", "zone_id", name="uq_zone_presence_serial_day_zone"),
        Index("ix_zone_presence_zone_day", "zone_id", "day"),
        CheckConstraint("entries >= 0", name="entries_not_negative"),
        CheckConstraint("exits >= 0", name="exits_not_negative"),
    )

    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), nullable=False)

    _repr_attrs = ("day", "zone_id", "kind", "inside", "entries", "exits")


class ManifestFeed(Base):
    """The change counter of one venue-day. Writers take its row lock to number their
    changes, so change numbers become visible in commit order."""

    __tablename__ = "manifest_feeds"

    fair_day_id: Mapped[int] = mapped_column(ForeignKey("fair_days.id"), primary_key=True,
                                             autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)

    _repr_attrs = ("seq",)


class ManifestEntry(Base):
    """One pass in one venue-day's manifest; ``seq`` is the number of its latest change."""

    __tablename__ = "manifest_entries"
    __table_args__ = (
        UniqueConstraint("fair_day_id", "pass_id", name="uq_manifest_entries_day_pass"),
        Index("ix_manifest_entries_day_seq", "fair_day_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fair_day_id: Mapped[int] = mapped_column(ForeignKey("fair_days.id"), nullable=False)
    pass_id: Mapped[int] = mapped_column(ForeignKey("passes.id"), nullable=False, index=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    change: Mapped[ManifestChange] = mapped_column(
        enum_type(ManifestChange, "manifest_change", length=20), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    _repr_attrs = ("fair_day_id", "pass_id", "seq", "change")


class GateLookupParams(Base):
    """The look-up index parameters of one venue-day (gate.lookup), pinned at first use so
    that new settings never change indexes already computed and handed to kiosks."""

    __tablename__ = "gate_lookup_params"
    __table_args__ = (
        CheckConstraint("time_cost >= 1 AND memory_kib >= 8 AND parallelism >= 1 AND "
                        "length >= 16", name="sane_parameters"),
    )

    fair_day_id: Mapped[int] = mapped_column(ForeignKey("fair_days.id"), primary_key=True,
                                             autoincrement=False)
    algorithm: Mapped[str] = mapped_column(String(20), nullable=False)
    time_cost: Mapped[int] = mapped_column(nullable=False)
    memory_kib: Mapped[int] = mapped_column(nullable=False)
    parallelism: Mapped[int] = mapped_column(nullable=False)
    length: Mapped[int] = mapped_column(nullable=False)  # index bytes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    _repr_attrs = ("algorithm", "time_cost", "memory_kib", "parallelism", "length")


VENUE_POOL, ZONE_POOL = "zone_id IS NULL", "zone_id IS NOT NULL"


class OccupancyPool(Base):
    """gate.occupancy.OccupancyPool of one venue-day, or of one zone (room) on that day,
    persisted."""

    __tablename__ = "occupancy_pools"
    __table_args__ = (
        Index("uq_occupancy_pools_venue_day", "fair_day_id", unique=True,
              sqlite_where=text(VENUE_POOL), postgresql_where=text(VENUE_POOL)),
        Index("uq_occupancy_pools_zone_day", "fair_day_id", "zone_id", unique=True,
              sqlite_where=text(ZONE_POOL), postgresql_where=text(ZONE_POOL)),
        CheckConstraint("granted_total >= 0 AND consumed_total >= 0 AND returned_total >= 0"
                        " AND overdrawn_total >= 0", name="totals_not_negative"),
        CheckConstraint("inside >= 0 AND outstanding >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fair_day_id: Mapped[int] = mapped_column(ForeignKey("fair_days.id"), nullable=False)
    # A room's pool (its capacity); None: the venue's occupancy limit.
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), nullable=True)
    occupancy_limit: Mapped[int] = mapped_column(nullable=False)
    inside: Mapped[int] = mapped_column(nullable=False, default=0)  # people inside now
    # Credits all devices hold (sum of device_credits), on this row so that one conditional
    # UPDATE of it sees every place spoken for.
    outstanding: Mapped[int] = mapped_column(nullable=False, default=0)
    # Totals of the day (credits granted, spent on entries, handed back, spent beyond them).
    granted_total: Mapped[int] = mapped_column(nullable=False, default=0)
    consumed_total: Mapped[int] = mapped_column(nullable=False, default=0)
    returned_total: Mapped[int] = mapped_column(nullable=False, default=0)
    overdrawn_total: Mapped[int] = mapped_column(nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    _repr_attrs = ("fair_day_id", "occupancy_limit", "inside", "outstanding")


class DeviceCredits(Base):
    """Entry credits a device holds for a venue-day, as far as the service knows."""

    __tablename__ = "device_credits"
    __table_args__ = (
        UniqueConstraint("device_id", "fair_day_id", name="uq_device_credits_device_day"),
        CheckConstraint("outstanding >= 0", name="outstanding_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), nullable=False)
    fair_day_id: Mapped[int] = mapped_column(ForeignKey("fair_days.id"), nullable=False,
                                             index=True)
    outstanding: Mapped[int] = mapped_column(nullable=False, default=0)

    _repr_attrs = ("device_id", "fair_day_id", "outstanding")


class DeviceLease(Base):
    """One lease request as applied: the kiosk's report and what it was granted."""

    __tablename__ = "device_leases"
    __table_args__ = (
        UniqueConstraint("device_id", "lease_id", name="uq_device_leases_device_lease"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), nullable=False)
    fair_day_id: Mapped[int] = mapped_column(ForeignKey("fair_days.id"), nullable=False,
                                             index=True)
    lease_id: Mapped[str] = mapped_column(String(64), nullable=False)  # made by the kiosk
    requested: Mapped[int] = mapped_column(nullable=False)
    granted: Mapped[int] = mapped_column(nullable=False)
    # The kiosk's report with the request (gate.occupancy.CreditReport).
    entries: Mapped[int] = mapped_column(nullable=False, default=0)
    exits: Mapped[int] = mapped_column(nullable=False, default=0)
    recycled_exits: Mapped[int] = mapped_column(nullable=False, default=0)
    returned: Mapped[int] = mapped_column(nullable=False, default=0)
    overdraft: Mapped[int] = mapped_column(nullable=False, default=0)
    # Credits the device holds once this lease was applied.
    outstanding_after: Mapped[int] = mapped_column(nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    _repr_attrs = ("device_id", "fair_day_id", "lease_id", "requested", "granted")
