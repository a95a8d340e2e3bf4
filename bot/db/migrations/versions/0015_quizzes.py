"""quizzes: short quizzes after a quán triệt, their questions, members' attempts and answers, and
the Telegram polls that carry them

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

import bot.db.models


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'quizzes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('board_unit_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('audience', sa.JSON(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('opens_at', bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('closes_at', bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('published_at', bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('reminded_at', bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('broadcast_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['board_unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['created_by'], ['members.id']),
        sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_quizzes_status', 'quizzes', ['status'])
    op.create_table(
        'quiz_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quiz_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('correct', sa.JSON(), nullable=False),
        sa.Column('explanation', sa.Text(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('source_text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_quiz_questions_quiz_id', 'quiz_questions', ['quiz_id'])
    op.create_table(
        'quiz_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quiz_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('started_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id']),
        sa.ForeignKeyConstraint(['member_id'], ['members.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('quiz_id', 'member_id', 'number'),
    )
    op.create_index('ix_quiz_attempts_quiz_id', 'quiz_attempts', ['quiz_id'])
    op.create_index('ix_quiz_attempts_member_id', 'quiz_attempts', ['member_id'])
    op.create_table(
        'quiz_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('chosen', sa.JSON(), nullable=False),
        sa.Column('right', sa.Boolean(), nullable=False),
        sa.Column('answered_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id']),
        sa.ForeignKeyConstraint(['question_id'], ['quiz_questions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('attempt_id', 'question_id'),
    )
    op.create_index('ix_quiz_answers_attempt_id', 'quiz_answers', ['attempt_id'])
    op.create_table(
        'quiz_polls',
        sa.Column('poll_id', sa.String(length=100), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id']),
        sa.ForeignKeyConstraint(['question_id'], ['quiz_questions.id']),
        sa.PrimaryKeyConstraint('poll_id'),
    )


def downgrade() -> None:
    op.drop_table('quiz_polls')
    op.drop_index('ix_quiz_answers_attempt_id', table_name='quiz_answers')
    op.drop_table('quiz_answers')
    op.drop_index('ix_quiz_attempts_member_id', table_name='quiz_attempts')
    op.drop_index('ix_quiz_attempts_quiz_id', table_name='quiz_attempts')
    op.drop_table('quiz_attempts')
    op.drop_index('ix_quiz_questions_quiz_id', table_name='quiz_questions')
    op.drop_table('quiz_questions')
    op.drop_index('ix_quizzes_status', table_name='quizzes')
    op.drop_table('quizzes')
