"""An appointment as an iCalendar (RFC 5545) event, for "add to calendar", with one more
event per forum seat the holder has reserved.

Times are written in UTC (``...Z``) so every calendar program places the event right
without a VTIMEZONE block; the entry window is the slot when the day has slots, else the
venue's opening hours.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from gate.i18n import Text
from registration.models import Appointment

PRODUCT_ID = "-//fairgate//CIFTIS visitor registration//EN"
LINE_LIMIT = 75  # octets per content line before folding


def escape_text(value: str) -> str:
    """TEXT value escaping: backslash, semicolon, comma and newlines."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        limit = LINE_LIMIT if not parts else LINE_LIMIT - 1  # continuation lines start " "
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


@dataclass(frozen=True)
class SeatEvent:
    """A reserved forum seat as a calendar event (aware start and end)."""

    uid: str
    starts: datetime
    ends: datetime
    summary: str
    location: str
    description: str


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _seat_lines(event: SeatEvent, stamp: datetime, url: str | None) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{event.uid}@fairgate",
        f"DTSTAMP:{_stamp(stamp)}",
        f"DTSTART:{_stamp(event.starts)}",
        f"DTEND:{_stamp(event.ends)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"LOCATION:{escape_text(event.location)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        *([f"URL:{url}"] if url else []),
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]


def _utc(day: date, moment: time, zone: str) -> str:
    local = datetime.combine(day, moment, tzinfo=ZoneInfo(zone))
    return local.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def appointment_ics(appointment: Appointment, *, lang: str, summary: Text, description: str,
                    serial: str, url: str | None = None, now: datetime | None = None,
                    seats: tuple[SeatEvent, ...] | list[SeatEvent] = ()) -> bytes:
    """One VEVENT for the appointment's entry window at its venue, and one per seat.

    ``url`` (the pass page) must come from the configured public address
    (``registration.links.public_url_for``), never from the request's Host header."""
    fair_day = appointment.fair_day
    venue = fair_day.venue
    starts, ends = ((appointment.slot.starts, appointment.slot.ends) if appointment.slot
                    else (fair_day.opens, fair_day.closes))
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{serial}@fairgate",
        f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART:{_utc(appointment.day, starts, venue.timezone)}",
        f"DTEND:{_utc(appointment.day, ends, venue.timezone)}",
        f"SUMMARY:{escape_text(summary.in_language(lang))}",
        f"LOCATION:{escape_text(venue.name.in_language(lang))}",
        f"DESCRIPTION:{escape_text(description)}",
        *([f"URL:{url}"] if url else []),
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        *(line for seat in seats for line in _seat_lines(seat, stamp, url)),
        "END:VCALENDAR",
    ]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()
