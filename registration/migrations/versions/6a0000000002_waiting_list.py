"""Waiting list for full days: ``waitlist_entries`` and the audit actions of its offers

One active entry (waiting or offered) per document per day: a partial unique index on both
SQLite and PostgreSQL, like appointments'. ``audit_action`` gains ``waitlist_offered``,
``waitlist_accepted`` and ``waitlist_expired`` (PostgreSQL; on SQLite the column is VARCHAR).

Revision ID: 6a0000000002
Revises: 6a0000000001
Create Date: 2026-12-02 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a0000000002'
down_revision = '6a0000000001'
branch_labels = None
depends_on = None

STATES = ("waiting", "offered", "booked", "expired", "withdrawn")
ACTIVE_STATES = "status IN ('waiting', 'offered')"
AUDIT_ACTIONS = ("waitlist_offered", "waitlist_accepted", "waitlist_expired")


def upgrade():
    op.create_table(
        'waitlist_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('fair_day_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('status', sa.Enum(*STATES, name='waitlist_status'), nullable=False),
        sa.Column('document_type', sa.String(length=40), nullable=False),
        sa.Column('document_index', sa.String(length=64), nullable=False),
        sa.Column('document_ciphertext', sa.LargeBinary(), nullable=True),
        sa.Column('document_masked', sa.String(length=40), nullable=False),
        sa.Column('name_ciphertext', sa.LargeBinary(), nullable=True),
        sa.Column('name_masked', sa.String(length=80), nullable=False),
        sa.Column('contact_ciphertext', sa.LargeBinary(), nullable=True),
        sa.Column('lang', sa.String(length=5), nullable=False),
        sa.Column('consent_version', sa.String(length=40), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('offer_token_hash', sa.String(length=64), nullable=True),
        sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('held_slot_id', sa.Integer(), nullable=True),
        sa.Column('appointment_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status <> 'offered' OR (offer_token_hash IS NOT NULL AND "
                           "offer_expires_at IS NOT NULL)",
                           name=op.f('ck_waitlist_entries_offer_has_token')),
        sa.CheckConstraint("status <> 'booked' OR appointment_id IS NOT NULL",
                           name=op.f('ck_waitlist_entries_booked_has_appointment')),
        sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'],
                                name=op.f('fk_waitlist_entries_appointment_id_appointments')),
        sa.ForeignKeyConstraint(['fair_day_id'], ['fair_days.id'],
                                name=op.f('fk_waitlist_entries_fair_day_id_fair_days')),
        sa.ForeignKeyConstraint(['held_slot_id'], ['time_slots.id'],
                                name=op.f('fk_waitlist_entries_held_slot_id_time_slots')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
        sa.UniqueConstraint('code', name=op.f('uq_waitlist_entries_code')),
        sa.UniqueConstraint('offer_token_hash',
                            name=op.f('uq_waitlist_entries_offer_token_hash')),
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_entries_fair_day_id'), ['fair_day_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_document_index'),
                              ['document_index'], unique=False)
        batch_op.create_index('ix_waitlist_entries_line', ['fair_day_id', 'status', 'joined_at'],
                              unique=False)
        batch_op.create_index('uq_waitlist_entries_active_document_day',
                              ['day', 'document_index'], unique=True,
                              sqlite_where=sa.text(ACTIVE_STATES),
                              postgresql_where=sa.text(ACTIVE_STATES))
    if op.get_bind().dialect.name == "postgresql":
        for value in AUDIT_ACTIONS:
            op.execute(f"ALTER TYPE audit_action ADD VALUE IF NOT EXISTS '{value}'")


def downgrade():
    # PostgreSQL cannot drop a value of an enum type: the three audit actions stay known
    # (unused) after a downgrade, which the older code tolerates.
    op.drop_table('waitlist_entries')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TYPE IF EXISTS waitlist_status")
