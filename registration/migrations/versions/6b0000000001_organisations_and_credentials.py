"""Organisations and credentials (issue 12)

``organisations``, their portal ``organisation_sign_ins`` and ``credentials``; appointments
gain ``credential_id`` (a credential's carrier appointment); fair days gain the professional
visitors' share of the quota and the exhibitors' opening time. PostgreSQL types gain the new
pass kinds, the ``credential`` booking channel and the new audit actions, added outside the
transaction so the new values can be used at once (the credentials' partial index).

Revision ID: 6b0000000001
Revises: 6a0000000002
Create Date: 2026-12-03 12:52:44

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import registration.models.base


# revision identifiers, used by Alembic.
revision = '6b0000000001'
down_revision = '6a0000000002'
branch_labels = None
depends_on = None

NEW_KINDS = ("professional", "guest", "contractor", "online")
AUDIT_ACTIONS = (
    "organisation_registered", "organisation_approved", "organisation_rejected",
    "portal_sign_in", "credential_issued", "credential_applied", "credential_approved",
    "credential_rejected", "credential_revoked", "member_added", "member_removed",
    "member_replaced", "badge_printed", "badge_reprinted", "message_failed",
)
ACTIVE_CREDENTIAL = ("status IN ('pending', 'approved') AND kind IN ('contractor', 'exhibitor', "
                     "'guest', 'media', 'online', 'staff')")
PASS_KINDS = ('visitor', 'exhibitor', 'staff', 'media') + NEW_KINDS


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        with op.get_context().autocommit_block():
            for value in NEW_KINDS:
                op.execute(f"ALTER TYPE pass_kind ADD VALUE IF NOT EXISTS '{value}'")
            op.execute("ALTER TYPE booking_channel ADD VALUE IF NOT EXISTS 'credential'")
            for value in AUDIT_ACTIONS:
                op.execute(f"ALTER TYPE audit_action ADD VALUE IF NOT EXISTS '{value}'")
    kind_type = postgresql.ENUM(*PASS_KINDS, name='pass_kind', create_type=False) if postgres \
        else sa.Enum(*PASS_KINDS, name='pass_kind', length=20)
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.Enum('exhibitor', 'organisation', 'media_outlet', name='organisation_kind', length=None), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='review_status', length=None), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=3), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('registration_number', sa.String(length=60), nullable=True),
    sa.Column('contact_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('contact_name_masked', sa.String(length=80), nullable=False),
    sa.Column('contact_email_masked', sa.String(length=120), nullable=False),
    sa.Column('contact_phone_masked', sa.String(length=40), nullable=False),
    sa.Column('phone_verified_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('stand_venue_id', sa.Integer(), nullable=True),
    sa.Column('stand_hall', sa.String(length=20), nullable=True),
    sa.Column('stand_area_m2', sa.Double(), nullable=True),
    sa.Column('badge_quota', sa.Integer(), nullable=True),
    sa.Column('badges_used', sa.Integer(), nullable=False),
    sa.Column('consent_version', sa.String(length=40), nullable=False),
    sa.Column('consented_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('purged_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL", name=op.f('ck_organisations_reason_when_rejected')),
    sa.CheckConstraint('badge_quota IS NULL OR badges_used <= badge_quota', name=op.f('ck_organisations_badges_within_quota')),
    sa.CheckConstraint('badges_used >= 0', name=op.f('ck_organisations_badges_used_not_negative')),
    sa.CheckConstraint('uscc IS NOT NULL OR registration_number IS NOT NULL', name=op.f('ck_organisations_identified')),
    sa.ForeignKeyConstraint(['stand_venue_id'], ['venues.id'], name=op.f('fk_organisations_stand_venue_id_venues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('code', name=op.f('uq_organisations_code')),
    sa.UniqueConstraint('uscc', name=op.f('uq_organisations_uscc'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_stand_venue_id'), ['stand_venue_id'], unique=False)

    op.create_table('credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('kind', kind_type, nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'revoked', name='credential_status', length=None), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('document_type', sa.String(length=40), nullable=False),
    sa.Column('document_index', sa.String(length=64), nullable=False),
    sa.Column('document_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('document_masked', sa.String(length=40), nullable=False),
    sa.Column('name_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('name_masked', sa.String(length=80), nullable=False),
    sa.Column('contact_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('organisation_name', sa.String(length=200), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=True),
    sa.Column('press_card_masked', sa.String(length=40), nullable=True),
    sa.Column('consent_version', sa.String(length=40), nullable=False),
    sa.Column('consented_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('issued_by', sa.String(length=80), nullable=False),
    sa.Column('badge_prints', sa.Integer(), nullable=False),
    sa.Column('badge_printed_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('purged_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL", name=op.f('ck_credentials_reason_when_rejected')),
    sa.CheckConstraint('first_day <= last_day', name=op.f('ck_credentials_days_in_order')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_credentials_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], name=op.f('fk_credentials_venue_id_venues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credentials')),
    sa.UniqueConstraint('code', name=op.f('uq_credentials_code'))
    )
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credentials_document_index'), ['document_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_credentials_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credentials_venue_id'), ['venue_id'], unique=False)
        batch_op.create_index('uq_credentials_active_document', ['document_index'], unique=True, sqlite_where=sa.text(ACTIVE_CREDENTIAL), postgresql_where=sa.text(ACTIVE_CREDENTIAL))

    op.create_table('organisation_sign_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_sign_ins_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_sign_ins')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_organisation_sign_ins_token_hash'))
    )
    with op.batch_alter_table('organisation_sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_sign_ins_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credential_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_appointments_credential_id'), ['credential_id'])
        batch_op.create_foreign_key(batch_op.f('fk_appointments_credential_id_credentials'), 'credentials', ['credential_id'], ['id'])

    with op.batch_alter_table('fair_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('professional_quota', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('professional_booked', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('exhibitors_open', sa.Time(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_fair_days_professional_quota_not_negative'),
                                         'professional_quota >= 0')
        batch_op.create_check_constraint(op.f('ck_fair_days_professional_within_quota'),
                                         'professional_quota + walk_in_reserve <= quota')
        batch_op.create_check_constraint(op.f('ck_fair_days_professional_not_negative'),
                                         'professional_booked >= 0')
        batch_op.create_check_constraint(op.f('ck_fair_days_professional_within_share'),
                                         'professional_booked <= professional_quota')

    # ### end Alembic commands ###


def downgrade():
    # Enum values added to PostgreSQL types stay (PostgreSQL cannot drop them).
    with op.batch_alter_table('fair_days', schema=None) as batch_op:
        for name in ('professional_within_share', 'professional_not_negative',
                     'professional_within_quota', 'professional_quota_not_negative'):
            batch_op.drop_constraint(op.f(f'ck_fair_days_{name}'), type_='check')
        batch_op.drop_column('exhibitors_open')
        batch_op.drop_column('professional_booked')
        batch_op.drop_column('professional_quota')

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_appointments_credential_id_credentials'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_appointments_credential_id'), type_='unique')
        batch_op.drop_column('credential_id')

    with op.batch_alter_table('organisation_sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_sign_ins_organisation_id'))

    op.drop_table('organisation_sign_ins')
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_index('uq_credentials_active_document', sqlite_where=sa.text(ACTIVE_CREDENTIAL), postgresql_where=sa.text(ACTIVE_CREDENTIAL))
        batch_op.drop_index(batch_op.f('ix_credentials_venue_id'))
        batch_op.drop_index(batch_op.f('ix_credentials_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_credentials_document_index'))

    op.drop_table('credentials')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_stand_venue_id'))

    op.drop_table('organisations')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TYPE IF EXISTS credential_status")
        op.execute("DROP TYPE IF EXISTS review_status")
        op.execute("DROP TYPE IF EXISTS organisation_kind")
