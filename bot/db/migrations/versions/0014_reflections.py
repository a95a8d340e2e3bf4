"""reflections: members' phản ánh (dư luận, tin sai trái, mô hình hay, kiến nghị) and the board's
handling of them

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

import bot.db.models


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reflections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('board_unit_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=True),
        sa.Column('photo', sa.String(length=500), nullable=True),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('anonymous', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('answer_text', sa.Text(), nullable=True),
        sa.Column('answered_by', sa.Integer(), nullable=True),
        sa.Column('answered_at', bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('source', sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['members.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['board_unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['answered_by'], ['members.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source'),
    )
    op.create_index('ix_reflections_unit_id', 'reflections', ['unit_id'])
    op.create_index('ix_reflections_board_unit_id', 'reflections', ['board_unit_id'])
    op.create_index('ix_reflections_status', 'reflections', ['status'])


def downgrade() -> None:
    op.drop_index('ix_reflections_status', table_name='reflections')
    op.drop_index('ix_reflections_board_unit_id', table_name='reflections')
    op.drop_index('ix_reflections_unit_id', table_name='reflections')
    op.drop_table('reflections')
