"""Retention: erase identity data of appointments on days long past."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import update

from registration.extensions import db
from registration.models import Appointment
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
    return result.rowcount
