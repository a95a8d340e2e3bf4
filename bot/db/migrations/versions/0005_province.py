"""one bot for a province: unit names unique among siblings; questions handed to the nearest
board; FAQ entries, uploads and broadcasts owned by a board's unit

Revision ID: 0005
Revises: 0004

A flat database keeps everything: every new column is NULL, which means the top-level board
(questions for it, FAQ entries and documents for everyone, broadcasts to everyone they named).
"""
from alembic import op
import sqlalchemy as sa
import bot.db.models


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# SQLite's copy of `units` names the unnamed UNIQUE(name) of 0001 by this convention, so the
# batch can drop it; PostgreSQL named it itself.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _drop_name_unique(batch_op, dialect: str) -> None:
    batch_op.drop_constraint('uq_units_name' if dialect == 'sqlite' else 'units_name_key',
                             type_='unique')


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    kw = {'naming_convention': _SQLITE_NAMES} if dialect == 'sqlite' else {}
    with op.batch_alter_table('units', schema=None, **kw) as batch_op:
        _drop_name_unique(batch_op, dialect)
        batch_op.create_unique_constraint('uq_units_parent_name', ['parent_id', 'name'])
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('board_unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_questions_board_unit_id'), ['board_unit_id'],
                              unique=False)
        batch_op.create_foreign_key('fk_questions_unit_id_units', 'units', ['unit_id'], ['id'])
        batch_op.create_foreign_key('fk_questions_board_unit_id_units', 'units',
                                    ['board_unit_id'], ['id'])
    with op.batch_alter_table('faqs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_faqs_unit_id_units', 'units', ['unit_id'], ['id'])
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('board_unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_broadcasts_board_unit_id_units', 'units',
                                    ['board_unit_id'], ['id'])
    op.create_table(
        'uploads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=300), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_by', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
        sa.ForeignKeyConstraint(['uploaded_by'], ['members.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('file_name'),
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table('uploads')
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_broadcasts_board_unit_id_units', type_='foreignkey')
        batch_op.drop_column('board_unit_id')
    with op.batch_alter_table('faqs', schema=None) as batch_op:
        batch_op.drop_constraint('fk_faqs_unit_id_units', type_='foreignkey')
        batch_op.drop_column('unit_id')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_questions_board_unit_id_units', type_='foreignkey')
        batch_op.drop_constraint('fk_questions_unit_id_units', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_questions_board_unit_id'))
        batch_op.drop_column('board_unit_id')
        batch_op.drop_column('unit_id')
    # Names repeated under different parents would break UNIQUE(name): refuse rather than guess.
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint('uq_units_parent_name', type_='unique')
        batch_op.create_unique_constraint('uq_units_name' if dialect == 'sqlite'
                                          else 'units_name_key', ['name'])
