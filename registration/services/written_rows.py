"""Rows the booking writes with one Core ``INSERT ... RETURNING id``, handed on as ORM
objects.

The session's flush (and the ORM's own INSERT ... RETURNING of a whole object) costs more
CPU than the statement it sends: on the booking path the appointment and its pass are
written with Core statements built once, and the objects are then put into the session as
if just loaded (docs/booking-rush.md). Every column is given, so reading one never goes back
to the database, and nothing is left for a flush to write.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

from sqlalchemy.orm import make_transient_to_detached

from registration.extensions import db

Model = TypeVar("Model")


def as_loaded(model: type[Model], values: dict) -> Model:
    """The ``model`` object of a row just written with ``values`` (its id included)."""
    missing = _column_keys(model) - values.keys()
    if missing:  # a new column the caller does not write yet: say so, not load it later
        raise ValueError(f"{model.__name__} values miss {sorted(missing)}")
    row = model(**values)
    make_transient_to_detached(row)
    db.session.add(row)  # persistent and unchanged: a flush writes nothing for it
    return row


@lru_cache(maxsize=None)
def _column_keys(model: type) -> frozenset[str]:
    return frozenset(column.key for column in model.__table__.columns)
