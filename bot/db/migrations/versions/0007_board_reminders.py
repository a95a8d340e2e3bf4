"""board_reminders: each board is told once a month about its own silent units

Revision ID: 0007
Revises: 0006 (re-chained after 0006_desk when merged into desk; 0004 on branch rollup)

A new table only; nothing existing changes.
"""
from alembic import op
import sqlalchemy as sa

import bot.db.models


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'board_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('board', sa.String(length=40), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('sent_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('board', 'period'),
    )


def downgrade() -> None:
    op.drop_table('board_reminders')
