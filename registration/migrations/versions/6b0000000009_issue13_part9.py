"""Issue 13, part 9: placeholder (filled by the piece of work that needs it)

Revision ID: 6b0000000009
Revises: 6b0000000008
Create Date: 2026-12-04 13:55:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '6b0000000009'
down_revision = '6b0000000008'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
