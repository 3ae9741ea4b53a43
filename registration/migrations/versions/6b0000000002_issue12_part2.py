"""Issue 12, part 2: outgoing messages (SMS) and organisation contacts' phone codes

``outgoing_messages`` holds each SMS from the transaction that queued it until the provider
took it (or it failed for good); ``phone_codes`` the keyed hashes of one-time codes.

Revision ID: 6b0000000002
Revises: 6b0000000001
Create Date: 2026-12-03 13:15:00

"""
from alembic import op
import sqlalchemy as sa

import registration.models.base


# revision identifiers, used by Alembic.
revision = '6b0000000002'
down_revision = '6b0000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outgoing_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('sms', name='message_channel'), nullable=False),
    sa.Column('to_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('to_masked', sa.String(length=40), nullable=False),
    sa.Column('text_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='message_status'), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('provider_id', sa.String(length=120), nullable=True),
    sa.Column('created_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outgoing_messages_attempts_not_negative')),
    sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name=op.f('ck_outgoing_messages_sent_has_time')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_messages'))
    )
    with op.batch_alter_table('outgoing_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outgoing_messages_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_messages_ref'), ['ref'], unique=False)

    op.create_table('phone_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_phone_codes_attempts_not_negative')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_phone_codes_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_codes'))
    )
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_codes_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_codes_organisation_id'))
    op.drop_table('phone_codes')
    with op.batch_alter_table('outgoing_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_messages_ref'))
        batch_op.drop_index('ix_outgoing_messages_due')
    op.drop_table('outgoing_messages')
    if op.get_bind().dialect.name == "postgresql":
        sa.Enum(name='message_status').drop(op.get_bind(), checkfirst=True)
        sa.Enum(name='message_channel').drop(op.get_bind(), checkfirst=True)
