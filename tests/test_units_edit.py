"""Units as Excel writes them and units that change: a `;`-separated CSV with or without a BOM,
a header Loa does not know refused with its line, and rename / move / deactivate in the chat
and the CLI, each inside the board's scope."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db.models import Unit
from bot.errors import InvalidInput
from bot.services.members import MembersService

SEMICOLON = ("\ufeffname;parent;kind\nXã An Bình;;xa_phuong\nChi bộ Thôn 1;Xã An Bình;chi_bo\n"
             "\"Chi bộ Thôn 2; xóm Đông\";Xã An Bình;chi_bo\n")


def test_excel_semicolon_csv_with_bom_is_read(db):
    members = MembersService(db)
    results = members.import_units(SEMICOLON)
    assert [u.name for u, _ in results] == ["Xã An Bình", "Chi bộ Thôn 1", "Chi bộ Thôn 2; xóm Đông"]
    with db.read() as s:
        names = set(s.scalars(select(Unit.name)))
    assert "name;parent;kind" not in names and "X;;tinh" not in names
    assert members.unit_path(results[1][0].id) == "Xã An Bình › Chi bộ Thôn 1"


@pytest.mark.parametrize("text", ["Tên đơn vị cấp dưới;Cấp trên\nChi bộ 1;Xã A\n",
                                  "unit,parent\nChi bộ 1,Xã A\n", "STT;Đơn vị cấp trên\n1;Xã A\n"])
def test_a_header_loa_does_not_know_is_refused_with_its_line(db, text):
    with pytest.raises(InvalidInput) as e:
        MembersService(db).import_units(text)
    assert "Dòng 1" in e.value.plain()
    with db.read() as s:
        assert s.scalars(select(Unit)).all() == []


async def test_boards_rename_move_and_deactivate_units_in_their_scope(bot):
    h = bot
    await h.admin.reply("/start")
    m = h.loa.members
    m.add_unit("Xã An Bình")
    m.add_unit("Xã Bình Minh")
    m.add_unit("Chi bộ Thôn 1", parent="Xã An Bình")
    m.add_unit("Chi bộ Thôn 9", parent="Xã An Bình")
    board = h.user("Ban xã An Bình")
    inv = m.create_invite("Xã An Bình", admin=True)
    await board.reply(f"/start {inv.code}")
    assert "Đã đổi tên" in (await board.reply("/donvi_doiten Chi bộ Thôn 1 | Chi bộ Thôn Một")).text
    assert "Chi bộ Thôn Một" in (await board.reply("/donvi")).text
    # Outside its scope, or its own board's unit: refused.
    assert "không thuộc phạm vi" in (await board.reply("/donvi_doiten Xã Bình Minh | X")).text
    assert "Ban cấp trên" in (await board.reply("/donvi_ngung Xã An Bình")).text
    # Deactivated: out of the lists and of invites; its open invite is revoked.
    spare = m.create_invite("Chi bộ Thôn 9")
    assert "Đã ngừng" in (await board.reply("/donvi_ngung Chi bộ Thôn 9")).text
    assert "Thôn 9" not in (await board.reply("/donvi")).text
    assert "thu hồi" in (await h.user("Đến sau").reply(f"/start {spare.code}")).text
    # The province moves a chi bộ to the other commune.
    moved = (await h.admin.reply("/donvi_chuyen Chi bộ Thôn Một | Xã Bình Minh")).text
    assert "Xã Bình Minh" in moved
    assert "Thôn Một" not in (await board.reply("/donvi")).text
    cycle = (await h.admin.reply("/donvi_chuyen Xã Bình Minh | Chi bộ Thôn Một")).text
    assert "nằm trong chính nó" in cycle


def test_cli_rename_move_deactivate(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOA_DATABASE_URL", f"sqlite:///{tmp_path / 'loa.db'}")
    (tmp_path / "units.csv").write_text(SEMICOLON, encoding="utf-8")
    assert main(["units", "import", "units.csv"]) == 0
    assert main(["units", "rename", "Chi bộ Thôn 1", "Chi bộ Thôn Một"]) == 0
    assert main(["units", "add", "Xã Mới"]) == 0
    assert main(["units", "move", "Chi bộ Thôn Một", "--parent", "Xã Mới"]) == 0
    assert main(["units", "deactivate", "Chi bộ Thôn 2; xóm Đông"]) == 0
    capsys.readouterr()
    assert main(["units", "list"]) == 0
    out = capsys.readouterr().out
    assert "Chi bộ Thôn Một" in out and "(đã ngừng)" in out
    assert main(["units", "deactivate", "Xã Mới"]) == 2      # a unit is still under it


async def test_lists_show_the_parent_of_units_that_share_a_name(bot):
    h = bot
    await h.admin.reply("/start")
    m = h.loa.members
    m.add_unit("Xã An Bình")
    m.add_unit("Xã Bình Minh")
    m.add_unit("Chi bộ Thôn 1", parent="Xã An Bình")
    m.add_unit("Chi bộ Thôn 1", parent="Xã Bình Minh")
    m.add_unit("Chi bộ Thôn 7", parent="Xã Bình Minh")
    for path in ("Xã An Bình › Chi bộ Thôn 1", "Xã Bình Minh › Chi bộ Thôn 1"):
        inv = m.create_invite(path)
        await h.user(f"Người {path[-12:]}").reply(f"/start {inv.code}")
    m.create_invite("Chi bộ Thôn 7")
    members = (await h.admin.reply("/thanhvien")).text
    assert "Chi bộ Thôn 1 (Xã An Bình)" in members and "Chi bộ Thôn 1 (Xã Bình Minh)" in members
    invites = (await h.admin.reply("/moi_ds")).text
    assert "Chi bộ Thôn 1 (Xã An Bình)" in invites and "Chi bộ Thôn 7 (" not in invites
