"""Retention: erase identity data of appointments on days long past."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from registration.extensions import db
from registration.models import Appointment, CheckInEvent
from registration.services.calendar import utc_now

ERASED = "—"


def purge_identity_data(older_than_days: int, *, today: date,
                        now: datetime | None = None) -> int:
    """Erase documents, names and contacts of appointments on days before the cut-off.

    The appointment rows stay (counts and reports still add up) but nothing in them
    identifies a person any more. Returns how many appointments were erased.
    """
    cutoff = today - timedelta(days=older_than_days)
    result = db.session.execute(
        update(Appointment)
        .where(Appointment.day < cutoff, Appointment.purged_at.is_(None))
        .values(document_ciphertext=None, document_index=None, gate_index=None,
                name_ciphertext=None, contact_ciphertext=None,
                document_masked=ERASED, name_masked=ERASED, purged_at=now or utc_now())
        .execution_options(synchronize_session=False)
    )
    # Check-in events of those days keep their counts but lose the document look-up index
    # of ID-card scans (a keyed hash, but still derived from the number).
    db.session.execute(
        update(CheckInEvent).where(CheckInEvent.day < cutoff,
                                   CheckInEvent.document_index.is_not(None))
        .values(document_index=None).execution_options(synchronize_session=False)
    )
    return result.rowcount


def purgeable_count(older_than_days: int, *, today: date) -> int:
    """How many appointments ``purge_identity_data`` would erase now (for the confirmation)."""
    cutoff = today - timedelta(days=older_than_days)
    return db.session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.day < cutoff, Appointment.purged_at.is_(None))) or 0
