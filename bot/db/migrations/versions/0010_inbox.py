"""inbox: what people send (Telegram updates, Zalo events) stored before it is confirmed,
marked once handled

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
        'inbox',
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('received_at', dt, nullable=False),
        sa.Column('handled_at', dt, nullable=True),
        sa.PrimaryKeyConstraint('channel', 'key'),
    )
    op.create_index(op.f('ix_inbox_received_at'), 'inbox', ['received_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_inbox_received_at'), table_name='inbox')
    op.drop_table('inbox')
