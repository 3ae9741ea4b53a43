"""Issue 12, part 3 (credentials): ``credential_gate_indexes``, the kiosks' ID-card look-up
indexes of credential passes on the venue-days after their carrier's

Revision ID: 6b0000000003
Revises: 6b0000000002
Create Date: 2026-12-03 13:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b0000000003'
down_revision = '6b0000000002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'credential_gate_indexes',
        sa.Column('fair_day_id', sa.Integer(), nullable=False),
        sa.Column('appointment_id', sa.Integer(), nullable=False),
        sa.Column('gate_index', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'],
                                name=op.f('fk_credential_gate_indexes_appointment_id_appointments')),
        sa.ForeignKeyConstraint(['fair_day_id'], ['fair_days.id'],
                                name=op.f('fk_credential_gate_indexes_fair_day_id_fair_days')),
        sa.PrimaryKeyConstraint('fair_day_id', 'appointment_id',
                                name=op.f('pk_credential_gate_indexes')),
    )
    op.create_index('ix_credential_gate_indexes_day_index', 'credential_gate_indexes',
                    ['fair_day_id', 'gate_index'], unique=False)
    op.create_index(op.f('ix_credential_gate_indexes_appointment_id'),
                    'credential_gate_indexes', ['appointment_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_credential_gate_indexes_appointment_id'),
                  table_name='credential_gate_indexes')
    op.drop_index('ix_credential_gate_indexes_day_index', table_name='credential_gate_indexes')
    op.drop_table('credential_gate_indexes')
