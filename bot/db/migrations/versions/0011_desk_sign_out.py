"""members.desk_signed_out_at: signing out of the desk ends every session issued before it

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

import bot.db.models


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('desk_signed_out_at',
                                      bot.db.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('desk_signed_out_at')
