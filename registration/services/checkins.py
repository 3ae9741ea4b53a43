"""Check-in events from the gates (batch upload) and online verification of single scans.

Uploads are idempotent by (device, client event id): rows go in with INSERT ... ON CONFLICT
DO NOTHING, so a retried batch, or two copies of one batch racing each other, store each
event once and report the rest as duplicates. Nothing a gate reports is dropped: events
for unknown passes, from the future or the distant past are stored with an anomaly code.
An event is applied only to a pass of the device's own venue: a pass of another venue is
stored for the record (``wrong_venue``) and changes nobody's presence.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select, update

from gate.i18n import Text
from gate.reasons import Reason
from gate.vocabulary import AnomalyCode, GateStatus
from registration.extensions import db
from registration.models import (
    Appointment, CheckInEvent, Credential, CredentialGateIndex, Device, FairDay, Gate,
    ManifestChange, ManifestEntry, Pass, gate_status, join_codes, split_codes,
)
from registration.observability import SYNC_LAG, VERDICTS
from registration.services import manifest, presence
from registration.services.calendar import utc_now
from registration.services.errors import ServiceError
from registration.services.sql import chunks, dialect_insert


@dataclass(frozen=True)
class PassInfo:
    """A pass as the gate services need it."""

    serial: str
    pass_id: int
    appointment_id: int
    kind: str
    status: GateStatus  # as in the manifest
    revoked_at: datetime | None
    fair_day_id: int
    venue_id: int
    # A credential's pass (its carrier appointment sits at the first venue-day only): the
    # credential's venue (None: every venue) and days.
    credential_id: int | None = None
    credential_venue_id: int | None = None
    first_day: date | None = None
    last_day: date | None = None

    @property
    def facts(self) -> presence.PassFacts:
        return presence.PassFacts(self.appointment_id, self.kind)

    def admits_at(self, venue_id: int) -> bool:
        """Whether the pass belongs to this venue (a credential's: any venue it covers)."""
        if self.credential_id is None:
            return self.venue_id == venue_id
        return self.credential_venue_id is None or self.credential_venue_id == venue_id

    def covers(self, day: date) -> bool:
        if self.credential_id is None:
            return False
        return self.first_day <= day <= self.last_day


def with_credential(query):
    """``query`` (of passes joined to their appointments) with the credential's venue and
    days beside each pass: what :func:`pass_info` reads."""
    return (query.add_columns(Appointment.credential_id, Credential.venue_id.label("c_venue_id"),
                              Credential.first_day, Credential.last_day)
            .outerjoin(Credential, Credential.id == Appointment.credential_id))


def _pass_query():
    return with_credential(
        select(Pass.serial, Pass.id, Pass.appointment_id, Pass.kind, Pass.status,
               Pass.revoke_cause, Pass.revoked_at, Appointment.status.label("a_status"),
               Appointment.fair_day_id, Appointment.gate_index, FairDay.venue_id)
        .join(Appointment, Appointment.id == Pass.appointment_id)
        .join(FairDay, FairDay.id == Appointment.fair_day_id))


def pass_info(row) -> PassInfo:
    status = gate_status(row.status, row.revoke_cause, row.a_status)
    return PassInfo(row.serial, row.id, row.appointment_id, row.kind, status, row.revoked_at,
                    row.fair_day_id, row.venue_id, row.credential_id, row.c_venue_id,
                    row.first_day, row.last_day)


def passes_by_serial(serials) -> dict[str, PassInfo]:
    found = {}
    for part in chunks(sorted(set(serials))):
        for row in db.session.execute(_pass_query().where(Pass.serial.in_(part))):
            found[row.serial] = pass_info(row)
    return found


def passes_by_gate_index(fair_day_ids, indexes) -> dict[tuple[int, str], PassInfo]:
    """(fair day, look-up index) -> the pass of the booking found (active bookings first)."""
    found: dict[tuple[int, str], PassInfo] = {}
    if not fair_day_ids:
        return found
    carried = CredentialGateIndex.__table__
    for part in chunks(sorted(set(indexes))):
        rows = list(db.session.execute(_pass_query().add_columns(
            Appointment.fair_day_id.label("index_day"), Appointment.gate_index.label("index"))
            .where(Appointment.fair_day_id.in_(fair_day_ids), Appointment.gate_index.in_(part))
            .order_by(Pass.id)))
        # Credential passes on the venue-days after their carrier's (their own indexes).
        rows += db.session.execute(_pass_query().add_columns(
            carried.c.fair_day_id.label("index_day"), carried.c.gate_index.label("index"))
            .join(carried, carried.c.appointment_id == Appointment.id)
            .where(carried.c.fair_day_id.in_(fair_day_ids), carried.c.gate_index.in_(part))
            .order_by(Pass.id)).all()
        for row in rows:
            info, key = pass_info(row), (row.index_day, row.index)
            # The latest pass of the active booking wins over a cancelled booking's.
            if key not in found or info.status is GateStatus.active \
                    or found[key].status is not GateStatus.active:
                found[key] = info
    return found


def event_digest(event: dict) -> str:
    canonical = {**event, "scanned_at": event["scanned_at"].astimezone(timezone.utc).isoformat()}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def store_events(device: Device, events: list[dict], *, now: datetime | None = None) -> dict:
    """Store a batch of check-in events; answer accepted / duplicate ids and anomalies.
    ``events`` come from ``schemas.gate.EventBatchSchema`` with gates already checked."""
    now = now or utc_now()
    venue = device.venue
    zone = ZoneInfo(venue.timezone)
    skew = timedelta(seconds=current_app.config["GATE_CLOCK_SKEW_SECONDS"])
    max_age = timedelta(hours=current_app.config["GATE_EVENT_MAX_AGE_HOURS"])
    rows, duplicates, seen = [], [], set()
    for event in events:
        if event["id"] in seen:
            duplicates.append(event["id"])
            continue
        seen.add(event["id"])
        flags = []
        if event["scanned_at"] > now + skew:
            flags.append(AnomalyCode.future_timestamp)
        elif event["scanned_at"] < now - max_age:
            flags.append(AnomalyCode.stale_timestamp)
        rows.append({"event": event, "day": event["scanned_at"].astimezone(zone).date(),
                     "flags": flags})
    _resolve(rows, venue.id)
    door_zones = _door_zones(venue.id)
    for r in rows:
        r["zone_id"] = door_zones.get(r["event"]["gate"])
    table = CheckInEvent.__table__
    inserted: dict[str, int] = {}
    if rows:
        statement = (dialect_insert(table)
                     .on_conflict_do_nothing(index_elements=["device_id", "event_id"])
                     .returning(table.c.event_id, table.c.id))
        inserted = dict(db.session.execute(
            statement, [_row_values(device, r, now) for r in rows]).all())
    accepted = [r for r in rows if r["event"]["id"] in inserted]
    anomalies = [{"event": r["event"]["id"], "code": flag, "serial": r["serial"]}
                 for r in accepted for flag in r["flags"]]
    repeated = [r for r in rows if r["event"]["id"] not in inserted]
    duplicates.extend(r["event"]["id"] for r in repeated)
    anomalies += _duplicate_anomalies(device, repeated)
    annulled, refused = _annuls(device, accepted, inserted)
    anomalies += refused
    anomalies += _apply_presence(venue, accepted, inserted, now, annulled)
    for r in accepted:
        VERDICTS.labels(r["event"]["reason"], "kiosk").inc()
        SYNC_LAG.observe(max((now - r["event"]["scanned_at"]).total_seconds(), 0))
    return {"accepted": [r["event"]["id"] for r in accepted], "duplicates": duplicates,
            "anomalies": anomalies, "server_time": now}


def _resolve(rows: list[dict], venue_id: int) -> None:
    """Find each event's pass (by serial, or by look-up index in its venue-day), of this
    venue only: a serial of another venue's pass is flagged ``wrong_venue`` and matched to
    nothing, so the event is kept but touches neither that pass's presence nor its
    appointment (a device of one venue must not mark another venue's visitors inside)."""
    by_serial = passes_by_serial(r["event"]["pass_serial"] for r in rows
                                 if r["event"]["pass_serial"])
    days = {r["day"] for r in rows}
    fair_days = dict(db.session.execute(select(FairDay.date, FairDay.id).where(
        FairDay.venue_id == venue_id, FairDay.date.in_(days))).all()) if days else {}
    by_index = passes_by_gate_index(
        list(fair_days.values()),
        [r["event"]["document_index"] for r in rows if r["event"]["document_index"]])
    for r in rows:
        event = r["event"]
        r["fair_day_id"] = fair_days.get(r["day"])
        foreign = False
        if event["pass_serial"]:
            info = by_serial.get(event["pass_serial"])
            if info is not None and not info.admits_at(venue_id):
                info, foreign = None, True
        elif event["document_index"]:
            info = by_index.get((r["fair_day_id"], event["document_index"]))
        else:
            info = None  # an unidentified scan (unreadable code): kept, nothing to match
        r["info"] = info
        r["serial"] = info.serial if info else event["pass_serial"]
        if foreign:
            r["flags"].append(AnomalyCode.wrong_venue)
        elif info is None and (event["pass_serial"] or event["document_index"]):
            r["flags"].append(AnomalyCode.unknown_pass)
        elif info is not None and event["admit"] and event["direction"] == "in" \
                and info.revoked_at is not None and info.revoked_at <= event["scanned_at"]:
            r["flags"].append(AnomalyCode.revoked_pass_admitted)


def _row_values(device: Device, r: dict, now: datetime) -> dict:
    event, info = r["event"], r["info"]
    return {"device_id": device.id, "event_id": event["id"], "venue_id": device.venue_id,
            "day": r["day"], "serial": r["serial"], "document_index": event["document_index"],
            "appointment_id": info.appointment_id if info else None, "gate": event["gate"],
            "direction": event["direction"], "admit": event["admit"],
            "reason": event["reason"], "scanned_at": event["scanned_at"], "received_at": now,
            "offline": event["offline"], "source": "upload",
            "anomalies": join_codes(r["flags"]) or None, "digest": event_digest(event),
            "zone_id": r["zone_id"], "annuls": event.get("annuls") if _is_annul(event) else None}


def _is_annul(event: dict) -> bool:
    """An annul event; ``annuls`` on any other event is ignored."""
    return bool(event.get("annuls")) and event["reason"] == Reason.annulled.value \
        and not event["admit"]


def _door_zones(venue_id: int) -> dict[str, int]:
    """Gate code -> zone id of the venue's door gates (entrances are not in it)."""
    return dict(db.session.execute(select(Gate.code, Gate.zone_id).where(
        Gate.venue_id == venue_id, Gate.zone_id.is_not(None))).all())


def _annuls(device: Device, accepted: list[dict], inserted: dict[str, int]):
    """Apply the batch's new annul events (services/annul.py): the admissions annulled for
    the first time, and an ``annul_refused`` anomaly (flagged on the annul event) for
    each annul of no admission of this device or after the window."""
    from registration.services import annul

    done, anomalies = [], []
    for r in accepted:
        event = r["event"]
        if not _is_annul(event):
            continue
        try:
            outcome = annul.annul_admission(device, event["annuls"], at=event["scanned_at"])
        except ServiceError:
            anomalies.append({"event": event["id"], "code": AnomalyCode.annul_refused,
                              "serial": r["serial"]})
            r["flags"].append(AnomalyCode.annul_refused)
            db.session.execute(update(CheckInEvent.__table__).where(
                CheckInEvent.__table__.c.id == inserted[event["id"]])
                .values(anomalies=join_codes(r["flags"])))
            continue
        if outcome.first:
            done.append(outcome)
    return done, anomalies


def _duplicate_anomalies(device: Device, repeated: list[dict]) -> list[dict]:
    """Anomalies stored with events already known (an answer lost in transit is not lost),
    and ``id_reused`` when a known id comes back with other content."""
    if not repeated:
        return []
    table = CheckInEvent.__table__
    stored = {row.event_id: row for row in db.session.execute(
        select(table.c.event_id, table.c.digest, table.c.anomalies, table.c.serial).where(
            table.c.device_id == device.id,
            table.c.event_id.in_([r["event"]["id"] for r in repeated])))}
    anomalies = []
    for r in repeated:
        row = stored.get(r["event"]["id"])
        if row is None:
            continue
        codes = split_codes(row.anomalies)
        if row.digest != event_digest(r["event"]):
            codes.append(AnomalyCode.id_reused)
        anomalies += [{"event": row.event_id, "code": c, "serial": row.serial} for c in codes]
    return anomalies


def _apply_presence(venue, accepted: list[dict], inserted: dict[str, int],
                    now: datetime, annulled=()) -> list[dict]:
    """Replay presence for the passes admitted in this batch, and those whose admission
    was annulled, in the place of each gate (the venue, or a door's zone); tell other
    kiosks."""
    passages = [r for r in accepted if r["event"]["admit"] and r["info"] is not None]
    places: dict[int | None, dict] = {}
    for r in passages:
        places.setdefault(r["zone_id"], {})[(r["serial"], r["day"])] = r["info"]
    _add_annulled(places, annulled)
    return _replay_places(venue, places, {inserted[r["event"]["id"]] for r in passages}, now)


def _add_annulled(places: dict, annulled) -> None:
    by_serial = passes_by_serial(a.event.serial for a in annulled if a.event.serial)
    for a in annulled:
        info = by_serial.get(a.event.serial) if a.event.serial else None
        if info is not None:
            places.setdefault(a.event.zone_id, {})[(a.event.serial, a.event.day)] = info


def replay_annulled(venue, annulled, now: datetime) -> None:
    """Presence of the passes whose admissions were annulled (POST /api/v1/gate/annul)."""
    places: dict = {}
    _add_annulled(places, annulled)
    _replay_places(venue, places, set(), now)


def _replay_places(venue, places: dict, new_rows: set[int], now: datetime) -> list[dict]:
    anomalies: list[dict] = []
    per_day: dict[int, set[int]] = {}
    day_ids: dict = {}
    for zone_id in sorted(places, key=lambda z: (z is not None, z or 0)):
        infos = places[zone_id]
        # People step out of a room and back in: doors always allow re-entry.
        found, changed = presence.replay(
            set(infos), venue.id, {serial: info.facts for (serial, _), info in infos.items()},
            True if zone_id is not None else venue.reentry_allowed, new_rows, zone_id=zone_id)
        anomalies += found
        for serial, day in changed:
            if day not in day_ids:
                day_ids[day] = db.session.scalar(select(FairDay.id).where(
                    FairDay.venue_id == venue.id, FairDay.date == day))
            if day_ids[day] is not None:
                per_day.setdefault(day_ids[day], set()).add(infos[(serial, day)].pass_id)
    bump_listed(per_day, now)
    return anomalies


def bump_listed(per_day: dict[int, set[int]], now: datetime) -> None:
    """Bump the manifest entries of passes whose presence changed (those in the manifest)."""
    for fair_day_id in sorted(per_day):
        listed = db.session.scalars(select(ManifestEntry.pass_id).where(
            ManifestEntry.fair_day_id == fair_day_id,
            ManifestEntry.pass_id.in_(sorted(per_day[fair_day_id])))).all()
        manifest.bump_entries(fair_day_id, sorted(listed), ManifestChange.PRESENCE, now=now)


class BatchTooLarge(ServiceError):
    status = 413


TOO_LARGE = Text("一次上传的事件过多", "Too many events in one upload")


def check_batch_size(body) -> None:
    """413 for a batch above GATE_EVENT_BATCH_MAX events, before any event is validated or
    stored: the kiosk must split it. (A body above MAX_BATCH_BYTES never gets here: it is
    refused with 413 before it is read, registration/hardening.py.)"""
    limit = current_app.config["GATE_EVENT_BATCH_MAX"]
    events = body.get("events") if isinstance(body, dict) else None
    if isinstance(events, list) and len(events) > limit:
        message = Text(f"一次最多上传 {limit} 条事件", f"Upload at most {limit} events at a time")
        raise BatchTooLarge("batch_too_large", TOO_LARGE, {"events": message})
