"""Read-only queries for dashboards: on the read replica when one is configured.

``FAIRGATE_REPLICA_DATABASE_URL`` names a streaming replica of the primary database. Live
dashboards poll every few seconds from every staff screen; sending those reads to the
replica keeps them off the primary during a booking rush. Their figures may lag the primary
by the replication delay.
"""
from __future__ import annotations

from flask import g
from sqlalchemy.orm import Session

from registration.extensions import db

REPLICA = "replica"


def read_session() -> Session:
    """The replica's session for this request, or the primary's when there is no replica."""
    if REPLICA not in db.engines:
        return db.session
    if "read_session" not in g:
        g.read_session = Session(bind=db.engines[REPLICA])
    return g.read_session


def close_read_session(exc=None) -> None:
    session = g.pop("read_session", None)
    if session is not None:
        session.close()
