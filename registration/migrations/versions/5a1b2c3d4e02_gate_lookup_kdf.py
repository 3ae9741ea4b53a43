"""Kiosk look-up index from a memory-hard KDF

The gate look-up index changes from one HMAC under a venue-day key to Argon2id with
parameters pinned per venue-day (gate_lookup_params). Indexes in the old format can only
mislead a kiosk, so they are cleared: the manifest (or `fairgate gate prepare`) computes
the new ones. Downgrading keeps them cleared (the old HMAC needs the keys, not SQL): old
code then finds no ID card of an existing booking until it is booked again.

Revision ID: 5a1b2c3d4e02
Revises: 5a1b2c3d4e01
Create Date: 2026-12-02 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import registration.models.base


# revision identifiers, used by Alembic.
revision = '5a1b2c3d4e02'
down_revision = '5a1b2c3d4e01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gate_lookup_params',
    sa.Column('fair_day_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('algorithm', sa.String(length=20), nullable=False),
    sa.Column('time_cost', sa.Integer(), nullable=False),
    sa.Column('memory_kib', sa.Integer(), nullable=False),
    sa.Column('parallelism', sa.Integer(), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('created_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('time_cost >= 1 AND memory_kib >= 8 AND parallelism >= 1 AND length >= 16', name=op.f('ck_gate_lookup_params_sane_parameters')),
    sa.ForeignKeyConstraint(['fair_day_id'], ['fair_days.id'], name=op.f('fk_gate_lookup_params_fair_day_id_fair_days')),
    sa.PrimaryKeyConstraint('fair_day_id', name=op.f('pk_gate_lookup_params'))
    )
    op.execute(sa.text("UPDATE appointments SET gate_index = NULL WHERE gate_index IS NOT NULL"))


def downgrade():
    op.drop_table('gate_lookup_params')
