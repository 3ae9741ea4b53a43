"""The gate manifest of a venue-day and its change feed (protocol: docs/sync-protocol.md).

Every pass that belongs to a venue-day has a ``ManifestEntry``; ``entry.seq`` is the number
of the entry's latest change. Change numbers come from the venue-day's ``ManifestFeed`` row,
taken with an UPDATE that holds the row lock until commit, so of two transactions changing
one venue-day the second waits for the first: change numbers become visible in commit order
and "entries with seq > cursor" never skips a change that commits late (a plain sequence
would: its values are handed out in call order but become visible in commit order).
Items carry the entry's full current state, so applying one twice is harmless.
"""
from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, select

from gate.i18n import Text
from gate.masking import mask_for_gate
from gate.passes import PassTokenError, decode_unverified, encode_public_key
from registration.extensions import db
from gate.vocabulary import GateStatus
from registration.models import (
    Appointment, AppointmentStatus, Device, FairDay, ManifestChange, ManifestEntry,
    ManifestFeed, Pass, PassPresence, PassStatus, TimeSlot, Venue, ZonePresence, gate_status,
)
from registration.services import credential_days, doors, gate_lookup
from registration.services import passes as pass_service
from registration.services import gate_policy
from registration.services.calendar import utc_now, venue_today
from registration.services.devices import Forbidden
from registration.services.errors import NotFound, invalid_field
from registration.services.sql import dialect_insert

CURSOR_RE = re.compile(r"v1\.(\d{1,12})\.(\d{1,18})(?:\.(\d{1,12}))?")
BAD_CURSOR = Text("同步游标无效", "The cursor is not valid")
DATE_NOT_ALLOWED = Text("只能获取今天或明天的名单", "Manifests are given for today and tomorrow only")


def record_change(appointment: Appointment, kind: ManifestChange, *,
                  now: datetime | None = None) -> None:
    """Put the appointment's passes into the change feed of the venue-day(s) they belong to.

    Called by the booking and pass services after they changed an appointment or a pass;
    the caller commits. A pass already in a manifest stays in it (a revoked pass must reach
    the kiosks of its old day); a new pass joins its appointment's venue-day.
    """
    db.session.flush()  # new passes need their ids
    issued = list(appointment.passes)
    if not issued:
        return
    # A new booking is in no manifest yet.
    known = [] if kind == ManifestChange.BOOKED else db.session.execute(
        select(ManifestEntry.fair_day_id, ManifestEntry.pass_id)
        .where(ManifestEntry.pass_id.in_([p.id for p in issued]))
    ).all()
    targets: dict[int, set[int]] = defaultdict(set)
    for fair_day_id, pass_id in known:
        targets[fair_day_id].add(pass_id)
    listed = {pass_id for _, pass_id in known}
    # A credential's carrier: its pass belongs to every venue-day the credential covers.
    carried = credential_days.covered_day_ids(appointment.credential_id) \
        if appointment.credential_id is not None else None
    for p in issued:
        if p.id in listed:
            continue
        if p.status is PassStatus.ACTIVE:
            day_ids = carried if carried else [appointment.fair_day_id]
        else:
            day_ids = [_fair_day_of_token(p)]
        for fair_day_id in day_ids:
            if fair_day_id is not None:
                targets[fair_day_id].add(p.id)
    for fair_day_id in sorted(targets):
        bump_entries(fair_day_id, sorted(targets[fair_day_id]), kind, now=now)


def _fair_day_of_token(issued: Pass) -> int | None:
    """The venue-day a pass was issued for, read from its own token (passes issued before
    the manifest existed have no entry to say so)."""
    try:
        claims = decode_unverified(issued.token)
    except PassTokenError:
        return None
    return db.session.scalar(select(FairDay.id).join(Venue).where(
        Venue.code == claims.venue, FairDay.date == claims.first_day))


def bump_entries(fair_day_id: int, pass_ids: list[int], change: ManifestChange, *,
                 now: datetime | None = None) -> None:
    """Give each pass the next change numbers of the venue-day (creating entries as needed).

    Takes the feed row's lock: call it as the last step of a transaction, after every other
    row lock (device, pool, presence, fair day), so lock order stays the same everywhere.
    """
    if not pass_ids:
        return
    now = now or utc_now()
    feed = ManifestFeed.__table__
    # Creates the counter or takes its row lock and counts on: one statement either way.
    count = len(pass_ids)
    top = db.session.execute(
        dialect_insert(feed).values(fair_day_id=fair_day_id, seq=count)
        .on_conflict_do_update(index_elements=["fair_day_id"], set_={"seq": feed.c.seq + count})
        .returning(feed.c.seq)
    ).scalar_one()
    first = top - len(pass_ids) + 1
    rows = [{"fair_day_id": fair_day_id, "pass_id": pass_id, "seq": first + offset,
             "change": change, "changed_at": now} for offset, pass_id in enumerate(pass_ids)]
    statement = dialect_insert(ManifestEntry.__table__)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["fair_day_id", "pass_id"],
        set_={"seq": statement.excluded.seq, "change": statement.excluded.change,
              "changed_at": statement.excluded.changed_at}), rows)


def current_seq(fair_day_id: int) -> int:
    return db.session.scalar(select(ManifestFeed.seq).where(
        ManifestFeed.fair_day_id == fair_day_id)) or 0


@dataclass(frozen=True)
class Cursor:
    """``seq``: every change up to it is in the client's store. ``after``: a full pull is
    under way and entries with a larger id are still to come."""

    fair_day_id: int
    seq: int
    after: int | None = None

    def __str__(self) -> str:
        tail = "" if self.after is None else f".{self.after}"
        return f"v1.{self.fair_day_id}.{self.seq}{tail}"

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        match = CURSOR_RE.fullmatch(text or "")
        if match is None:
            raise invalid_field("cursor", BAD_CURSOR, "invalid_cursor")
        fair_day_id, seq, after = match.groups()
        return cls(int(fair_day_id), int(seq), None if after is None else int(after))


def manifest_day(device: Device, requested: date | None, *, now: datetime | None = None
                 ) -> FairDay:
    """The device's venue-day: today at the venue unless ``requested`` (today .. ahead)."""
    today = venue_today(device.venue, now)
    day = requested or today
    if not today <= day <= today + timedelta(days=current_app.config["GATE_MANIFEST_DAYS_AHEAD"]):
        raise Forbidden("date_not_allowed", DATE_NOT_ALLOWED, {"date": DATE_NOT_ALLOWED})
    fair_day = db.session.scalar(select(FairDay).where(
        FairDay.venue_id == device.venue_id, FairDay.date == day))
    if fair_day is None:
        raise NotFound("day_not_found", Text("该场馆当日不开放", "This venue is not open on that day"))
    return fair_day


def manifest_page(device: Device, fair_day: FairDay, cursor_text: str | None, limit: int, *,
                  now: datetime | None = None) -> dict:
    """One page of the manifest, in wire form (built directly: 100,000 items must be fast)."""
    cursor = Cursor.parse(cursor_text) if cursor_text else None
    latest = current_seq(fair_day.id)  # read before the items: later changes come again
    reset = cursor is None or cursor.fair_day_id != fair_day.id or cursor.seq > latest
    if reset:  # first pull, another day's cursor, or a database restored behind the client
        cursor = Cursor(fair_day.id, latest, after=0)
    entry = ManifestEntry.__table__
    if cursor.after is not None:
        where, order = entry.c.id > cursor.after, entry.c.id
    else:
        where, order = entry.c.seq > cursor.seq, entry.c.seq
    zone = doors.zone_of_device(device)
    rows = db.session.execute(
        _item_query(fair_day, zone).where(entry.c.fair_day_id == fair_day.id, where)
        .order_by(order).limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    params = gate_lookup.venue_day_params(fair_day)
    rows, indexes, cut = _with_indexes(fair_day, params, rows)
    has_more = has_more or cut
    if cursor.after is not None:
        after = rows[-1].entry_id if has_more else None
        next_cursor = Cursor(fair_day.id, cursor.seq, after)
    else:
        next_cursor = Cursor(fair_day.id, rows[-1].seq if rows else cursor.seq)
    items = _items(rows, indexes, fair_day.id)
    header = manifest_header(device, fair_day, now=now, params=params)
    doors.add_item_fields(items, rows, zone, header["zone"])
    return {
        **header,
        "reset": reset, "full": cursor.after is not None,
        "appointments": items,
        "revoked": [item["serial"] for item in items if item["status"] != GateStatus.active],
        "cursor": str(next_cursor), "has_more": has_more,
    }


def manifest_header(device: Device, fair_day: FairDay, *, now: datetime | None = None,
                    params=None) -> dict:
    venue = device.venue
    keys = [{**key, "public_key": encode_public_key(key["public_key"])}
            for key in pass_service.published_keys()]
    params = params or gate_lookup.venue_day_params(fair_day)
    policy = gate_policy.policy_wire(venue, fair_day)
    return {
        "venue": venue.code, "date": fair_day.date.isoformat(),
        "server_time": (now or utc_now()).isoformat(),
        # The policy online verify decides with: the same verdicts offline.
        "policy": policy,
        "lookup_kdf": params.to_wire(),
        "keys": keys,
        # Door devices: their zone and its sessions today (None at an entrance); every
        # device: the kinds' check-in texts (services/attention.py).
        **doors.door_header(device, fair_day, policy),
    }


def _with_indexes(fair_day: FairDay, params, rows) -> tuple[list, dict[int, str], bool]:
    """The page's rows up to where its look-up indexes are ready, the indexes computed for
    them, and whether the page was cut short.

    Active items missing their index get it computed (and stored) here, for at most
    ``GATE_MANIFEST_INDEX_BUDGET_SECONDS``; the page then ends before the first item still
    missing one (``has_more``), so no active item ever goes out without its index and the
    next pull goes on from there. At least one is computed per page.
    """
    active = [row for row in rows if _status(row) == GateStatus.active]
    wanted = list(dict.fromkeys(
        row.appointment_id for row in active
        if row.gate_index is None and row.appointment_fair_day_id == fair_day.id))
    # Credential passes on a venue-day after their carrier's: their indexes of this day
    # are kept apart (models/credential_index.py).
    carried = set(row.appointment_id for row in active
                  if row.appointment_fair_day_id != fair_day.id)
    known = gate_lookup.carried_indexes(fair_day.id, carried)
    wanted += sorted(carried - known.keys())
    if not wanted:
        return rows, known, False
    ciphertexts = gate_lookup.document_ciphertexts(wanted)  # none for purged documents
    pending = {key: ciphertexts[key] for key in wanted if key in ciphertexts}
    deadline = time.monotonic() + float(current_app.config["GATE_MANIFEST_INDEX_BUDGET_SECONDS"])
    computed = gate_lookup.compute_indexes(params, pending.items(), deadline=deadline)
    gate_lookup.store_indexes(fair_day.id, {key: value for key, value in computed.items()
                                            if key not in carried})
    gate_lookup.store_carried_indexes(fair_day.id, {key: value for key, value in
                                                    computed.items() if key in carried})
    indexes = {**known, **computed}
    if len(computed) == len(pending):
        return rows, indexes, False
    for position, row in enumerate(rows):
        if row.appointment_id in pending and row.appointment_id not in indexes \
                and _status(row) == GateStatus.active:
            return rows[:position], indexes, True
    return rows, indexes, False  # not reached: a missing index belongs to an active row


def _status(row) -> GateStatus:
    return gate_status(PassStatus(row.status), row.revoke_cause,
                       AppointmentStatus(row.appointment_status))


def _item_query(fair_day: FairDay, zone=None):
    """The items' rows; at a door of ``zone`` their presence is the zone's."""
    entry, p, a = ManifestEntry.__table__, Pass.__table__, Appointment.__table__
    slot = TimeSlot.__table__
    presence = PassPresence.__table__ if zone is None else ZonePresence.__table__
    here = [] if zone is None else [presence.c.zone_id == zone.id]
    return (
        select(entry.c.id.label("entry_id"), entry.c.seq, p.c.serial, p.c.status,
               p.c.revoke_cause, p.c.kind, a.c.status.label("appointment_status"),
               a.c.id.label("appointment_id"), a.c.fair_day_id.label("appointment_fair_day_id"),
               a.c.gate_index, a.c.name_masked, a.c.document_masked, a.c.slot_id,
               slot.c.code.label("slot_code"), slot.c.starts, slot.c.ends,
               presence.c.entries, presence.c.exits, presence.c.inside,
               presence.c.last_direction, presence.c.last_gate, presence.c.last_passed_at)
        .select_from(entry)
        .join(p, p.c.id == entry.c.pass_id)
        .join(a, a.c.id == p.c.appointment_id)
        .outerjoin(slot, slot.c.id == a.c.slot_id)
        .outerjoin(presence, and_(presence.c.serial == p.c.serial,
                                  presence.c.day == fair_day.date, *here))
    )


def _items(rows, indexes: dict[int, str], fair_day_id: int) -> list[dict]:
    slots: dict[int, dict] = {}
    items = []
    for row in rows:
        status = _status(row)
        slot = None
        if row.slot_id is not None:
            slot = slots.get(row.slot_id)
            if slot is None:
                slot = slots[row.slot_id] = {"code": row.slot_code,
                                             "start": f"{row.starts:%H:%M}",
                                             "end": f"{row.ends:%H:%M}"}
        presence = None
        if row.entries or row.exits:
            presence = {"entries": row.entries, "exits": row.exits, "inside": row.inside,
                        "last_direction": row.last_direction, "last_gate": row.last_gate,
                        "last_passed_at": row.last_passed_at.isoformat()}
        items.append({
            "serial": row.serial, "status": status, "kind": row.kind, "slot": slot,
            # Kiosks keep the last two characters only: a stolen ledger must not narrow
            # the guesses (gate.masking.mask_for_gate).
            "holder": {"name": row.name_masked, "document": mask_for_gate(row.document_masked)},
            # Only active items are found by ID card: one active booking per document-day.
            # A credential's pass on a day after its carrier's has that day's own index
            # (the stored one is its carrier's venue-day's).
            "gate_index": indexes.get(row.appointment_id, row.gate_index
                                      if row.appointment_fair_day_id == fair_day_id else None)
            if status == GateStatus.active else None,
            "presence": presence, "seq": row.seq,
        })
    return items
