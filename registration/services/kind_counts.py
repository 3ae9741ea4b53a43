"""Counts by credential kind for the dashboard and the exports, and exhibitors' badges.

- issued: passes in the venue-day's manifest that are still valid (not revoked, their
  appointment not cancelled): public bookings of the day and every credential covering it
  (multi-day credentials count on each of their days, at each venue they cover);
- admitted: passes admitted at least once that day (``PassPresence``), inside: inside now;
- exhibitors: each approved exhibitor with a stand at the venue, badges used / quota.
Every kind of gate/kinds.py appears (zero when none), in the table's order, with its
zh/en name and colour.
"""
from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from gate.kinds import KINDS
from registration.models import (
    Appointment, AppointmentStatus, FairDay, ManifestEntry, Organisation, OrganisationKind,
    Pass, PassPresence, PassStatus, ReviewStatus, Venue,
)
from registration.services.reads import read_session

# The online kind has no gate pass: it never appears in a venue's counts.
GATE_KINDS = tuple(kind for kind in KINDS if kind.value != "online")


def counts_by_kind(venue: Venue, day: date) -> list[dict]:
    """``[{kind, name: {zh, en}, colour, issued, admitted, inside}]`` for the venue-day."""
    session = read_session()
    issued = Counter(dict(session.execute(
        select(Pass.kind, func.count(func.distinct(Pass.id)))
        .join(ManifestEntry, ManifestEntry.pass_id == Pass.id)
        .join(FairDay, FairDay.id == ManifestEntry.fair_day_id)
        .join(Appointment, Appointment.id == Pass.appointment_id)
        .where(FairDay.venue_id == venue.id, FairDay.date == day,
               Pass.status == PassStatus.ACTIVE,
               Appointment.status == AppointmentStatus.ACTIVE)
        .group_by(Pass.kind)).all()))
    presence = PassPresence.__table__
    admitted, inside = Counter(), Counter()
    for kind, entered, now_inside in session.execute(
            select(presence.c.kind, func.count().filter(presence.c.entries > 0),
                   func.count().filter(presence.c.inside.is_(True)))
            .where(presence.c.venue_id == venue.id, presence.c.day == day)
            .group_by(presence.c.kind)):
        admitted[kind], inside[kind] = entered or 0, now_inside or 0
    rows = []
    for kind in GATE_KINDS:
        info = KINDS[kind]
        rows.append({"kind": kind.value, "name": info.name.as_dict(), "colour": info.colour,
                     "issued": _get(issued, kind), "admitted": _get(admitted, kind),
                     "inside": _get(inside, kind)})
    return rows


def _get(counter: Counter, kind) -> int:
    """Rows may carry the enum or its value (SQLite VARCHAR vs the PostgreSQL type)."""
    return int(counter.get(kind, 0) or counter.get(kind.value, 0))


def exhibitor_badges(venue: Venue | None = None) -> list[dict]:
    """``[{code, name: {zh, en}, hall, used, quota}]``: approved exhibitors (at ``venue``'s
    stands, or everywhere), by code."""
    query = (select(Organisation)
             .where(Organisation.kind == OrganisationKind.EXHIBITOR,
                    Organisation.status == ReviewStatus.APPROVED)
             .order_by(Organisation.code))
    if venue is not None:
        query = query.where(Organisation.stand_venue_id == venue.id)
    return [{"code": org.code, "name": {"zh": org.name_zh, "en": org.name_en},
             "hall": org.stand_hall, "used": org.badges_used, "quota": org.badge_quota}
            for org in read_session().scalars(query)]
