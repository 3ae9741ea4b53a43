"""`fairgate zone set / list`: a venue's zones (halls, forum rooms, lounges) and their door
gates, audited as ``cli:<login>`` like the staff page's changes (docs/forums.md)."""
from __future__ import annotations

from contextlib import contextmanager

import click
from flask.cli import with_appcontext

from gate.i18n import Text
from registration.actions import zones as zone_actions
from registration.actions.actors import Actor
from registration.cli.common import transaction
from registration.services import venues as venue_service
from registration.services import zones as zone_service
from registration.services.errors import ServiceError, invalid_field
from registration.services.operations import KEEP

ZONE_HINTS = {
    "unknown_venue": Text("用 fairgate venue list 查看场馆", "see fairgate venue list"),
    "zone_details_required": Text("加上 --kind、--name-zh 和 --name-en",
                                  "give --kind, --name-zh and --name-en"),
}

# The command-line name of each field the services may refuse.
ZONE_OPTIONS = {"venue": "VENUE", "code": "CODE", "kind": "--kind", "name_zh": "--name-zh",
                "name_en": "--name-en", "name": "--name-zh/--name-en",
                "capacity": "--capacity", "gate": "--gate", "kinds": "--kinds",
                "closes": "--closes"}


@contextmanager
def naming_options(options: dict[str, str]):
    """A refused field's message starts with the option the operator typed it in."""
    try:
        yield
    except ServiceError as err:
        option = options.get(next(iter(err.fields), ""))
        if option and option not in err.message.en:
            err.message = Text(f"{option}：{err.message.zh}", f"{option}: {err.message.en}")
            err.fields = {}
        raise


def given(value):
    """An option left out keeps the zone's current value."""
    return KEEP if value is None else value


@click.group("zone")
def zone_group():
    """Zones of a venue: halls, forum rooms, lounges, the media centre."""


@zone_group.command("set")
@click.argument("venue")
@click.argument("code")
@click.option("--kind", default=None, metavar="KIND",
              help="hall, forum_room, meeting_room, vip_lounge or media_centre.")
@click.option("--name-zh", default=None)
@click.option("--name-en", default=None)
@click.option("--capacity", default=None, metavar="N|none",
              help="People inside at once (none: no limit).")
@click.option("--gate", "gates", multiple=True, metavar="CODE",
              help="A door gate of the zone (repeatable; new codes are created).")
@click.option("--kinds", default=None, metavar="KINDS",
              help="Pass kinds admitted, e.g. media,guest ('' for every kind).")
@click.option("--closes", default=None, metavar="HH:MM|none",
              help="Everyone inside is checked out then (none: at the venue's closing).")
@with_appcontext
def zone_set(venue, code, kind, name_zh, name_en, capacity, gates, kinds, closes):
    """Create or change zone CODE of VENUE (options left out stay as they are)."""
    with transaction(hints=ZONE_HINTS), naming_options(ZONE_OPTIONS):
        existed = zone_service.get_zone(code) is not None
        zone = zone_actions.set_zone(
            Actor.operator(), venue, code, kind=given(kind), name_zh=given(name_zh),
            name_en=given(name_en), capacity=given(capacity), gates=gates,
            kinds=given(kinds), closes=given(closes))
        line = _row(zone)
    done = "changed / 已更改" if existed else "created / 已创建"
    click.echo(f"zone {zone.code} {done}: " + "  ".join(line[1:]))


def _row(zone) -> list[str]:
    gates = ",".join(gate.code for gate in zone_service.gates_of(zone)) or "-"
    capacity = str(zone.capacity) if zone.capacity is not None else "no limit"
    closes = f"{zone.closes:%H:%M}" if zone.closes is not None else "venue's"
    return [zone.code, zone.venue.code, zone.kind.value, capacity, closes,
            ",".join(zone.kind_list) or "all kinds", gates, f"{zone.name_zh} / {zone.name_en}"]


@zone_group.command("list")
@click.option("--venue", default=None, help="Only this venue's zones.")
@with_appcontext
def zone_list(venue):
    """Zones by venue and code, with capacity, kinds admitted and door gates."""
    with transaction(hints=ZONE_HINTS):
        if venue and venue_service.get_venue(venue.strip().upper()) is None:
            raise invalid_field("venue", zone_service.UNKNOWN_VENUE, "unknown_venue")
        rows = [_row(zone) for zone in zone_service.zones_of(venue)]
    click.echo("code\tvenue\tkind\tcapacity\tcloses\tkinds\tgates\tname")
    for row in rows:
        click.echo("\t".join(row))
