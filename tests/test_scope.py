"""A board member's scope: the unit tree in the database decides what each admin sees."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import ROLE_ADMIN, Member, Unit
from bot.errors import NotAllowed
from bot.scope import children, path, subtree
from bot.services.members import MembersService

TOP_ADMIN = 9000001


def _tree(db):
    """Tỉnh › (Xã A › Chi bộ A1, A2), (Xã B › Chi bộ B1 › Tổ B1a)."""
    with db.session() as s:
        root = Unit(name="Ban Tuyên giáo và Dân vận Tỉnh ủy", kind="tinh")
        s.add(root)
        s.flush()
        ids = {"root": root.id}
        for name, parent in [("Xã A", "root"), ("Xã B", "root"), ("Chi bộ A1", "Xã A"),
                             ("Chi bộ A2", "Xã A"), ("Chi bộ B1", "Xã B"), ("Tổ B1a", "Chi bộ B1")]:
            u = Unit(name=name, parent_id=ids[parent])
            s.add(u)
            s.flush()
            ids[name] = u.id
    return ids


def _admin(db, telegram_id: int, board_unit: int | None, role: str = ROLE_ADMIN) -> None:
    with db.session() as s:
        s.add(Member(telegram_id=telegram_id, chat_id=telegram_id, full_name="Cán bộ",
                     role=role, board_unit_id=board_unit, unit_id=board_unit))


def test_scope_follows_the_tree_and_is_read_fresh(db):
    ids = _tree(db)
    members = MembersService(db, frozenset({TOP_ADMIN}))
    _admin(db, 501, ids["Xã B"])
    _admin(db, 502, None)          # an admin row without a board unit: the top-level board
    _admin(db, 503, ids["Xã A"], role="member")

    top = members.scope(TOP_ADMIN)
    assert top.is_top and top.covers(ids["Tổ B1a"]) and top.covers(None)
    assert members.scope(502).is_top

    b = members.scope(501)
    assert b.unit_id == ids["Xã B"]
    assert b.unit_ids == {ids["Xã B"], ids["Chi bộ B1"], ids["Tổ B1a"]}
    assert b.covers(ids["Tổ B1a"]) and not b.covers(ids["Chi bộ A1"]) and not b.covers(None)
    with db.read() as s:
        visible = set(s.scalars(select(Unit.name).where(b.where(Unit.id))))
        assert visible == {"Xã B", "Chi bộ B1", "Tổ B1a"}
        assert [u.name for u in children(s, b)] == ["Chi bộ B1"]
        assert [u.name for u in children(s, top)] == ["Ban Tuyên giáo và Dân vận Tỉnh ủy"]
        assert [u.name for u in path(s, ids["Tổ B1a"])] == [
            "Ban Tuyên giáo và Dân vận Tỉnh ủy", "Xã B", "Chi bộ B1", "Tổ B1a"]
        assert subtree(s, ids["Chi bộ A1"]) == {ids["Chi bộ A1"]}

    with pytest.raises(NotAllowed):
        members.scope(503)              # a plain member has no scope
    with pytest.raises(NotAllowed):
        members.scope(777)              # nor does a stranger
    with db.session() as s:             # demoted: the next action sees it at once
        s.execute(Member.__table__.update().where(Member.telegram_id == 501).values(active=False))
    with pytest.raises(NotAllowed):
        members.scope(501)
