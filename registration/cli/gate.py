"""`fairgate gate prepare`: the kiosks' ID-card look-up indexes, computed ahead of the pulls."""
from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from registration.cli.common import parse_date, transaction
from registration.extensions import db
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
