"""Issue 12, part 2: placeholder (filled by the piece of work that needs it)

Revision ID: 6b0000000002
Revises: 6b0000000001
Create Date: 2026-12-03 13:15:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '6b0000000002'
down_revision = '6b0000000001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
