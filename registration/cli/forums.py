"""`fairgate forum set / list / seat-cancel`: forums (sessions) in a venue's zones, audited
as ``cli:<login>`` like the staff page's changes (docs/forums.md). Times are ISO 8601; one
without an offset is the venue's local time. `seat-cancel` takes a seat back as staff do on
the forum's seats page (the freed seat is offered to the waiting list)."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext

from gate.i18n import Text
from registration.actions import forums as forum_actions
from registration.actions import seats as seat_actions
from registration.actions.actors import Actor
from registration.cli.common import transaction
from registration.cli.zones import naming_options
from registration.services import forum_roster
from registration.services import forums as forum_service
from registration.services import seats as seat_service
from registration.services import venues as venue_service
from registration.services import zones as zone_service
from registration.services.errors import invalid_field
from registration.services.operations import KEEP

FORUM_HINTS = {
    "unknown_zone": Text("先用 fairgate zone set 建立区域，或用 fairgate zone list 查看",
                         "make it first with fairgate zone set, or see fairgate zone list"),
    "not_fair_day": Text("先用 fairgate day set 设定展会日",
                         "make the day first with fairgate day set"),
}
FORUM_OPTIONS = {"code": "CODE", "zone": "--zone", "title_zh": "--title-zh",
                 "title_en": "--title-en", "title": "--title-zh/--title-en",
                 "starts": "--start", "ends": "--end", "seats": "--seats", "kinds": "--kinds",
                 "doors_open_minutes": "--doors-open", "admit_until_minutes": "--admit-until",
                 "registration_opens": "--registration-opens",
                 "registration_closes": "--registration-closes", "day": "--day",
                 "venue": "--venue"}
BAD_DAY = Text("日期须为 YYYY-MM-DD 格式", "A day is YYYY-MM-DD")


def given(value):
    """An option left out keeps the forum's current value."""
    return KEEP if value is None else value


@click.group("forum")
def forum_group():
    """Forums (sessions) held in forum and meeting rooms."""


@forum_group.command("set")
@click.argument("code")
@click.option("--zone", default=None, metavar="ZONE", help="The room's zone code, e.g. CNCC-R301.")
@click.option("--title-zh", default=None)
@click.option("--title-en", default=None)
@click.option("--start", default=None, metavar="ISO", help="e.g. 2026-09-05T09:30")
@click.option("--end", default=None, metavar="ISO", help="e.g. 2026-09-05T11:00")
@click.option("--seats", default=None, metavar="N")
@click.option("--kinds", default=None, metavar="KINDS",
              help="Pass kinds that may register, e.g. visitor,professional ('' for all).")
@click.option("--doors-open", default=None, metavar="MIN",
              help="Doors open this many minutes before the start (default 30).")
@click.option("--admit-until", default=None, metavar="MIN",
              help="Doors admit until this many minutes after the start (default 20).")
@click.option("--registration-opens", default=None, metavar="ISO",
              help="Seats may be reserved from then ('' : at once).")
@click.option("--registration-closes", default=None, metavar="ISO",
              help="Seats may be reserved until then ('' : until the start).")
@with_appcontext
def forum_set(code, zone, title_zh, title_en, start, end, seats, kinds, doors_open,
              admit_until, registration_opens, registration_closes):
    """Create or change forum CODE (options left out stay as they are)."""
    with transaction(hints=FORUM_HINTS), naming_options(FORUM_OPTIONS):
        existed = forum_service.get_forum(code or "") is not None
        forum = forum_actions.set_forum(
            Actor.operator(), code, zone=given(zone), title_zh=given(title_zh),
            title_en=given(title_en), starts=given(start), ends=given(end),
            seats=given(seats), kinds=given(kinds), doors_open_minutes=given(doors_open),
            admit_until_minutes=given(admit_until),
            registration_opens=given(registration_opens),
            registration_closes=given(registration_closes))
        row = _row(forum)
    done = "changed / 已更改" if existed else "created / 已创建"
    click.echo(f"forum {forum.code} {done}: " + "  ".join(row[1:]))


def _row(forum) -> list[str]:
    local = ZoneInfo(forum.zone.venue.timezone)
    starts, ends = forum.starts.astimezone(local), forum.ends.astimezone(local)
    return [forum.code, f"{starts:%Y-%m-%d}", f"{starts:%H:%M}-{ends:%H:%M}",
            forum.zone.code, f"{forum.seats_taken}/{forum.seats}",
            ",".join(forum.kind_list) or "all kinds", f"{forum.title_zh} / {forum.title_en}"]


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise invalid_field("day", BAD_DAY, "invalid_day") from None


@forum_group.command("list")
@click.option("--day", default=None, metavar="YYYY-MM-DD", help="Only forums on this day.")
@click.option("--venue", default=None, help="Only this venue's forums.")
@with_appcontext
def forum_list(day, venue):
    """Forums by start, with seats taken/total."""
    with transaction(), naming_options(FORUM_OPTIONS):
        wanted = _day(day)
        if venue and venue_service.get_venue(venue.strip().upper()) is None:
            raise invalid_field("venue", zone_service.UNKNOWN_VENUE, "unknown_venue")
        rows = [_row(forum) for forum in forum_service.listing(day=wanted, venue=venue)]
    click.echo("code\tday\ttime\tzone\tseats taken/total\tkinds\ttitle")
    for row in rows:
        click.echo("\t".join(row))


@forum_group.command("seat-cancel")
@click.argument("forum")
@click.option("--code", required=True, metavar="BOOKING_CODE",
              help="The seat holder's confirmation code (or credential code).")
@with_appcontext
def forum_seat_cancel(forum, code):
    """Take back the seat held in FORUM through booking BOOKING_CODE."""
    with transaction(), naming_options({"code": "--code"}):
        held = seat_service.get_forum(seat_actions.normal_code(forum))
        seat = forum_roster.seat_by_booking_code(held, code)
        cancelled = seat_actions.cancel_by_staff(Actor.operator(), seat)
        name, offered = seat.appointment.name_masked, cancelled.offer is not None
        forum_code = held.code
    then = ("offered to the first in line / 已通知候补名单第一位" if offered
            else "free again / 座位已释放")
    click.echo(f"forum {forum_code}: seat of {name} taken back / 已收回座位; {then}")
