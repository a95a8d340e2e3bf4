"""Every text names the right board: a commune's member is greeted by, hands questions to and is
answered by the commune's board under its own name; broadcasts say which board sent them; the
top board is named by LOA_BOARD_NAME or by the one top-level unit; a board can set its name."""
from __future__ import annotations

import re

from bot.boards import board_title
from bot.db.models import AuditEntry, Member, Unit
from tests.conftest import running_bot
from tests.test_province import AN_BINH, BINH_MINH, PROVINCE, UNANSWERABLE, setup_province

AN_BINH_BOARD = "Ban Xây dựng Đảng Đảng ủy xã An Bình"
BINH_MINH_BOARD = "Ban Xây dựng Đảng Đảng ủy xã Bình Minh"


def test_board_names_are_read_from_unit_names():
    assert board_title("Tỉnh ủy Bắc Ninh") == "Ban Tuyên giáo và Dân vận Tỉnh ủy Bắc Ninh"
    assert board_title("Đảng ủy xã Hoài Thượng") == "Ban Xây dựng Đảng Đảng ủy xã Hoài Thượng"
    assert board_title("Đảng bộ phường Kinh Bắc") == "Ban Xây dựng Đảng Đảng ủy phường Kinh Bắc"
    assert board_title("Xã Song Hồ") == "Ban Xây dựng Đảng Đảng ủy xã Song Hồ"
    assert board_title("dang uy xa  Tan  Chi") == "Ban Xây dựng Đảng dang uy xa Tan Chi"
    assert board_title("Chi bộ Thôn 1") == "Chi ủy chi bộ Thôn 1"
    assert board_title("Ban Tuyên giáo và Dân vận Tỉnh ủy") == "Ban Tuyên giáo và Dân vận Tỉnh ủy"
    # Nothing certain in the name: no body is made up.
    assert board_title("Khối cơ quan") == "Ban của Khối cơ quan"
    # The unit's own setting wins.
    assert board_title("Xã Song Hồ", "Ban Tuyên giáo xã Song Hồ") == "Ban Tuyên giáo xã Song Hồ"


async def _broadcast(h, admin, text: str) -> None:
    mark = await admin.send(f"/phatdi {text}")
    summary = await h.tg.wait_for(
        lambda c: c.chat_id == admin.id and "bcf:send" in str(c.markup), mark)
    await admin.press(summary, "Gửi")


async def test_each_commune_member_reads_the_name_of_their_own_board(bot_sqlite, tmp_path,
                                                                   monkeypatch, capsys):
    h = bot_sqlite
    _, a_board, b_board, a1, b1, b2 = await setup_province(h, tmp_path, monkeypatch, capsys)
    start = h.tg.mark()

    # Greeting and help name the member's own commune board.
    assert AN_BINH_BOARD in (await a1.reply("xin chào")).text
    assert BINH_MINH_BOARD in (await b2.reply("xin chào")).text
    assert BINH_MINH_BOARD in (await b1.reply("bạn là ai")).text

    # A question nothing answers goes to the commune's board, and the asker is told which.
    mark = await a1.send(UNANSWERABLE)
    told = await a1.next_reply(mark)
    assert f"đã được chuyển đến <b>{AN_BINH_BOARD}</b>" in told.text
    notice = await h.tg.wait_for(lambda c: c.chat_id == a_board.id and "Câu hỏi mới" in c.text,
                                 mark)
    qid = int(re.search(r"Câu hỏi mới số (\d+)", notice.text).group(1))

    # The commune board answers: signed by the commune's board, not the province's.
    mark = await a_board.send(f"/traloi {qid} Phụ cấp do xã chi theo nghị quyết của xã.")
    answer = await h.tg.wait_for(lambda c: c.chat_id == a1.id and "trả lời câu hỏi" in c.text,
                                 mark)
    assert answer.text.startswith(f"📨 <b>{AN_BINH_BOARD} trả lời câu hỏi của bạn:</b>")
    assert re.search(rf"📄 {AN_BINH_BOARD} \(trả lời ngày \d\d/\d\d/\d{{4}}\)", answer.text)
    await h.tg.wait_for(lambda c: c.chat_id == a_board.id and "Đã gửi câu trả lời" in c.text, mark)
    with h.loa.db.read() as s:   # the chat's answer is in the board's log too
        logged = [(e.action, e.channel, e.telegram_id) for e in s.query(AuditEntry)
                  if e.action == "answer"]
    assert logged == [("answer", "chat", a_board.id)]

    # The board sets the name it signs with; what members read follows at once.
    named = await a_board.reply(f"/donvi_tenban {AN_BINH} | Ban Xây dựng Đảng xã An Bình")
    assert "từ nay ký là: <b>Ban Xây dựng Đảng xã An Bình</b>" in named.text
    assert "Ban Xây dựng Đảng xã An Bình" in (await a1.reply("xin chào")).text
    # … but not another commune's: out of its scope, refused without naming it.
    refused = await a_board.reply(f"/donvi_tenban {BINH_MINH} | Ban giả")
    assert "không thuộc phạm vi" in refused.text
    with h.loa.db.read() as s:
        assert {u.name: u.board_name for u in s.query(Unit)}[BINH_MINH] is None

    # Broadcasts say which board sent them.
    mark = h.tg.mark()
    await _broadcast(h, a_board, "Lịch sinh hoạt chi bộ tháng 12")
    got = await h.tg.wait_for(lambda c: c.chat_id == a1.id and "Lịch sinh hoạt" in c.text, mark)
    assert got.text.startswith("📣 <b>Ban Xây dựng Đảng xã An Bình</b>\n\n")
    await _broadcast(h, h.admin, "Điểm tin của Tỉnh")
    got = await h.tg.wait_for(lambda c: c.chat_id == b2.id and "Điểm tin" in c.text, mark)
    assert got.text.startswith(f"📣 <b>{PROVINCE}</b>\n\n")
    for u in (a1, b1):
        await h.tg.wait_for(lambda c, u=u: c.chat_id == u.id and "Điểm tin" in c.text, mark)
    # Who has not acknowledged, by unit: the two communes' "Chi bộ Thôn 1" told apart.
    listing = (await h.admin.reply("/phatdi_ds")).text
    assert f"Chi bộ Thôn 1 ({AN_BINH})" in listing and f"Chi bộ Thôn 1 ({BINH_MINH})" in listing

    # No text any member read names a board of another place.
    for c in h.tg.sent(since=start):
        if c.chat_id in (a1.id, b1.id, b2.id):
            assert "Thị ủy" not in c.text and "{board}" not in c.text, c.text
            if c.chat_id != a1.id:
                assert "An Bình" not in c.text, c.text

    # /trangthai of a commune board: its own people, named as its own.
    status = (await a_board.reply("/trangthai")).text
    assert "Số liệu của Ban Xây dựng Đảng xã An Bình" in status
    assert "<b>Thành viên</b>: 2 đang hoạt động / 2" in status      # a_board and a1
    with h.loa.db.read() as s:
        everyone = s.query(Member).count()
    assert f"<b>Thành viên</b>: {everyone} đang hoạt động / {everyone}" in (
        await h.admin.reply("/trangthai")).text

    # Someone who never joined reads the top board's name.
    stranger = h.user("Người Lạ")
    assert f"Hãy liên hệ {PROVINCE}" in (await stranger.reply("/start")).text


async def test_the_top_board_is_named_by_configuration(sqlite_url, shared_kb, settings_overrides):
    overrides = dict(settings_overrides, board_name="Ban Tuyên giáo và Dân vận Tỉnh ủy Bắc Ninh")
    async with running_bot(sqlite_url, shared_kb, **overrides) as h:
        stranger = h.user("Người Lạ")
        text = (await stranger.reply("/start")).text
        assert "trợ lý của Ban Tuyên giáo và Dân vận Tỉnh ủy Bắc Ninh" in text
        refused = (await stranger.reply("/start ma-sai-12345678")).text
        assert "xin mã mới từ Ban Tuyên giáo và Dân vận Tỉnh ủy Bắc Ninh" in refused
        u = await h.member()
        mark = await u.send(UNANSWERABLE)
        assert "chuyển đến <b>Ban Tuyên giáo và Dân vận Tỉnh ủy Bắc Ninh</b>" in (
            await u.next_reply(mark)).text
