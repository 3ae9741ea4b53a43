"""`fairgate gate prepare`: the kiosks' ID-card look-up indexes, computed ahead of the pulls;
`fairgate gate checkout`: everyone still inside marked out at closing time (and `--due`, on a
timer: docs/deploy.md "Periodic jobs")."""
from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from registration.actions import checkout as checkout_actions
from registration.actions.actors import Actor
from registration.cli.common import parse_date, transaction
from registration.extensions import db
from registration.models import Venue
from registration.services import gate_lookup


@click.group("gate")
def gate_group():
    """Gate manifests for the kiosks."""


@gate_group.command("prepare")
@click.option("--venue", default=None, help="Only this venue (default: every venue).")
@click.option("--date", "day", callback=parse_date, default=None,
              help="Only this day, YYYY-MM-DD (default: every fair day from today on).")
@click.option("--jobs", type=click.IntRange(min=1, max=64), default=1,
              help="Indexes computed at once (threads; each takes the KDF's memory).")
@with_appcontext
def prepare(venue, day, jobs):
    """Compute the missing ID-card look-up indexes (Argon2id, about 80 ms each) so that
    manifest pulls need not. Safe to run again at any time: it does only what is missing."""
    with transaction():
        days = gate_lookup.days_to_prepare(venue, day)
        if not days:
            click.echo("no fair days to prepare")
        for fair_day in days:
            _prepare_day(fair_day, jobs)


@gate_group.command("checkout")
@click.argument("venue", required=False)
@click.option("--zone", default=None, help="Only this zone (room, hall, lounge) of the venue.")
@click.option("--at", "at", default=None, metavar="ISO",
              help="The cut-off, e.g. 2026-09-03T18:00 (venue-local; default: now).")
@click.option("--due", is_flag=True,
              help="Every venue (or VENUE) and zone whose closing time has passed, at that "
                   "time: for a timer.")
@with_appcontext
def checkout(venue, zone, at, due):
    """Mark everyone still inside VENUE (or --zone) as out, so the day's inside counts end
    at zero. Safe to run again: a second run finds nobody."""
    if due and (zone or at):
        raise click.ClickException("--due takes no --zone or --at / --due 不能与 --zone 或 "
                                   "--at 同用")
    if not due and not venue:
        raise click.ClickException("Name a VENUE, or give --due / 请指定场馆，或使用 --due")
    with transaction():
        if due:
            done = checkout_actions.check_out_due(Actor.operator(), venue=venue)
        else:
            done = [checkout_actions.check_out(Actor.operator(), venue, zone=zone, at=at)]
    if not any(item.changed for item in done):
        click.echo("nobody to check out / 无人需要签出")
    for item in done:
        if item.changed:
            click.echo(checkout_line(item))


def checkout_line(done) -> str:
    """``CNCC 2026-09-03 18:00: 12 checked out (rooms: CNCC-R301 3) / ...``"""
    local = done.at.astimezone(ZoneInfo(_timezone(done.venue)))
    place = done.zone or done.venue
    rooms = ", ".join(f"{code} {count}" for code, count in done.rooms.items())
    en = f"{place} {done.day.isoformat()} {local:%H:%M}: {done.people} checked out"
    zh = f"{place} {done.day.isoformat()} {local:%H:%M}：签出 {done.people} 人"
    if rooms:
        en, zh = en + f" (rooms: {rooms})", zh + f"（会议室等区域：{rooms}）"
    return f"{en} / {zh}"


def _timezone(venue_code: str) -> str:
    return db.session.scalar(select(Venue.timezone).where(Venue.code == venue_code))


def _prepare_day(fair_day, jobs: int) -> None:
    label = f"{fair_day.venue.code} {fair_day.date}"
    params = gate_lookup.venue_day_params(fair_day)
    db.session.commit()  # the pinned parameters, before the long part
    total = gate_lookup.missing_count(fair_day)
    memory = f"{params.memory_kib // 1024} MiB" if params.memory_kib % 1024 == 0 \
        else f"{params.memory_kib} KiB"
    kdf = f"argon2id t={params.time_cost}, {memory}, p={params.parallelism}"
    if not total:
        click.echo(f"{label}: every index is ready ({kdf})")
        return
    click.echo(f"{label}: {total} indexes to compute ({kdf})")
    started, done = time.monotonic(), 0
    for stored in gate_lookup.prepare_batches(fair_day, batch=max(50, 25 * jobs), jobs=jobs):
        db.session.commit()  # each batch is kept: an interrupted run resumes where it was
        done += stored
        elapsed = time.monotonic() - started
        left = max(total - done, 0) * elapsed / max(done, 1)
        click.echo(f"{label}: {done}/{total} ({min(100, 100 * done // total)}%), {elapsed:.1f} s, "
                   f"about {left:.0f} s left")
    elapsed = time.monotonic() - started
    click.echo(f"{label}: {done} indexes computed in {elapsed:.1f} s "
               f"({1000 * elapsed / max(done, 1):.0f} ms each)")
