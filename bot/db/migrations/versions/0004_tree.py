"""units form a tree (parent_id); an admin's board unit (board_unit_id)

Revision ID: 0004
Revises: 0003

An existing flat database keeps every unit (all top level) and every admin on the top-level
board (board_unit_id NULL), so nothing anyone could see or do before changes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key('fk_units_parent_id_units', 'units', ['parent_id'], ['id'])
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('board_unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_members_board_unit_id_units', 'units',
                                    ['board_unit_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint('fk_members_board_unit_id_units', type_='foreignkey')
        batch_op.drop_column('board_unit_id')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint('fk_units_parent_id_units', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))
        batch_op.drop_column('parent_id')
