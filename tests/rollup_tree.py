"""A small province tree with board members and reports, written straight into the database."""
from __future__ import annotations

from datetime import date

from bot.db.models import ROLE_ADMIN, Member, Report, Unit

ROOT = "Ban Tuyên giáo và Dân vận Tỉnh ủy"
TREE = [("Xã An Bình", ROOT), ("Xã Bình Minh", ROOT), ("Chi bộ An Bình 1", "Xã An Bình"),
        ("Chi bộ An Bình 2", "Xã An Bình"), ("Chi bộ Bình Minh 1", "Xã Bình Minh"),
        ("Tổ Bình Minh 1a", "Chi bộ Bình Minh 1"), ("Chi bộ Bình Minh 2", "Xã Bình Minh")]
BOARD_A, BOARD_B = 7100001, 7100002   # commune board members of Xã An Bình / Xã Bình Minh


def make_tree(db, day: date) -> dict[str, int]:
    """The tree, one reporter per unit, two commune board members, and reports dated `day`:
    An Bình 1 twice (Hội nghị 10, Mạng xã hội 20), Tổ Bình Minh 1a once (Hội nghị 5) and
    Xã Bình Minh itself once (Khác 7). An Bình 2 and Bình Minh 2 stay silent."""
    with db.session() as s:
        root = Unit(name=ROOT, kind="tinh")
        s.add(root)
        s.flush()
        ids = {ROOT: root.id}
        for name, parent in TREE:
            u = Unit(name=name, parent_id=ids[parent])
            s.add(u)
            s.flush()
            ids[name] = u.id
        people = {}
        for i, name in enumerate([ROOT] + [n for n, _ in TREE]):
            m = Member(telegram_id=7200000 + i, chat_id=7200000 + i, full_name=f"Người {i}",
                       unit_id=ids[name], is_reporter=not name.startswith(("Xã", "Ban", "Chi bộ Bình Minh 1")))
            s.add(m)
            people[name] = m
        for tid, unit in ((BOARD_A, "Xã An Bình"), (BOARD_B, "Xã Bình Minh")):
            s.add(Member(telegram_id=tid, chat_id=tid, full_name="Ban Tuyên giáo xã",
                         role=ROLE_ADMIN, unit_id=ids[unit], board_unit_id=ids[unit]))
        s.flush()
        for unit, form, n in (("Chi bộ An Bình 1", "Hội nghị", 10),
                              ("Chi bộ An Bình 1", "Mạng xã hội", 20),
                              ("Tổ Bình Minh 1a", "Hội nghị", 5), ("Xã Bình Minh", "Khác", 7)):
            s.add(Report(unit_id=ids[unit], member_id=people[unit].id, activity_date=day,
                         form=form, content=f"Tuyên truyền Chỉ thị 30 tại {unit}",
                         participants=n))
    return ids
