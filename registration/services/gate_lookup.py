"""ID-card look-up indexes for the kiosks (gate/lookup.py; docs/sync-protocol.md, section 3).

An index is one Argon2id computation, about 80 ms of a core by design, so booking never
computes one. The manifest computes the indexes its page needs within a time budget, and
`fairgate gate prepare` computes them ahead of the pulls; both store them on
``Appointment.gate_index``, so each is computed once per appointment (a credential pass's
indexes of the venue-days after its carrier's in ``credential_gate_indexes``). Only active
bookings need one (the manifest gives ``gate_index`` on active items only).

The parameters of a venue-day are pinned in ``gate_lookup_params`` by whichever comes
first, from the ``GATE_LOOKUP_KDF_*`` settings; the salt is derived from the master index
key, so it is never stored and is the same on every app server.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from flask import current_app
from sqlalchemy import and_, bindparam, func, select, update

from gate.documents import Document, parse_document
from gate.i18n import Text
from gate.lookup import (
    ALGORITHM, INDEX_BYTES, LookupParams, gate_lookup_index, release_memory,
)
from registration.extensions import db
from registration.models import (
    Appointment, AppointmentStatus, CredentialGateIndex, FairDay, GateLookupParams, Venue,
)
from registration.services.calendar import utc_now, venue_today
from registration.services.errors import NotFound
from registration.services.identity import vault
from registration.services.sql import chunks, dialect_insert

UNKNOWN_VENUE = Text("没有这个场馆", "No such venue")
NO_DAY = Text("该场馆当日不开放", "This venue is not open on that day")


def configured_params(salt: bytes) -> LookupParams:
    """The ``GATE_LOOKUP_KDF_*`` settings (ValueError when they are out of bounds)."""
    config = current_app.config
    return LookupParams(salt=salt, time_cost=int(config["GATE_LOOKUP_KDF_TIME_COST"]),
                        memory_kib=int(config["GATE_LOOKUP_KDF_MEMORY_KIB"]),
                        parallelism=int(config["GATE_LOOKUP_KDF_PARALLELISM"]))


def venue_day_params(fair_day: FairDay) -> LookupParams:
    """The venue-day's parameters, pinned from the settings the first time they are asked."""
    salt = vault().gate_salt(fair_day.venue.code, fair_day.date)
    row = db.session.get(GateLookupParams, fair_day.id)
    if row is None:
        wanted = configured_params(salt)
        db.session.execute(dialect_insert(GateLookupParams.__table__).values(
            fair_day_id=fair_day.id, algorithm=ALGORITHM, time_cost=wanted.time_cost,
            memory_kib=wanted.memory_kib, parallelism=wanted.parallelism,
            length=wanted.length, created_at=utc_now(),
        ).on_conflict_do_nothing(index_elements=["fair_day_id"]))
        row = db.session.get(GateLookupParams, fair_day.id)  # ours, or a concurrent first
    if row.algorithm != ALGORITHM:
        raise ValueError(f"venue-day {fair_day.id}: look-up algorithm {row.algorithm!r}")
    return LookupParams(salt=salt, time_cost=row.time_cost, memory_kib=row.memory_kib,
                        parallelism=row.parallelism, length=row.length or INDEX_BYTES)


def document_ciphertexts(appointment_ids: list[int]) -> dict[int, bytes]:
    """The encrypted documents of these appointments (purged ones have none)."""
    found: dict[int, bytes] = {}
    for part in chunks(appointment_ids):
        found.update(db.session.execute(
            select(Appointment.id, Appointment.document_ciphertext).where(
                Appointment.id.in_(part), Appointment.document_ciphertext.is_not(None))).all())
    return found


def stored_document(ciphertext: bytes) -> Document:
    stored = vault().decrypt_document(ciphertext)
    return parse_document(stored["type"], stored["number"], stored.get("country"))


def compute_indexes(params: LookupParams, pending: Iterable[tuple[int, bytes]], *,
                    deadline: float | None = None, jobs: int = 1) -> dict[int, str]:
    """``{appointment id: index}`` for ``(appointment id, document ciphertext)`` pairs.

    With a ``deadline`` (``time.monotonic()`` value) the work stops at the first pair
    reached after it, but never before one index is done, so every call makes progress.
    ``jobs`` > 1 computes in threads (Argon2 releases the GIL), without a deadline.
    """
    if jobs > 1:
        # Decrypting takes microseconds and needs the app: done here, the KDF in threads
        # (whose memory blocks go with them).
        keys = [(appointment_id, stored_document(ciphertext).key)
                for appointment_id, ciphertext in pending]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return dict(zip((key[0] for key in keys),
                            pool.map(lambda key: gate_lookup_index(params, key[1]), keys)))
    done: dict[int, str] = {}
    try:
        for appointment_id, ciphertext in pending:
            if done and deadline is not None and time.monotonic() >= deadline:
                break
            done[appointment_id] = gate_lookup_index(params, stored_document(ciphertext).key)
    finally:
        release_memory()  # an app thread does not keep the KDF's memory between requests
    return done


def store_indexes(fair_day_id: int, indexes: dict[int, str]) -> None:
    """Keep computed indexes. An appointment moved to another day meanwhile, or given its
    index by a concurrent pull, is left alone."""
    if not indexes:
        return
    table = Appointment.__table__
    db.session.execute(
        update(table).where(table.c.id == bindparam("appointment_id"),
                            table.c.fair_day_id == fair_day_id, table.c.gate_index.is_(None))
        .values(gate_index=bindparam("index")).execution_options(synchronize_session=False),
        [{"appointment_id": key, "index": value} for key, value in indexes.items()])


def carried_indexes(fair_day_id: int, appointment_ids) -> dict[int, str]:
    """The stored indexes of this venue-day of credential carriers whose first venue-day
    is another (models/credential_index.py)."""
    found: dict[int, str] = {}
    table = CredentialGateIndex.__table__
    for part in chunks(sorted(appointment_ids)):
        found.update(db.session.execute(
            select(table.c.appointment_id, table.c.gate_index).where(
                table.c.fair_day_id == fair_day_id, table.c.appointment_id.in_(part))).all())
    return found


def store_carried_indexes(fair_day_id: int, indexes: dict[int, str]) -> None:
    """Keep computed indexes of credential carriers on this (later) venue-day; one a
    concurrent pull stored first is left alone."""
    if not indexes:
        return
    now = utc_now()
    db.session.execute(
        dialect_insert(CredentialGateIndex.__table__).on_conflict_do_nothing(
            index_elements=["fair_day_id", "appointment_id"]),
        [{"fair_day_id": fair_day_id, "appointment_id": key, "gate_index": value,
          "created_at": now} for key, value in indexes.items()])


def _missing(fair_day_id: int):
    return and_(Appointment.fair_day_id == fair_day_id,
                Appointment.status == AppointmentStatus.ACTIVE,
                Appointment.gate_index.is_(None), Appointment.document_ciphertext.is_not(None))


def missing_count(fair_day: FairDay) -> int:
    return db.session.scalar(select(func.count()).select_from(Appointment)
                             .where(_missing(fair_day.id))) or 0


def prepare_batches(fair_day: FairDay, *, batch: int = 100, jobs: int = 1) -> Iterator[int]:
    """Compute the venue-day's missing indexes, ``batch`` at a time: yields the number
    stored after each batch, for the caller to commit (and show progress)."""
    params = venue_day_params(fair_day)
    last_id = 0
    while True:
        pending = db.session.execute(
            select(Appointment.id, Appointment.document_ciphertext)
            .where(_missing(fair_day.id), Appointment.id > last_id)
            .order_by(Appointment.id).limit(batch)).all()
        if not pending:
            return
        last_id = pending[-1][0]
        indexes = compute_indexes(params, [tuple(row) for row in pending], jobs=jobs)
        store_indexes(fair_day.id, indexes)
        yield len(indexes)


def days_to_prepare(venue_code: str | None, day: date | None) -> list[FairDay]:
    """The venue-days `fairgate gate prepare` works on: the given ones, or every fair day
    from today (venue-local) on."""
    query = select(FairDay).join(Venue).order_by(FairDay.date, Venue.code)
    venue = None
    if venue_code is not None:
        venue = db.session.scalar(select(Venue).where(Venue.code == venue_code.upper()))
        if venue is None:
            raise NotFound("venue_not_found", UNKNOWN_VENUE, {"venue": UNKNOWN_VENUE})
        query = query.where(FairDay.venue_id == venue.id)
    days = [fair_day for fair_day in db.session.scalars(query)
            if (fair_day.date == day if day is not None
                else fair_day.date >= venue_today(fair_day.venue))]
    if day is not None and not days:
        raise NotFound("day_not_found", NO_DAY, {"date": NO_DAY})
    return days
