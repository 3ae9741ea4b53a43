"""Check-out at closing time (registration/services/checkout.py): an operator's command for
one venue or zone, and the timer's run of every check-out that is due.

Audited ``gate_checked_out`` (venue, zone, day, cut-off, how many) when it changed
something: a run that finds nobody inside writes nothing, so the timer's runs every few
minutes do not fill the audit log. The caller commits.
"""
from __future__ import annotations

from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.services import checkout as checkout_service

ROOMS_LISTED = 30


def _audit(actor: Actor, done: checkout_service.CheckOut, *, automatic: bool) -> None:
    if not done.changed:
        return
    audit(actor, "gate_checked_out", venue=done.venue,
          target=done.zone or f"{done.venue} {done.day.isoformat()}",
          details={"day": done.day.isoformat(), "at": done.at.isoformat(),
                   "zone": done.zone, "people": done.people,
                   # The first rooms by code (an entry holds 1,000 characters), and all.
                   "rooms": dict(list(done.rooms.items())[:ROOMS_LISTED]),
                   "in_rooms": sum(done.rooms.values()),
                   "pools_emptied": done.pools_emptied, "automatic": automatic})


def check_out(actor: Actor, venue: str, *, zone: str | None = None,
              at=None) -> checkout_service.CheckOut:
    """Everyone still inside ``venue`` (or ``zone``) is out as of ``at`` (default now)."""
    done = checkout_service.check_out(venue, zone_code=zone, at=at)
    _audit(actor, done, automatic=False)
    return done


def check_out_due(actor: Actor, *, venue: str | None = None, now=None
                  ) -> list[checkout_service.CheckOut]:
    """Every venue and zone whose closing time has passed by ``now`` (default: now;
    ``fairgate gate checkout --due``)."""
    done = checkout_service.due(venue_code=venue, now=now)
    for item in done:
        _audit(actor, item, automatic=True)
    return done
