"""`fairgate venue`, `fairgate day`, `fairgate purge`."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext

from gate.i18n import Text
from registration.actions import operations as operation_actions
from registration.actions.actors import Actor
from registration.cli.common import parse_date, parse_time, transaction
from registration.actions import retention
from registration.actions import waitingroom as waitingroom_actions
from registration.services import venues
from registration.services.operations import KEEP

DAY_HINTS = {
    "quota_below_reserve": Text("在同一命令中加上 --walk-in-reserve N，N 不超过名额",
                                "in the same command: --walk-in-reserve N, with N at most "
                                "the quota"),
}


@click.group("venue")
def venue_group():
    """Venues and their gates."""


@venue_group.command("set")
@click.argument("code")
@click.option("--name-zh", required=True)
@click.option("--name-en", required=True)
@click.option("--gate", "gates", multiple=True, help="Gate code, e.g. CNCC-E1 (repeatable).")
@click.option("--id-check", "id_check", default=None, metavar="KINDS",
              help="Pass kinds that must also show the ID card, e.g. exhibitor,staff "
                   "('' for none).")
@with_appcontext
def venue_set(code, name_zh, name_en, gates, id_check):
    """Create or rename a venue."""
    kinds = None if id_check is None else id_check.split(",")
    with transaction():
        venue = operation_actions.set_venue(Actor.operator(), code, name_zh, name_en,
                                            gates=list(gates), id_check_kinds=kinds)
    checks = ", ".join(venue.id_check_kind_list) or "none"
    click.echo(f"venue {venue.code}: {venue.name_zh} / {venue.name_en}; ID check: {checks}")


@venue_group.command("list")
@with_appcontext
def venue_list():
    """Venues with their days and remaining places."""
    for venue, days in venues.list_venues_with_days():
        click.echo(f"{venue.code}\t{venue.name_zh} / {venue.name_en}")
        for day in days:
            click.echo(f"  {day.date}  {day.opens:%H:%M}-{day.closes:%H:%M}  "
                       f"booked {day.booked}/{day.quota}  online left {day.remaining_online}")


NO_OPENING = "none"


def parse_booking_opens(ctx, param, value):
    if value is None or value.strip().lower() == NO_OPENING:
        return None if value is None else NO_OPENING
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DDTHH:MM[+08:00] or none / "
                                 "请使用 YYYY-MM-DDTHH:MM[+08:00] 或 none") from None


def in_venue_zone(moment: datetime, zone: str) -> datetime:
    """A time without a zone is the venue's local time."""
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


@click.group("day")
def day_group():
    """Fair days: opening hours and quotas."""


@day_group.command("set")
@click.argument("venue")
@click.argument("day", callback=parse_date)
@click.option("--quota", type=click.IntRange(min=0), required=True)
@click.option("--occupancy-limit", type=click.IntRange(min=1))
@click.option("--walk-in-reserve", type=click.IntRange(min=0))
@click.option("--opens", callback=parse_time, help="HH:MM")
@click.option("--closes", callback=parse_time, help="HH:MM")
@click.option("--booking-opens", "booking_opens", callback=parse_booking_opens,
              metavar="ISO|none", help="Booking opens then, behind the waiting room "
              "(YYYY-MM-DDTHH:MM, the venue's local time unless a zone is given; none: clear).")
@with_appcontext
def day_set(venue, day, quota, occupancy_limit, walk_in_reserve, opens, closes, booking_opens):
    """Create or change VENUE's fair day DAY (YYYY-MM-DD)."""
    with transaction(hints=DAY_HINTS):
        fair_day = operation_actions.set_day(
            Actor.operator(), venue, day, quota=quota, opens=opens, closes=closes,
            occupancy_limit=KEEP if occupancy_limit is None else occupancy_limit,
            walk_in_reserve=walk_in_reserve)
        if booking_opens is not None:
            fair_day = waitingroom_actions.set_booking_opens(
                Actor.operator(), venue, day, None if booking_opens == NO_OPENING
                else in_venue_zone(booking_opens, fair_day.venue.timezone))
    click.echo(f"{venue.upper()} {fair_day.date}: quota {fair_day.quota}, booked "
               f"{fair_day.booked}, reserve {fair_day.walk_in_reserve}, "
               f"{fair_day.opens:%H:%M}-{fair_day.closes:%H:%M}{_opening(fair_day)}")


def _opening(fair_day) -> str:
    if fair_day.booking_opens_at is None:
        return ""
    local = fair_day.booking_opens_at.astimezone(ZoneInfo(fair_day.venue.timezone))
    return f", booking opens {local.isoformat(timespec='minutes')}"


@click.command("purge")
@click.option("--older-than", "older_than", type=click.IntRange(min=0, max=36500), default=None,
              help="Days after a fair day (default: FAIRGATE_RETENTION_DAYS).")
@with_appcontext
def purge_command(older_than):
    """Erase identity data of appointments on days older than the retention period."""
    with transaction():
        chosen, done = retention.purge(Actor.operator(), older_than)
    click.echo(f"erased identity data of {done.appointments} appointment(s) older than "
               f"{chosen.older_than_days} day(s)")


COMMANDS = (venue_group, day_group, purge_command)
