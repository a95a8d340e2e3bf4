"""inbox_updates: Telegram updates stored before they are confirmed, marked once handled

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

import bot.db.models


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    dt = bot.db.models.UTCDateTime(timezone=True)
    op.create_table(
        'inbox_updates',
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('received_at', dt, nullable=False),
        sa.Column('handled_at', dt, nullable=True),
        sa.PrimaryKeyConstraint('update_id'),
    )
    op.create_index(op.f('ix_inbox_updates_received_at'), 'inbox_updates', ['received_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_inbox_updates_received_at'), table_name='inbox_updates')
    op.drop_table('inbox_updates')
