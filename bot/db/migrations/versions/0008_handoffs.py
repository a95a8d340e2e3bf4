"""questions: when each was sent to the board, and the asker's message (an edit is answered again)

Revision ID: 0008
Revises: 0007

Two nullable columns. The daily hand-off limit now counts questions by when the board was told,
so a question shown as related and sent later, or a held one the board answers from its list,
is counted right; questions already with the board count from when they were asked.
"""
from alembic import op
import sqlalchemy as sa

import bot.db.models


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handed_off_at', bot.db.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.BigInteger(), nullable=True))
    questions = sa.table('questions', sa.column('status', sa.String),
                         sa.column('created_at', bot.db.models.UTCDateTime(timezone=True)),
                         sa.column('handed_off_at', bot.db.models.UTCDateTime(timezone=True)))
    op.get_bind().execute(questions.update()
                          .where(questions.c.status.in_(['open', 'board']))
                          .values(handed_off_at=questions.c.created_at))


def downgrade() -> None:
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('message_id')
        batch_op.drop_column('handed_off_at')
