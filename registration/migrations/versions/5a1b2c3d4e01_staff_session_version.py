"""Staff sessions carry a version that logout, deactivation and password change bump

``staff_users.session_version`` (integer, default 1): a session stores the version it began
with and ends when the account's version moved on (logout, deactivation, new password,
lock-out), on every app server at once.

``audit_entries.identity_erased_at``: the retention purge erases the masked documents, names
and search queries in entries about purged days. The append-only trigger is replaced by one
that still refuses every UPDATE except exactly that: once per entry, ``details`` and
``identity_erased_at`` only (who, when, what, where stay as they were).

Revision ID: 5a1b2c3d4e01
Revises: c48825a09ab3
Create Date: 2026-12-02 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import registration.models.base


# revision identifiers, used by Alembic.
revision = '5a1b2c3d4e01'
down_revision = 'c48825a09ab3'
branch_labels = None
depends_on = None

TRIGGER = "audit_entries_append_only"
UNCHANGED = ("id", "at", "staff_user_id", "username", "action", "venue_code", "target",
             "remote_addr")
SQLITE_ERASURE = " AND ".join(
    ["OLD.identity_erased_at IS NULL", "NEW.identity_erased_at IS NOT NULL"]
    + [f"NEW.{column} IS OLD.{column}" for column in UNCHANGED])
POSTGRES_ERASURE = " AND ".join(
    ["OLD.identity_erased_at IS NULL", "NEW.identity_erased_at IS NOT NULL"]
    + [f"NEW.{column} IS NOT DISTINCT FROM OLD.{column}" for column in UNCHANGED])


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _drop_trigger() -> None:
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}" + (" ON audit_entries" if _postgres() else ""))


def upgrade():
    op.add_column('staff_users', sa.Column('session_version', sa.Integer(), nullable=False,
                                           server_default='1'))
    _drop_trigger()
    op.add_column('audit_entries', sa.Column(
        'identity_erased_at', registration.models.base.UTCDateTime(timezone=True),
        nullable=True))
    if _postgres():
        op.execute(
            f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN IF NOT ({POSTGRES_ERASURE}) THEN "
            f"RAISE EXCEPTION 'audit_entries is append-only'; END IF; RETURN NEW; END $$")
        op.execute(f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON audit_entries "
                   f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()")
    else:
        op.execute(f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON audit_entries "
                   f"WHEN NOT ({SQLITE_ERASURE}) "
                   f"BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END")


def downgrade():
    _drop_trigger()
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('identity_erased_at')
    # The trigger of revision 1bf537230793: every UPDATE refused.
    if _postgres():
        op.execute(
            f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END $$")
        op.execute(f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON audit_entries "
                   f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()")
    else:
        op.execute(f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON audit_entries "
                   "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END")
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
