"""Revocation causes; the states kept as bare strings become enums and CHECKs

``passes.revoke_cause`` (cancelled / reissued / staff_revoked): what the gates say of a
revoked pass follows from it alone, ``revoke_reason`` keeps only the note staff typed (a
note reading "cancelled" used to make the gates answer "Appointment cancelled"). Existing
rows: 'cancelled' -> cancelled and 'changed' -> reissued (the service's own words, no note
kept), any other text -> staff_revoked with the text kept as the note. A CHECK keeps a cause
on every revoked pass and none on an active one.

``passes.kind`` and ``pass_presence.kind`` (type pass_kind), ``manifest_entries.change``
(manifest_change) and ``audit_entries.action`` (audit_action) become named types on
PostgreSQL. On SQLite they stay VARCHAR of the same width, checked by the application like
the older enums. ``checkin_events.reason`` gets a CHECK of the gate reason codes.

SQLite: other tables reference ``passes`` and foreign keys are on, so it is not rebuilt:
``revoke_cause`` comes with its CHECK in one ADD COLUMN, which is not tested against the
existing rows until they have their causes. ``checkin_events`` is rebuilt for its CHECK
(nothing references it).

Revision ID: 5a1b2c3d4e03
Revises: 5a1b2c3d4e02
Create Date: 2026-12-02 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '5a1b2c3d4e03'
down_revision = '5a1b2c3d4e02'
branch_labels = None
depends_on = None

# The vocabularies as of this revision (later ones add values in their own migrations).
CAUSES = ("cancelled", "reissued", "staff_revoked")
PASS_KINDS = ("visitor", "exhibitor", "staff", "media")
MANIFEST_CHANGES = ("booked", "changed", "cancelled", "revoked", "presence")
AUDIT_ACTIONS = (
    "login", "login_failed", "login_locked", "logout", "desk_booking", "desk_found",
    "label_printed", "venue_set", "gate_added", "day_set", "slot_set", "device_code_issued",
    "device_enrolled", "device_revoked", "pass_revoked", "appointments_searched", "export",
    "purge",
)
REASONS = (
    "ok", "ok_reentry", "ok_exit", "not_inside", "duplicate_scan", "unreadable", "unknown_key",
    "bad_signature", "revoked", "cancelled", "wrong_venue", "wrong_day", "no_appointment",
    "id_required", "id_mismatch", "outside_hours", "outside_slot", "already_inside",
    "quota_full", "venue_full",
)
# (table, column, type name, values, VARCHAR width before and on SQLite)
ENUM_COLUMNS = (
    ("passes", "kind", "pass_kind", PASS_KINDS, 20),
    ("pass_presence", "kind", "pass_kind", PASS_KINDS, 20),
    ("manifest_entries", "change", "manifest_change", MANIFEST_CHANGES, 20),
    ("audit_entries", "action", "audit_action", AUDIT_ACTIONS, 40),
)
CAUSE_CHECK = "(status = 'revoked') = (revoke_cause IS NOT NULL)"
REASON_CHECK = "reason IN ({})".format(", ".join(f"'{reason}'" for reason in REASONS))


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _pg_enum(name: str, values: tuple[str, ...]) -> postgresql.ENUM:
    return postgresql.ENUM(*values, name=name, create_type=False)


def upgrade():
    if _postgres():
        _pg_enum("revocation_cause", CAUSES).create(op.get_bind(), checkfirst=True)
        op.add_column('passes', sa.Column('revoke_cause', _pg_enum("revocation_cause", CAUSES),
                                          nullable=True))
        _give_causes()
        op.create_check_constraint(op.f('ck_passes_cause_when_revoked'), 'passes', CAUSE_CHECK)
        for table, column, name, values, _ in ENUM_COLUMNS:
            _pg_enum(name, values).create(op.get_bind(), checkfirst=True)
            op.alter_column(table, column, type_=_pg_enum(name, values),
                            postgresql_using=f"{column}::{name}", existing_nullable=False)
        op.create_check_constraint(op.f('ck_checkin_events_known_reason'), 'checkin_events',
                                   REASON_CHECK)
        return
    op.execute("PRAGMA ignore_check_constraints = ON")
    try:
        op.execute("ALTER TABLE passes ADD COLUMN revoke_cause VARCHAR(13) CONSTRAINT "
                   f"ck_passes_cause_when_revoked CHECK ({CAUSE_CHECK})")
        _give_causes()
    finally:
        op.execute("PRAGMA ignore_check_constraints = OFF")
    with op.batch_alter_table('checkin_events', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_checkin_events_known_reason'), REASON_CHECK)


def _give_causes() -> None:
    revoked = "status = 'revoked' AND revoke_cause IS NULL"
    op.execute("UPDATE passes SET revoke_cause = 'cancelled', revoke_reason = NULL "
               f"WHERE {revoked} AND revoke_reason = 'cancelled'")
    op.execute("UPDATE passes SET revoke_cause = 'reissued', revoke_reason = NULL "
               f"WHERE {revoked} AND revoke_reason = 'changed'")
    op.execute(f"UPDATE passes SET revoke_cause = 'staff_revoked' WHERE {revoked}")


def _take_back_causes() -> None:
    op.execute("UPDATE passes SET revoke_reason = 'cancelled' "
               "WHERE revoke_cause = 'cancelled'")
    op.execute("UPDATE passes SET revoke_reason = 'changed' WHERE revoke_cause = 'reissued'")


def downgrade():
    _take_back_causes()
    if _postgres():
        op.drop_constraint(op.f('ck_checkin_events_known_reason'), 'checkin_events',
                           type_='check')
        for table, column, _, values, width in ENUM_COLUMNS:
            op.alter_column(table, column, type_=sa.String(length=width),
                            postgresql_using=f"{column}::text", existing_nullable=False)
        op.drop_constraint(op.f('ck_passes_cause_when_revoked'), 'passes', type_='check')
        op.drop_column('passes', 'revoke_cause')
        for name in ("pass_kind", "manifest_change", "audit_action", "revocation_cause"):
            op.execute(f"DROP TYPE IF EXISTS {name}")
        return
    with op.batch_alter_table('checkin_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_checkin_events_known_reason'), type_='check')
    # The column's own CHECK goes with it (SQLite >= 3.35 drops a column in place).
    op.execute("ALTER TABLE passes DROP COLUMN revoke_cause")
