"""Online verify at the door of a zone: the same verdicts as an offline door kiosk.

``gate.rules.decide`` gets ``door=`` (services/doors.py door_facts: the zone, its
sessions today, the pass's seats there, the people inside) and the pass's presence IN
THE ZONE (ZonePresence); the venue's hours, quota and occupancy are the entrance's and
are not looked at. A room with a capacity keeps its places in its own pool
(``OccupancyPool.zone_id``, services/leases.py with ``zone=``): an admission takes one
with a conditional UPDATE, an exit frees it, as at the entrance.
"""
from __future__ import annotations

import dataclasses
from datetime import date, time

from gate.rules import AdmissionVerdict, AppointmentRecord, CapacityState, Scan, decide
from registration.models import FairDay, Venue
from registration.models.zone import Zone
from registration.services import doors, gate_policy, leases, presence

MAX_ATTEMPTS = 8


def decide_at_door(scan: Scan, *, zone: Zone, venue: Venue, fair_day: FairDay | None,
                   day: date, local_time: time, record: AppointmentRecord | None,
                   serial: str | None, facts: presence.PassFacts
                   ) -> tuple[AdmissionVerdict, bool]:
    """Decide at ``zone``'s door; if admitted, record the passage in the zone atomically
    (and take or free a room place). Returns the verdict and whether presence changed."""
    from registration.services.verify import BUSY, Busy

    policy = gate_policy.venue_policy(venue, fair_day)
    forums = doors.sessions(zone, day)
    limited = zone.capacity is not None and fair_day is not None
    if serial is not None:
        presence.ensure_rows({(serial, day)}, venue.id, {serial: facts}, zone.id)
    pool_full = False
    for _ in range(MAX_ATTEMPTS):
        row = presence.read_row(serial, day, zone.id) if serial is not None else None
        door = doors.door_facts(zone, day, facts.appointment_id, full=pool_full,
                                forums=forums)
        if limited and not pool_full:
            # Places held by leased door kiosks count as taken, as at the entrance.
            pool = leases.pool_summary(fair_day, zone)
            door = dataclasses.replace(door, inside_now=max(door.inside_now, pool["committed"]))
        verdict = decide(scan, venue_policy=policy, day=day, local_time=local_time,
                         record=record, revoked=False, presence=presence.state_of(row),
                         capacity=CapacityState(), door=door)
        if not verdict.admit or row is None:
            return verdict, False
        took = verdict.occupies_place and limited
        if took and not leases.take_place(fair_day, zone):
            pool_full = True  # the last place went a moment ago: decide again (room_full)
            continue
        if presence.advance(row, verdict.direction, scan.gate, scan.scanned_at, zone.id):
            if verdict.frees_place and limited:
                leases.free_place(fair_day, zone)
            return verdict, True
        if took:
            leases.give_back_place(fair_day, zone)
    raise Busy("gate_busy", BUSY)
