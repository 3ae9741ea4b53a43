"""Writing a booking's two rows, the appointment and its pass, without the ORM's flush.

The partial unique index ``uq_appointments_active_document_day`` decides whether the
document already has an active appointment that day: ``INSERT ... ON CONFLICT DO NOTHING``
writes no row then, and no pass is written either. The same INSERT writes nothing when a
credential already admits the person that day (``WHERE NOT EXISTS``), so the booking needs
no read for that check; only a refused booking asks which of the two it was.

On PostgreSQL both rows are one statement (the pass's INSERT selects from the
appointment's, a data-modifying CTE), so a booking sends one round trip for them; SQLite
runs the same two INSERTs one after the other. The statements are Core, built once with
bound parameters, and the objects are put into the session as if loaded
(services/written_rows.py): the ORM's flush of the pass and its RETURNING of the whole
appointment cost more CPU than the statements themselves (docs/booking-rush.md).
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from registration.extensions import db
from registration.models import Appointment, Pass
from registration.models.base import utcnow
from registration.services import credential_days, passes, written_rows

# The predicate of the unique index uq_appointments_active_document_day (models), which
# ON CONFLICT names to pick that index.
ACTIVE_DOCUMENT_DAY = text("status = 'active'")
# The columns a booking leaves empty: given, so the object needs no read.
NOT_SET_AT_BOOKING = {"credential_id": None, "gate_index": None, "cancelled_at": None,
                      "purged_at": None}


def write(appointment_values: dict, pass_values: dict) -> tuple[Appointment, Pass] | None:
    """INSERT the appointment and its pass; None (and no row) when the document already
    has an active appointment that day or a credential that admits it that day (the
    caller tells which). ``pass_values``: every column of the pass but its id and
    appointment_id (services/passes.new_visitor_pass_values)."""
    values = {**appointment_values, **NOT_SET_AT_BOOKING, "created_at": utcnow()}
    params = {f"a_{key}": value for key, value in values.items()}
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        row = db.session.execute(_appointment_and_pass(), {
            **params, **{f"p_{key}": value for key, value in pass_values.items()}
        }).one_or_none()
        if row is None:
            return None
        appointment_id, pass_id = row
    else:
        appointment_id = db.session.execute(_appointment_insert(dialect),
                                            params).scalar_one_or_none()
        if appointment_id is None:
            return None
        pass_id = db.session.execute(_pass_insert(), {
            **pass_values, "appointment_id": appointment_id}).scalar_one()
    appointment = written_rows.as_loaded(Appointment, {**values, "id": appointment_id})
    set_committed_value(appointment, "passes", [])  # a new appointment has none yet
    return appointment, passes.as_written_pass(appointment, pass_values, pass_id)


@lru_cache(maxsize=None)
def _appointment_insert(dialect: str):
    """``INSERT appointment ... SELECT <values> WHERE NOT EXISTS <a credential admits the
    document that day> ON CONFLICT DO NOTHING RETURNING id``. The parameters are prefixed
    ``a_``: a DML statement would take a key named after one of its columns as a value to
    write."""
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Appointment.__table__
    columns = [c for c in table.columns if c.key != "id"]
    values = {c.key: bindparam(f"a_{c.key}", type_=c.type) for c in columns}
    admitted = credential_days.refusing_credential_exists(values["document_index"],
                                                          values["day"])
    return (insert_for(table)
            .from_select(list(values), select(*values.values()).where(~admitted))
            .on_conflict_do_nothing(index_elements=["day", "document_index"],
                                    index_where=ACTIVE_DOCUMENT_DAY)
            .returning(table.c.id))


@lru_cache(maxsize=1)
def _pass_insert():
    table = Pass.__table__
    return insert(table).returning(table.c.id)


@lru_cache(maxsize=1)
def _appointment_and_pass():
    """PostgreSQL: both INSERTs in one statement (the pass's selects from the
    appointment's); no row when the appointment's wrote none."""
    pass_table = Pass.__table__
    new_appointment = _appointment_insert("postgresql").cte("new_appointment")
    pass_columns = [c for c in pass_table.columns if c.key not in ("id", "appointment_id")]
    new_pass = (
        insert(pass_table).from_select(
            ["appointment_id", *(c.key for c in pass_columns)],
            select(new_appointment.c.id,
                   *(bindparam(f"p_{c.key}", type_=c.type) for c in pass_columns)))
        .returning(pass_table.c.id, pass_table.c.appointment_id).cte("new_pass"))
    return select(new_appointment.c.id, new_pass.c.id).select_from(new_appointment.join(
        new_pass, new_pass.c.appointment_id == new_appointment.c.id))
