"""A commune's board learns nothing of units outside its subtree: a number or a part of a name
typed into /tonghop, /moi, /donvi, /thanhvien or /xuatbaocao is refused without naming the
unit it would have found."""
from __future__ import annotations

from tests.rollup_tree import BOARD_B, make_tree

OUTSIDE = ["Chi bộ An Bình 1", "Chi bộ An Bình 2", "Xã An Bình"]


async def test_numbers_and_parts_of_names_outside_the_scope_name_nothing(bot_sqlite):
    h = bot_sqlite
    ids = make_tree(h.loa.db, h.loa.reports.today())
    commune = h.user("Ban Tuyên giáo xã", BOARD_B)
    for ref in [str(ids["Chi bộ An Bình 1"]), str(ids["Xã An Bình"]), "An Bình 2", "An Bình"]:
        for cmd in ("/tonghop", "/moi", "/donvi", "/thanhvien", "/xuatbaocao"):
            reply = (await commune.reply(f"{cmd} {ref}")).text
            said = reply.split("ví dụ")[0]           # the usage example is a fixed text
            leaked = [name for name in OUTSIDE if name in said]
            assert not leaked, (cmd, ref, reply)
            assert "không" in reply.lower(), (cmd, ref, reply)   # refused or not found, plainly
    # Inside its own subtree the same kinds of reference still work.
    own = (await commune.reply(f"/tonghop {ids['Chi bộ Bình Minh 1']}")).text
    assert "Chi bộ Bình Minh 1" in own
    part = (await commune.reply("/tonghop Bình Minh 2")).text
    assert "Chi bộ Bình Minh 2" in part
