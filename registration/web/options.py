"""Venue-day (and slot) choices for forms that pick one from a list: changing an
appointment and registering a group. A choice is written ``VENUE|YYYY-MM-DD|SLOT``."""
from __future__ import annotations

from datetime import date

from flask_babel import get_translations

from registration.services import venues as venue_service
from registration.web.locale import day_label, number, tr


def _places(count: int) -> str:
    # Flask-Babel's ngettext fills %(num)s with the bare count; this one is formatted (12,000).
    text = get_translations().ngettext("%(num)s place left", "%(num)s places left", count)
    return text % {"num": number(count)}


def bookable_options(exclude: tuple[int, int | None] | None = None) -> list[tuple[str, str]]:
    """Every open venue-day (each open slot on days with slots) with its places left;
    ``exclude`` is a ``(fair_day_id, slot_id)`` pair to leave out (the current booking)."""
    options = []
    for venue, days in venue_service.list_venues_with_days():
        for fair_day in days:
            if venue_service.day_status(fair_day) != "open":
                continue
            head = f"{tr(venue.name)} · {day_label(fair_day.date)}"
            if not fair_day.slots:
                if exclude != (fair_day.id, None):
                    options.append((f"{venue.code}|{fair_day.date.isoformat()}|",
                                    f"{head} · {_places(fair_day.remaining_online)}"))
                continue
            for slot in fair_day.slots:
                if slot.remaining <= 0 or exclude == (fair_day.id, slot.id):
                    continue
                remaining = min(slot.remaining, fair_day.remaining_online)
                options.append((f"{venue.code}|{fair_day.date.isoformat()}|{slot.code}",
                                f"{head} · {slot.label} · {_places(remaining)}"))
    return options


def parse_option(value: str) -> tuple[str, date, str | None]:
    """``(venue, day, slot)`` of a choice; ValueError when it is not one."""
    venue, day, slot = (value or "").split("|")
    return venue, date.fromisoformat(day), slot or None
