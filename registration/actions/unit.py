"""The one transaction of a request or command: commit when the action succeeded, roll
back everything it did when it raised (models and services never commit)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from registration.extensions import db
from registration.services.errors import Conflict
from registration.services.operations import CONCURRENT_CHANGE


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Services check every rule before writing; a constraint the database still refuses
    at commit is a change that raced this one, answered as a 409 ``concurrent_change``."""
    try:
        yield
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("concurrent_change", CONCURRENT_CHANGE) from None
    except BaseException:
        db.session.rollback()
        raise
