"""CSV exports of a venue-day (appointments, check-ins) and the daily report's figures.

Only masked identity data leaves: the database holds plain document numbers nowhere, and
these exports read the masked columns only. Cells that a spreadsheet would run as a formula
(``=``, ``+``, ``-``, ``@`` first) are quoted with a leading apostrophe.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select

from registration.extensions import db
from registration.services.kind_counts import counts_by_kind, exhibitor_badges
from registration.services.room_dashboard import forum_attendance
from registration.models import (
    Appointment, AppointmentStatus, Channel, CheckInEvent, FairDay, PassPresence, TimeSlot,
    Venue,
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

APPOINTMENT_COLUMNS = (
    "code", "venue", "date", "slot", "channel", "status", "holder", "document_type",
    "document", "booked_at", "cancelled_at", "admitted", "first_entry_gate", "last_passed_at",
)
CHECKIN_COLUMNS = (
    "scanned_at", "received_at", "gate", "direction", "admit", "reason", "offline", "source",
    "pass_serial", "appointment_code", "holder", "document", "anomalies",
)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(columns, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    # A byte-order mark so spreadsheet programs read the Chinese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else None


def appointment_rows(venue: Venue, day: date) -> list[dict]:
    zone = ZoneInfo(venue.timezone)
    a, presence = Appointment.__table__, PassPresence.__table__
    admitted: dict[int, tuple] = {}
    for row in db.session.execute(
            select(presence.c.appointment_id, presence.c.entries, presence.c.last_gate,
                   presence.c.last_passed_at)
            .where(presence.c.venue_id == venue.id, presence.c.day == day,
                   presence.c.appointment_id.is_not(None))):
        if row.entries > 0:
            admitted[row.appointment_id] = (row.last_gate, row.last_passed_at)
    rows = []
    for appointment, slot_code in db.session.execute(
            select(Appointment, TimeSlot.code).join(FairDay, FairDay.id == a.c.fair_day_id)
            .outerjoin(TimeSlot, TimeSlot.id == a.c.slot_id)
            .where(FairDay.venue_id == venue.id, FairDay.date == day)
            .order_by(a.c.id)):
        entered = admitted.get(appointment.id)
        rows.append({
            "code": appointment.code, "venue": venue.code, "date": day.isoformat(),
            "slot": slot_code, "channel": appointment.channel.value,
            "status": appointment.status.value, "holder": appointment.name_masked,
            "document_type": appointment.document_type,
            "document": appointment.document_masked,
            "booked_at": _local(appointment.created_at, zone),
            "cancelled_at": _local(appointment.cancelled_at, zone),
            "admitted": entered is not None,
            "first_entry_gate": entered[0] if entered else None,
            "last_passed_at": _local(entered[1], zone) if entered else None,
        })
    return rows


def appointments_csv(venue: Venue, day: date) -> bytes:
    return _csv(APPOINTMENT_COLUMNS, appointment_rows(venue, day))


def checkin_rows(venue: Venue, day: date) -> list[dict]:
    zone = ZoneInfo(venue.timezone)
    e, a = CheckInEvent.__table__, Appointment.__table__
    query = (select(e, a.c.code.label("appointment_code"), a.c.name_masked,
                    a.c.document_masked)
             .select_from(e)
             .outerjoin(a, a.c.id == e.c.appointment_id)
             .where(e.c.venue_id == venue.id, e.c.day == day)
             .order_by(e.c.scanned_at, e.c.id))
    return [{
        "scanned_at": _local(row.scanned_at, zone), "received_at": _local(row.received_at, zone),
        "gate": row.gate, "direction": row.direction, "admit": row.admit, "reason": row.reason,
        "offline": row.offline, "source": row.source, "pass_serial": row.serial,
        "appointment_code": row.appointment_code, "holder": row.name_masked,
        "document": row.document_masked, "anomalies": row.anomalies,
    } for row in db.session.execute(query)]


def checkins_csv(venue: Venue, day: date) -> bytes:
    return _csv(CHECKIN_COLUMNS, checkin_rows(venue, day))


@dataclass(frozen=True)
class DailyFigures:
    """What the daily report draws."""

    venue: Venue
    day: date
    quota: int
    booked: int
    by_channel: dict[str, int]   # active appointments per channel
    cancelled: int
    admitted: int                # appointments admitted at least once
    no_shows: int                # active appointments never admitted
    arrivals_by_hour: dict[int, int]  # first admitted entry of each pass, venue-local hour
    anomalies: int
    # Per forum of the day (services/room_dashboard.py): seats, booked, attended, no-shows.
    forums: tuple[dict, ...] = ()


def daily_figures(venue: Venue, day: date, *, now: datetime | None = None) -> DailyFigures:
    """The report's figures; ``now`` decides which forums' doors have closed (no-shows)."""
    zone = ZoneInfo(venue.timezone)
    fair_day = db.session.scalar(select(FairDay).where(FairDay.venue_id == venue.id,
                                                       FairDay.date == day))
    a = Appointment.__table__
    channels, cancelled = Counter(), 0
    active_ids = set()
    for appointment_id, channel, status in db.session.execute(
            select(a.c.id, a.c.channel, a.c.status).join(FairDay, FairDay.id == a.c.fair_day_id)
            .where(FairDay.venue_id == venue.id, FairDay.date == day)):
        if AppointmentStatus(status) is AppointmentStatus.ACTIVE:
            channels[Channel(channel).value] += 1
            active_ids.add(appointment_id)
        else:
            cancelled += 1
    e = CheckInEvent.__table__
    first_entry: dict[str, datetime] = {}
    admitted_appointments = set()
    for serial, appointment_id, scanned_at in db.session.execute(
            select(e.c.serial, e.c.appointment_id, e.c.scanned_at)
            .where(e.c.venue_id == venue.id, e.c.day == day, e.c.admit.is_(True),
                   e.c.direction == "in", e.c.serial.is_not(None))):
        if serial not in first_entry or scanned_at < first_entry[serial]:
            first_entry[serial] = scanned_at
        if appointment_id is not None:
            admitted_appointments.add(appointment_id)
    hours = Counter(moment.astimezone(zone).hour for moment in first_entry.values())
    anomalies = db.session.scalar(select(func.count()).select_from(e).where(
        and_(e.c.venue_id == venue.id, e.c.day == day, e.c.anomalies.is_not(None)))) or 0
    return DailyFigures(
        venue=venue, day=day, quota=fair_day.quota if fair_day else 0,
        booked=fair_day.booked if fair_day else 0,
        by_channel={channel.value: channels[channel.value] for channel in Channel},
        cancelled=cancelled, admitted=len(admitted_appointments & active_ids),
        no_shows=len(active_ids - admitted_appointments),
        arrivals_by_hour=dict(sorted(hours.items())), anomalies=anomalies,
        forums=tuple(forum_attendance(venue, day, db.session, now=now)))


FORUM_COLUMNS = ("venue", "date", "forum", "room", "title_zh", "title_en", "starts", "ends",
                 "seats", "booked", "attended", "no_shows")


def forums_csv(venue: Venue, day: date) -> bytes:
    """Forum attendance of the venue-day: counts only (no-shows empty while a forum's doors
    are still to close)."""
    return _csv(FORUM_COLUMNS, [
        {"venue": venue.code, "date": day.isoformat(), "forum": row["code"],
         "room": row["zone"], "title_zh": row["title"]["zh"], "title_en": row["title"]["en"],
         "starts": row["starts"], "ends": row["ends"], "seats": row["seats"],
         "booked": row["booked"], "attended": row["attended"], "no_shows": row["no_shows"]}
        for row in forum_attendance(venue, day, db.session)])


KIND_COLUMNS = ("venue", "date", "kind", "kind_zh", "kind_en", "colour", "issued", "admitted",
                "inside")
EXHIBITOR_COLUMNS = ("venue", "organisation", "name_zh", "name_en", "hall", "badges_used",
                     "badge_quota")


def kinds_csv(venue: Venue, day: date) -> bytes:
    """The venue-day's passes issued, admitted and inside per credential kind."""
    return _csv(KIND_COLUMNS, [
        {"venue": venue.code, "date": day.isoformat(), "kind": row["kind"],
         "kind_zh": row["name"]["zh"], "kind_en": row["name"]["en"], "colour": row["colour"],
         "issued": row["issued"], "admitted": row["admitted"], "inside": row["inside"]}
        for row in counts_by_kind(venue, day)])


def exhibitor_badges_csv(venue: Venue) -> bytes:
    """Each approved exhibitor with a stand at the venue: badges used / quota."""
    return _csv(EXHIBITOR_COLUMNS, [
        {"venue": venue.code, "organisation": row["code"], "name_zh": row["name"]["zh"],
         "name_en": row["name"]["en"], "hall": row["hall"], "badges_used": row["used"],
         "badge_quota": row["quota"]}
        for row in exhibitor_badges(venue)])
