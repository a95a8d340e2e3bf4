"""units.board_name: the name a unit's board signs with ("Ban Xây dựng Đảng Đảng ủy xã …")

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('board_name', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('board_name')
