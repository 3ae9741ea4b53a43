"""Presence: one row per pass per day, derived from the admitted passages gates report.

Two writers keep it:
- online verify (:func:`advance`): decides from the row it read, then writes the new state
  with ``UPDATE ... WHERE id = ? AND version = ?``. If another gate admitted the pass in
  between, no row matches and the caller decides again from the fresh row: two gates
  verifying one pass at the same moment admit it once, on SQLite and PostgreSQL alike.
- uploaded events (:func:`replay`): events arrive late and out of order, so the state is
  recomputed from every admitted event of the pass that day, in scan order, with the rows
  locked first. Replaying in order is also how double admissions are found.

The same functions keep a pass's presence in a zone (a room's door gates): ``zone_id``
picks the ZonePresence rows of that zone instead of the venue's PassPresence rows, and
only the events of that zone's doors (the venue's: of its entrances) are replayed. An
annulled admission (``annulled_at``) is no passage.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select, update

from gate.passes import PassKind
from gate.presence import PresenceState
from gate.presence import replay as replay_passages
from gate.vocabulary import AnomalyCode
from registration.extensions import db
from registration.models import (
    CheckInEvent, PassPresence, ZonePresence, join_codes, split_codes,
)
from registration.services.calendar import utc_now
from registration.services.sql import dialect_insert

Key = tuple[str, date]  # (serial, venue-local day)


@dataclass(frozen=True)
class PassFacts:
    """What presence needs to know about a pass."""

    appointment_id: int | None
    kind: str = "visitor"


def table_of(zone_id: int | None = None):
    """The presence table: the venue's, or the zones' (rows of ``zone_id``)."""
    return ZonePresence.__table__ if zone_id is not None else PassPresence.__table__


def _of_place(table, zone_id: int | None) -> list:
    """The conditions picking the rows of one place (the venue, or one zone)."""
    return [table.c.zone_id == zone_id] if zone_id is not None else []


def ensure_rows(keys: set[Key], venue_id: int, facts: dict[str, PassFacts],
                zone_id: int | None = None) -> None:
    """Create the (empty) rows that do not exist yet; existing rows are left alone."""
    table = table_of(zone_id)
    now = utc_now()
    place = {"zone_id": zone_id} if zone_id is not None else {}
    rows = [{"serial": serial, "day": day, "venue_id": venue_id, **place,
             "appointment_id": facts[serial].appointment_id, "kind": facts[serial].kind,
             "inside": False, "entries": 0, "exits": 0, "version": 0, "updated_at": now}
            for serial, day in sorted(keys)]
    if rows:
        db.session.execute(dialect_insert(table).on_conflict_do_nothing(
            index_elements=["serial", "day", *place]), rows)


def read_row(serial: str, day: date, zone_id: int | None = None):
    """The committed row as it is now (Core, so no stale ORM identity map)."""
    table = table_of(zone_id)
    return db.session.execute(
        select(table).where(table.c.serial == serial, table.c.day == day,
                            *_of_place(table, zone_id))).one_or_none()


def inside_count(zone_id: int, day: date) -> int:
    """People in a zone now (its passes inside)."""
    table = table_of(zone_id)
    return db.session.scalar(select(func.count()).select_from(table).where(
        table.c.zone_id == zone_id, table.c.day == day, table.c.inside.is_(True))) or 0


def state_of(row) -> PresenceState:
    if row is None:
        return PresenceState()
    return PresenceState(inside=row.inside, entries_today=row.entries, exits_today=row.exits,
                         last_direction=row.last_direction, last_gate=row.last_gate,
                         last_passed_at=row.last_passed_at)


def advance(row, direction: str, gate: str, at: datetime, zone_id: int | None = None) -> bool:
    """Record one admitted passage (gate.presence's transition) if the row is unchanged
    since it was read."""
    table = table_of(zone_id)
    new = state_of(row).after(direction, gate, at)
    result = db.session.execute(
        update(table).where(table.c.id == row.id, table.c.version == row.version)
        .values(inside=new.inside, entries=new.entries_today, exits=new.exits_today,
                last_direction=new.last_direction, last_gate=new.last_gate,
                last_passed_at=new.last_passed_at, version=row.version + 1,
                updated_at=utc_now()))
    return result.rowcount == 1


def count_admitted(venue_id: int, day: date, kinds) -> int:
    """Distinct passes of ``kinds`` admitted at least once that day (the gate quota)."""
    table = PassPresence.__table__
    return db.session.scalar(select(func.count()).select_from(table).where(
        table.c.venue_id == venue_id, table.c.day == day, table.c.entries > 0,
        table.c.kind.in_([PassKind(k).value for k in kinds]))) or 0


@dataclass
class _Passage:
    row_id: int
    event_id: str
    gate: str
    direction: str
    scanned_at: datetime
    received_at: datetime
    anomalies: str | None

    @property
    def order(self):
        # An event cannot have happened after it arrived: a kiosk clock running ahead must
        # not reorder passages past the ones that really came later.
        return min(self.scanned_at, self.received_at), self.row_id


def replay(keys: set[Key], venue_id: int, facts: dict[str, PassFacts], reentry_allowed: bool,
           new_rows: set[int], zone_id: int | None = None) -> tuple[list[dict], set[Key]]:
    """Recompute presence for ``keys`` (in the zone ``zone_id``, else the venue) from the
    stored admitted events that are not annulled; flag double admissions. Returns the
    anomalies involving events in ``new_rows`` and the keys whose presence changed."""
    if not keys:
        return [], set()
    ensure_rows(keys, venue_id, facts, zone_id)
    table = table_of(zone_id)
    serials = sorted({serial for serial, _ in keys})
    days = sorted({day for _, day in keys})
    # Lock in one order (by id) everywhere, so two uploads never wait on each other in a
    # cycle. SQLite ignores FOR UPDATE; its single writer lock already orders uploads.
    locked = {(row.serial, row.day): row for row in db.session.execute(
        select(table).where(table.c.serial.in_(serials), table.c.day.in_(days),
                            *_of_place(table, zone_id))
        .order_by(table.c.id).with_for_update())}
    passages: dict[Key, list[_Passage]] = defaultdict(list)
    events = CheckInEvent.__table__
    for row in db.session.execute(
            select(events.c.id, events.c.event_id, events.c.serial, events.c.day,
                   events.c.gate, events.c.direction, events.c.scanned_at,
                   events.c.received_at, events.c.anomalies)
            .where(events.c.venue_id == venue_id, events.c.admit.is_(True),
                   events.c.annulled_at.is_(None),
                   events.c.zone_id.is_(None) if zone_id is None
                   else events.c.zone_id == zone_id,
                   events.c.serial.in_(serials), events.c.day.in_(days))):
        if (row.serial, row.day) in keys:
            passages[(row.serial, row.day)].append(_Passage(
                row.id, row.event_id, row.gate, row.direction, row.scanned_at,
                row.received_at, row.anomalies))
    anomalies, flagged, updates = [], {}, []
    for key in sorted(keys):
        kind = PassKind(facts[key[0]].kind)
        state, found = _walk(sorted(passages[key], key=lambda p: p.order), kind,
                             reentry_allowed)
        for earlier, later in found:
            if earlier.row_id not in new_rows and later.row_id not in new_rows:
                continue  # reported when it was found
            mine, other = (later, earlier) if later.row_id in new_rows else (earlier, later)
            anomalies.append({"event": mine.event_id, "code": AnomalyCode.double_admission,
                              "serial": key[0], "gate": mine.gate, "other_gate": other.gate,
                              "other_event": other.event_id})
            for passage in (earlier, later):
                flagged[passage.row_id] = passage
        current = locked[key]
        if state != _stored_state(current):
            updates.append({"pid": current.id, **state, "version": current.version + 1,
                            "updated_at": utc_now()})
    if updates:
        # Bind names must differ from column names in an executemany UPDATE.
        columns = [name for name in updates[0] if name != "pid"]
        db.session.execute(
            update(table).where(table.c.id == bindparam("pid")).values(
                {name: bindparam(f"v_{name}", type_=table.c[name].type) for name in columns}),
            [{"pid": u["pid"], **{f"v_{name}": u[name] for name in columns}} for u in updates])
    _flag(flagged.values(), AnomalyCode.double_admission)
    return anomalies, {key for key in keys
                       if locked[key].id in {u["pid"] for u in updates}}


def _walk(ordered: list[_Passage], kind: PassKind, reentry_allowed: bool):
    """The stored form of gate.presence.replay's state, and its double entries."""
    state, doubles = replay_passages(ordered, kind, reentry_allowed=reentry_allowed)
    return {"inside": state.inside, "entries": state.entries_today,
            "exits": state.exits_today, "last_direction": state.last_direction,
            "last_gate": state.last_gate, "last_passed_at": state.last_passed_at}, doubles


def _stored_state(row) -> dict:
    return {"inside": row.inside, "entries": row.entries, "exits": row.exits,
            "last_direction": row.last_direction, "last_gate": row.last_gate,
            "last_passed_at": row.last_passed_at}


def _flag(passages, code: str) -> None:
    """Add ``code`` to the events' anomaly lists (kept on the rows for operations)."""
    table = CheckInEvent.__table__
    params = []
    for passage in passages:
        codes = split_codes(passage.anomalies)
        if code not in codes:
            params.append({"rid": passage.row_id, "codes": join_codes([*codes, code])})
    if params:
        db.session.execute(update(table).where(table.c.id == bindparam("rid"))
                           .values(anomalies=bindparam("codes")), params)
