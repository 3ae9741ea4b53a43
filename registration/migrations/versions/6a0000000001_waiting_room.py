"""Booking opening time per venue-day (the waiting room) and its audit actions

Revision ID: 6a0000000001
Revises: 5a1b2c3d4e03
Create Date: 2026-12-02 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a0000000001'
down_revision = '5a1b2c3d4e03'
branch_labels = None
depends_on = None


AUDIT_ACTIONS = ("booking_opens_set", "waiting_room_rate_set", "bot_defence_set")


def upgrade():
    with op.batch_alter_table("fair_days") as batch:
        batch.add_column(sa.Column("booking_opens_at", sa.DateTime(timezone=True),
                                   nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for value in AUDIT_ACTIONS:
            op.execute(f"ALTER TYPE audit_action ADD VALUE IF NOT EXISTS '{value}'")


def downgrade():
    # PostgreSQL cannot drop a value of an enum type: the audit actions stay known (unused).
    with op.batch_alter_table("fair_days") as batch:
        batch.drop_column("booking_opens_at")
