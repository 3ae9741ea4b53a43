"""SQL the ORM does not say portably: INSERT ... ON CONFLICT on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from registration.extensions import db

CHUNK_ROWS = 500  # values per IN (...) list


def dialect_insert(table):
    """``insert(table)`` of the session's dialect, which has ``on_conflict_do_*``."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def chunks(rows: list, size: int = CHUNK_ROWS):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]
