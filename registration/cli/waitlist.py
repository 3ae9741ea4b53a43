"""`fairgate waitlist`: run out the offers past their time, of days and of forums (cron /
systemd timer), and list a day's line for operators (masked)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from registration.actions import forum_waitlist as forum_line_actions
from registration.actions import waitlist as waitlist_actions
from registration.actions.actors import Actor
from registration.cli.common import parse_date, transaction
from registration.services import waitlist as waitlist_service


@click.group("waitlist")
def waitlist_group():
    """Waiting lists of full days (docs/waiting-list.md)."""


@waitlist_group.command("expire")
@with_appcontext
def expire():
    """Close every offer past its time: a day's place goes to the next in line or the day,
    a forum's seat to the next in its line or back to the forum."""
    with transaction():
        expired = waitlist_actions.expire_due(Actor.operator())
        forum_expired = forum_line_actions.expire_due(Actor.operator())
    passed = sum(1 for item in expired if item.passed_to is not None)
    click.echo(f"{len(expired)} offers expired: {passed} passed on, "
               f"{len(expired) - passed} places released")
    passed = sum(1 for item in forum_expired if item.passed_to is not None)
    click.echo(f"{len(forum_expired)} forum seat offers expired: {passed} passed on, "
               f"{len(forum_expired) - passed} seats freed")


@waitlist_group.command("list")
@click.argument("venue")
@click.argument("day", metavar="DATE", callback=parse_date)
@with_appcontext
def list_line(venue, day):
    """A venue-day's entries in arrival order (document and name masked)."""
    with transaction():
        entries = waitlist_service.list_entries(venue, day)
    click.echo("#\tcode\tstatus\tjoined (UTC)\toffer expires (UTC)\tslot\tholder\tdocument")
    for position, entry in enumerate(entries, start=1):
        expires = f"{entry.offer_expires_at:%Y-%m-%d %H:%M}" if entry.offer_expires_at else "-"
        slot = entry.held_slot.code if entry.held_slot else "-"
        click.echo(f"{position}\t{entry.code}\t{entry.status.value}\t"
                   f"{entry.joined_at:%Y-%m-%d %H:%M:%S}\t{expires}\t{slot}\t"
                   f"{entry.name_masked}\t{entry.document_masked}")
