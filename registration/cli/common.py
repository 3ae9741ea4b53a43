"""Helpers for commands: run a service call in one transaction, print errors as one line."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time

import click

from registration.extensions import db
from registration.services.errors import ServiceError


@contextmanager
def transaction():
    """Commit on success; on a refused rule print the reason and exit 2."""
    try:
        yield
        db.session.commit()
    except ServiceError as err:
        db.session.rollback()
        fields = "; ".join(f"{k}: {v.en}" for k, v in err.fields.items())
        raise click.ClickException(f"{err.message.en} / {err.message.zh}"
                                   + (f" ({fields})" if fields else "")) from None


def parse_date(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD") from None


def parse_time(ctx, param, value):
    if value is None:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use HH:MM") from None
