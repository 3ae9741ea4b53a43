"""Zones, forums, seats, forum waiting lists, attention texts (issue 13)

``zones`` (with door ``gates.zone_id``), ``forums``, ``seats``, ``forum_waitlist_entries``,
``attention_notes`` and ``zone_presence``; occupancy pools may be a room's
(``occupancy_pools.zone_id``: one venue pool and one pool per room and day, two partial
unique indexes); check-in events gain their zone and the annul columns, and the known
reasons gain the door reasons and ``annulled``. PostgreSQL types gain the new manifest
changes and audit actions, outside the transaction.

Revision ID: 6b0000000006
Revises: 6b0000000005
Create Date: 2026-12-04 13:30:58

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import registration.models.base


# revision identifiers, used by Alembic.
revision = '6b0000000006'
down_revision = '6b0000000005'
branch_labels = None
depends_on = None


PASS_KINDS = ('visitor', 'exhibitor', 'staff', 'media', 'professional', 'guest', 'contractor',
              'online')
MANIFEST_CHANGES = ("seat", "attention")
AUDIT_ACTIONS = ("zone_set", "forum_set", "seat_cancelled_by_staff", "forum_waitlist_offered",
                 "attention_set", "gate_checked_out")
OLD_REASONS = (
    'ok', 'ok_reentry', 'ok_exit', 'not_inside', 'duplicate_scan',
    'unreadable', 'unknown_key', 'bad_signature', 'revoked', 'cancelled',
    'wrong_venue', 'wrong_day', 'no_appointment', 'id_required', 'id_mismatch',
    'outside_hours', 'outside_slot', 'already_inside', 'quota_full', 'venue_full',
)
DOOR_REASONS = ('zone_not_allowed', 'no_seat', 'session_not_open', 'session_over', 'room_full', 'annulled')
REASONS = OLD_REASONS + DOOR_REASONS


def _reason_check(reasons) -> str:
    return "reason IN ({})".format(", ".join(f"'{reason}'" for reason in reasons))


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _kind_type():
    if _postgres():
        return postgresql.ENUM(*PASS_KINDS, name='pass_kind', create_type=False)
    return sa.Enum(*PASS_KINDS, name='pass_kind', length=20)


def _set_reasons(reasons) -> None:
    with op.batch_alter_table('checkin_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_checkin_events_known_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_checkin_events_known_reason'),
                                         _reason_check(reasons))


def upgrade():
    if _postgres():
        with op.get_context().autocommit_block():
            for value in MANIFEST_CHANGES:
                op.execute(f"ALTER TYPE manifest_change ADD VALUE IF NOT EXISTS '{value}'")
            for value in AUDIT_ACTIONS:
                op.execute(f"ALTER TYPE audit_action ADD VALUE IF NOT EXISTS '{value}'")
    op.create_table('zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.Enum('hall', 'forum_room', 'meeting_room', 'vip_lounge', 'media_centre', name='zone_kind', length=None), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=150), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('kinds', sa.String(length=120), server_default='', nullable=False),
    sa.Column('closes', sa.Time(), nullable=True),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 1', name=op.f('ck_zones_capacity_positive')),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], name=op.f('fk_zones_venue_id_venues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zones')),
    sa.UniqueConstraint('code', name=op.f('uq_zones_code'))
    )
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zones_venue_id'), ['venue_id'], unique=False)

    op.create_table('forums',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('title_zh', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('starts', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('kinds', sa.String(length=120), server_default='', nullable=False),
    sa.Column('registration_opens', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('registration_closes', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('doors_open_minutes', sa.Integer(), nullable=False),
    sa.Column('admit_until_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('doors_open_minutes >= 0 AND admit_until_minutes >= 0', name=op.f('ck_forums_door_minutes_not_negative')),
    sa.CheckConstraint('seats >= 0', name=op.f('ck_forums_seats_not_negative')),
    sa.CheckConstraint('seats_taken <= seats', name=op.f('ck_forums_seats_taken_within_seats')),
    sa.CheckConstraint('seats_taken >= 0', name=op.f('ck_forums_seats_taken_not_negative')),
    sa.CheckConstraint('starts < ends', name=op.f('ck_forums_starts_before_ends')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_forums_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forums')),
    sa.UniqueConstraint('code', name=op.f('uq_forums_code'))
    )
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.create_index('ix_forums_zone_starts', ['zone_id', 'starts'], unique=False)

    op.create_table('attention_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', _kind_type(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('text_zh', sa.String(length=200), nullable=False),
    sa.Column('text_en', sa.String(length=300), nullable=False),
    sa.Column('needs_staff', sa.Boolean(), nullable=False),
    sa.Column('updated_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(CASE WHEN kind IS NULL THEN 0 ELSE 1 END) + (CASE WHEN organisation_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN appointment_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_attention_notes_one_target')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_attention_notes_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_attention_notes_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attention_notes')),
    sa.UniqueConstraint('appointment_id', name=op.f('uq_attention_notes_appointment_id')),
    sa.UniqueConstraint('kind', name=op.f('uq_attention_notes_kind')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_attention_notes_organisation_id'))
    )
    op.create_table('seats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('document_index', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('active', 'cancelled', name='seat_status', length=None), nullable=False),
    sa.Column('created_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_seats_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_seats_forum_id_forums')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seats'))
    )
    with op.batch_alter_table('seats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seats_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index('ix_seats_document_status', ['document_index', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_seats_forum_id'), ['forum_id'], unique=False)
        batch_op.create_index('uq_seats_active_forum_document', ['forum_id', 'document_index'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('zone_presence',
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('kind', _kind_type(), nullable=False),
    sa.Column('inside', sa.Boolean(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('exits', sa.Integer(), nullable=False),
    sa.Column('last_direction', sa.String(length=3), nullable=True),
    sa.Column('last_gate', sa.String(length=20), nullable=True),
    sa.Column('last_passed_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('entries >= 0', name=op.f('ck_zone_presence_entries_not_negative')),
    sa.CheckConstraint('exits >= 0', name=op.f('ck_zone_presence_exits_not_negative')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_zone_presence_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], name=op.f('fk_zone_presence_venue_id_venues')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_zone_presence_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zone_presence')),
    sa.UniqueConstraint('serial', 'day', 'zone_id', name='uq_zone_presence_serial_day_zone')
    )
    with op.batch_alter_table('zone_presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zone_presence_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index('ix_zone_presence_zone_day', ['zone_id', 'day'], unique=False)

    op.create_table('forum_waitlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('document_index', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'offered', 'seated', 'expired', 'withdrawn', name='forum_wait_status', length=None), nullable=False),
    sa.Column('contact_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('contact_masked', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('joined_at', registration.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('offer_token_hash', sa.String(length=64), nullable=True),
    sa.Column('offered_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('offer_expires_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', registration.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'offered' OR (offer_token_hash IS NOT NULL AND offer_expires_at IS NOT NULL)", name=op.f('ck_forum_waitlist_entries_offer_has_token')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_forum_waitlist_entries_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_forum_waitlist_entries_forum_id_forums')),
    sa.ForeignKeyConstraint(['seat_id'], ['seats.id'], name=op.f('fk_forum_waitlist_entries_seat_id_seats')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_waitlist_entries')),
    sa.UniqueConstraint('code', name=op.f('uq_forum_waitlist_entries_code')),
    sa.UniqueConstraint('offer_token_hash', name=op.f('uq_forum_waitlist_entries_offer_token_hash'))
    )
    with op.batch_alter_table('forum_waitlist_entries', schema=None) as batch_op:
        batch_op.create_index('ix_forum_waitlist_line', ['forum_id', 'status', 'joined_at'], unique=False)
        batch_op.create_index('uq_forum_waitlist_active_document', ['forum_id', 'document_index'], unique=True, sqlite_where=sa.text("status IN ('waiting', 'offered')"), postgresql_where=sa.text("status IN ('waiting', 'offered')"))

    with op.batch_alter_table('checkin_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('annuls', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('annulled_at', registration.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_checkin_events_zone_id_zones'), 'zones', ['zone_id'], ['id'])
    _set_reasons(REASONS)

    with op.batch_alter_table('gates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_gates_zone_id'), ['zone_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_gates_zone_id_zones'), 'zones', ['zone_id'], ['id'])

    with op.batch_alter_table('occupancy_pools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_occupancy_pools_fair_day_id'), type_='unique')
        batch_op.create_index('uq_occupancy_pools_venue_day', ['fair_day_id'], unique=True, sqlite_where=sa.text('zone_id IS NULL'), postgresql_where=sa.text('zone_id IS NULL'))
        batch_op.create_index('uq_occupancy_pools_zone_day', ['fair_day_id', 'zone_id'], unique=True, sqlite_where=sa.text('zone_id IS NOT NULL'), postgresql_where=sa.text('zone_id IS NOT NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_occupancy_pools_zone_id_zones'), 'zones', ['zone_id'], ['id'])



def downgrade():
    # The new PostgreSQL enum values stay (a type cannot drop a value); nothing uses them.
    op.execute("DELETE FROM checkin_events WHERE reason IN ('zone_not_allowed', 'no_seat', "
               "'session_not_open', 'session_over', 'room_full', 'annulled')")
    _set_reasons(OLD_REASONS)
    with op.batch_alter_table('occupancy_pools', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_occupancy_pools_zone_id_zones'), type_='foreignkey')
        batch_op.drop_index('uq_occupancy_pools_zone_day', sqlite_where=sa.text('zone_id IS NOT NULL'), postgresql_where=sa.text('zone_id IS NOT NULL'))
        batch_op.drop_index('uq_occupancy_pools_venue_day', sqlite_where=sa.text('zone_id IS NULL'), postgresql_where=sa.text('zone_id IS NULL'))
        batch_op.create_unique_constraint(batch_op.f('uq_occupancy_pools_fair_day_id'), ['fair_day_id'])
        batch_op.drop_column('zone_id')

    with op.batch_alter_table('gates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_gates_zone_id_zones'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_gates_zone_id'))
        batch_op.drop_column('zone_id')

    with op.batch_alter_table('checkin_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkin_events_zone_id_zones'), type_='foreignkey')
        batch_op.drop_column('annulled_at')
        batch_op.drop_column('annuls')
        batch_op.drop_column('zone_id')

    with op.batch_alter_table('forum_waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_forum_waitlist_active_document', sqlite_where=sa.text("status IN ('waiting', 'offered')"), postgresql_where=sa.text("status IN ('waiting', 'offered')"))
        batch_op.drop_index('ix_forum_waitlist_line')

    op.drop_table('forum_waitlist_entries')
    with op.batch_alter_table('zone_presence', schema=None) as batch_op:
        batch_op.drop_index('ix_zone_presence_zone_day')
        batch_op.drop_index(batch_op.f('ix_zone_presence_appointment_id'))

    op.drop_table('zone_presence')
    with op.batch_alter_table('seats', schema=None) as batch_op:
        batch_op.drop_index('uq_seats_active_forum_document', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_seats_forum_id'))
        batch_op.drop_index('ix_seats_document_status')
        batch_op.drop_index(batch_op.f('ix_seats_appointment_id'))

    op.drop_table('seats')
    op.drop_table('attention_notes')
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.drop_index('ix_forums_zone_starts')

    op.drop_table('forums')
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zones_venue_id'))

    op.drop_table('zones')
    if _postgres():
        for name in ("zone_kind", "seat_status", "forum_wait_status"):
            op.execute(f"DROP TYPE IF EXISTS {name}")
