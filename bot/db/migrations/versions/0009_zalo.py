"""the Zalo channel: accounts (the key each person has in Loa), typed-conversation state, and
link codes joining a Telegram and a Zalo account

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

import bot.db.models


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    dt = bot.db.models.UTCDateTime(timezone=True)
    op.create_table(
        'zalo_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('zalo_id', sa.String(length=64), nullable=False),
        sa.Column('chat_id', sa.String(length=64), nullable=False),
        sa.Column('display_name', sa.String(length=200), nullable=False),
        sa.Column('user_key', sa.BigInteger(), nullable=True),
        sa.Column('created_at', dt, nullable=False),
        sa.Column('last_seen_at', dt, nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('zalo_id'),
    )
    op.create_index(op.f('ix_zalo_accounts_user_key'), 'zalo_accounts', ['user_key'])
    op.create_table(
        'zalo_sessions',
        sa.Column('user_key', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('updated_at', dt, nullable=False),
        sa.PrimaryKeyConstraint('user_key'),
    )
    op.create_table(
        'link_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('telegram_id', sa.BigInteger(), nullable=False),
        sa.Column('expires_at', dt, nullable=False),
        sa.Column('used_at', dt, nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )


def downgrade() -> None:
    op.drop_table('link_codes')
    op.drop_table('zalo_sessions')
    op.drop_index(op.f('ix_zalo_accounts_user_key'), table_name='zalo_accounts')
    op.drop_table('zalo_accounts')
