"""Board invites (a stranger with a leaked board link read /tonghop and nobody knew): one use
by default, revocable in the chat and the CLI, a join to a board told at once to that board
and the one above, and the board role removable without deactivating the person."""
from __future__ import annotations

from bot.cli import main
from tests.conftest import ADMIN_ID


async def test_board_invite_is_single_use_told_at_once_and_revocable(bot):
    h = bot
    await h.admin.reply("/start")
    h.loa.members.add_unit("Xã An Bình")
    h.loa.members.add_unit("Chi bộ Thôn 1", parent="Xã An Bình")
    made = (await h.admin.reply("/moi Xã An Bình --admin")).text
    assert "còn 1/1 lượt" in made
    code = made.split("<code>")[1].split("</code>")[0]
    first = h.user("Người Được Mời")
    mark = h.tg.mark()
    assert "thành viên <b>Ban Xây dựng Đảng Đảng ủy xã An Bình</b>" in (
        await first.reply(f"/start {code}")).text
    notice = await h.tg.wait_for(lambda c: c.chat_id == ADMIN_ID and "vừa vào Ban" in c.text,
                                 mark)
    member_id = h.loa.members.get(first.id).id
    assert "Người Được Mời" in notice.text and f"/thanhvien_bo_admin {member_id}" in notice.text
    stranger = h.user("Người Lạ")
    assert "đã dùng hết" in (await stranger.reply(f"/start {code}")).text
    assert not h.loa.members.is_admin(stranger.id)

    # A commune's board is told too when someone joins a chi bộ's board under it.
    more = (await h.admin.reply("/moi Chi bộ Thôn 1 --admin")).text
    code2 = more.split("<code>")[1].split("</code>")[0]
    mark = h.tg.mark()
    await h.user("Bí thư Chi bộ").reply(f"/start {code2}")
    await h.tg.wait_for(lambda c: c.chat_id == first.id and "vừa vào Ban" in c.text, mark)

    # Revoked: nobody joins with it.
    spare = (await h.admin.reply("/moi Chi bộ Thôn 1")).text
    code3 = spare.split("<code>")[1].split("</code>")[0]
    assert "Đã thu hồi" in (await h.admin.reply(f"/moi_huy {code3}")).text
    late = h.user("Đến Muộn")
    assert "thu hồi" in (await late.reply(f"/start {code3}")).text
    assert "Không có mã mời" in (await h.admin.reply(f"/moi_huy {code3}")).text

    # The board role taken back: still a member, no longer a board member.
    assert "không còn là thành viên Ban" in (
        await h.admin.reply(f"/thanhvien_bo_admin {member_id}")).text
    m = h.loa.members.get(first.id)
    assert m.active and not h.loa.members.is_admin(first.id)
    assert "chỉ dành cho Ban" in (await first.reply("/tonghop")).text


def test_cli_board_invite_is_single_use_and_revocable(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOA_DATABASE_URL", f"sqlite:///{tmp_path / 'loa.db'}")
    assert main(["units", "add", "Xã An Bình"]) == 0
    assert main(["invite", "Xã An Bình", "--admin"]) == 0
    out = capsys.readouterr().out
    code = out.split("Mã mời:")[1].split()[0]
    assert "còn 1/1 lượt" in out
    assert main(["invites", "--revoke", code]) == 0
    assert "Đã thu hồi" in capsys.readouterr().out
    assert main(["invites"]) == 0
    assert code not in capsys.readouterr().out


async def test_a_reporter_is_told_at_join_what_it_means(bot_sqlite):
    h = bot_sqlite
    h.loa.members.add_unit("Chi bộ Thôn 4")
    inv = h.loa.members.create_invite("Chi bộ Thôn 4", is_reporter=True)
    text = (await h.user("Người báo cáo").reply(f"/start {inv.code}")).text
    assert "người báo cáo" in text and "/baocao" in text and "nhắc" in text
    plain = h.loa.members.create_invite("Chi bộ Thôn 4")
    text = (await h.user("Tuyên truyền viên").reply(f"/start {plain.code}")).text
    assert "người báo cáo</b> của đơn vị" not in text
