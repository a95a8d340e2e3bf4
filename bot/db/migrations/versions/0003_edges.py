"""invalid invite codes (rate limit across all users); names without bidi/invisible characters

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import bot.db.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('invite_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('invite_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invite_failures_at'), ['at'], unique=False)
    _clean_names()


def _clean_names() -> None:
    """Names stored before they were cleaned lose their bidi and invisible characters."""
    from bot.text import clean_name
    conn = op.get_bind()
    members = sa.table('members', sa.column('id', sa.Integer), sa.column('full_name', sa.String))
    for mid, name in conn.execute(sa.select(members.c.id, members.c.full_name)).all():
        if name and clean_name(name) != name:
            conn.execute(members.update().where(members.c.id == mid)
                         .values(full_name=clean_name(name)))
    units = sa.table('units', sa.column('id', sa.Integer), sa.column('name', sa.String))
    rows = conn.execute(sa.select(units.c.id, units.c.name)).all()
    taken = {name.lower() for _, name in rows if name}
    for uid, name in rows:
        new = clean_name(name) if name else name
        if not new or new == name:
            continue
        if new.lower() in taken:  # never two units of one name: the board sees which to merge
            new = f"{new} (#{uid})"
        conn.execute(units.update().where(units.c.id == uid).values(name=new))
        taken.add(new.lower())


def downgrade() -> None:
    with op.batch_alter_table('invite_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invite_failures_at'))
    op.drop_table('invite_failures')
