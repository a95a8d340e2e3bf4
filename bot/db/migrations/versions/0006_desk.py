"""one-time desktop sign-in links to the board's dashboard (only a hash of each token is kept)

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import bot.db.models


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('desk_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', bot.db.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )


def downgrade() -> None:
    op.drop_table('desk_links')
