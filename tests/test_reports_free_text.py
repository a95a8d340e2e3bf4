"""A report typed as an ordinary message (or a photo's caption) is offered as a report to save,
never taken for a question; questions, even with numbers in them, stay questions."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.config import DEFAULT_REPORT_FORMS
from bot.db.models import Question, Report
from bot.services.reports import Rules, read_free_report

TODAY = date(2026, 12, 7)
RULES = Rules(TODAY, DEFAULT_REPORT_FORMS)


@pytest.mark.parametrize("text,form,n,day", [
    ("Báo cáo: hôm nay chi bộ thôn Bình Cầu tổ chức hội nghị quán triệt Chỉ thị 30, 42 người dự",
     "Hội nghị", 42, TODAY),
    ("Chi bộ thôn 3 tổ chức sinh hoạt chuyên đề ngày 5/12, 30 đảng viên tham dự",
     "Sinh hoạt chi bộ", 30, date(2026, 12, 5)),
    ("BC: phát loa 3 buổi về phòng chống lừa đảo, 200 hộ dân nghe", "Truyền thanh cơ sở", 200,
     TODAY),
    ("hôm qua tổ 5 tuyên truyền tại khu dân cư, có 25 người tham gia",
     "Tuyên truyền trực tiếp tại khu dân cư", 25, date(2026, 12, 6)),
])
def test_reports_typed_as_messages_are_read(text, form, n, day):
    r = read_free_report(text, RULES, DEFAULT_REPORT_FORMS)
    assert (r.form, r.participants, r.activity_date) == (form, n, day)
    assert not r.content.lower().startswith(("báo cáo", "bc"))


@pytest.mark.parametrize("text", [
    "hội nghị quán triệt có bao nhiêu người dự?", "chi thi 30 do ai ban hanh",
    "trách nhiệm của 3 đồng chí phó bí thư trong hội nghị",
    "cho em hỏi tổ chức hội nghị 30 người dự thì cần gì",
    "nhiệm vụ của 2 đồng chí trong ban chỉ đạo là gì"])
def test_questions_stay_questions(text):
    assert read_free_report(text, RULES, DEFAULT_REPORT_FORMS) is None


async def test_a_report_typed_as_a_message_is_offered_and_saved_not_asked(bot):
    h = bot
    u = await h.member(reporter=True)
    offer = await u.reply("Báo cáo: hôm nay chi bộ thôn Bình Cầu tổ chức hội nghị quán triệt "
                          "Chỉ thị 30, 42 người dự")
    assert "Lưu làm báo cáo?" in offer.text and "42" in offer.text
    mark = await u.press(offer, "Lưu")
    await h.tg.wait_for(lambda c: c.chat_id == u.id and "Đã lưu báo cáo" in (c.text or ""), mark)
    with h.loa.db.read() as s:
        assert s.scalar(select(Report.participants)) == 42
        assert s.scalars(select(Question)).all() == []          # not a question
    # A photo with such a caption: the same offer, with the photo kept.
    mark = await u.send_photo(caption="Chi bộ tổ chức sinh hoạt chuyên đề, 30 đảng viên tham dự")
    offer = await h.tg.wait_for(lambda c: c.chat_id == u.id and "Lưu làm báo cáo" in (c.text or ""),
                                mark)
    assert "Ảnh minh chứng: 1" in offer.text
    # A photo without one is explained, not dropped silently.
    mark = await u.send_photo()
    await h.tg.wait_for(lambda c: c.chat_id == u.id and "Loa đã nhận ảnh" in (c.text or ""), mark)


async def test_huy_drops_a_report_waiting_for_its_check(bot_sqlite):
    h = bot_sqlite
    u = await h.member(reporter=True)
    offer = await u.reply("/baocao hôm nay | Hội nghị | Quán triệt Chỉ thị 30 | 45")
    assert "Kiểm tra báo cáo" in offer.text
    assert "Đã hủy" in (await u.reply("/huy")).text
    mark = await u.press(offer, "Lưu")          # the old button saves nothing now
    await h.settled()
    with h.loa.db.read() as s:
        assert s.scalars(select(Report)).all() == []
    assert "Không có việc gì" in (await u.reply("/huy")).text


async def test_a_board_members_own_question_goes_to_the_others_not_to_themself(bot_sqlite):
    h = bot_sqlite
    await h.admin.reply("/start")
    m = h.loa.members
    m.add_unit("Xã An Bình")
    a, b = h.user("Ban viên A"), h.user("Ban viên B")
    for who in (a, b):
        inv = m.create_invite("Xã An Bình", admin=True)
        await who.reply(f"/start {inv.code}")
    mark = h.tg.mark()
    reply = await a.reply("/hoi giá phân bón vụ đông năm nay là bao nhiêu tiền một bao")
    if "Gửi câu hỏi cho Ban" in str(reply.buttons()):
        await a.press(reply, "Gửi câu hỏi cho Ban")
    await h.tg.wait_for(lambda c: c.chat_id == b.id and "phân bón" in (c.text or ""), mark)
    await h.settled()
    assert not [c for c in h.tg.sent(chat_id=a.id, since=mark)
                if "phân bón" in (c.text or "") and "Câu hỏi mới" in (c.text or "")]


async def test_a_head_count_beyond_plausible_asks_once_more(bot_sqlite):
    h = bot_sqlite
    u = await h.member(reporter=True)
    offer = await u.reply("/baocao hôm nay | Hội nghị | Quán triệt Chỉ thị 30 | 4200")
    mark = await u.press(offer, "Lưu")
    warning = await h.tg.wait_for(lambda c: c.chat_id == u.id and "rất lớn" in (c.text or ""),
                                  mark)
    with h.loa.db.read() as s:
        assert s.scalars(select(Report)).all() == []           # nothing saved yet
    mark = await u.press(warning, "Vẫn lưu")
    await h.tg.wait_for(lambda c: c.chat_id == u.id and "Đã lưu báo cáo" in (c.text or ""), mark)
    with h.loa.db.read() as s:
        assert s.scalar(select(Report.participants)) == 4200


async def test_forwarded_news_is_not_taken_as_a_question(bot_sqlite):
    """A member forwards an article to the bot: told how to ask, nothing stored or handed to the
    board (so the periodic draft does not count it as a question)."""
    h = bot_sqlite
    await h.admin.reply("/start")
    u = await h.member()
    origin = {"type": "hidden_user", "date": 1_700_000_000, "sender_user_name": "Trang tin xã"}
    mark = h.tg.mark()
    reply = await u.reply("Giá xăng dầu tăng mạnh từ 15 giờ chiều nay, bà con lưu ý",
                          forward_origin=origin)
    assert "tin chuyển tiếp" in reply.text and "gõ câu hỏi" in reply.text
    with h.loa.db.read() as s:
        assert s.scalars(select(Question)).all() == []
    assert not [c for c in h.tg.sent(h.admin.id, since=mark) if "Câu hỏi mới" in (c.text or "")]
    # The same words typed by the member are a question as usual.
    typed = await u.reply("Giá xăng dầu tăng mạnh từ 15 giờ chiều nay phải không ạ")
    assert "tin chuyển tiếp" not in typed.text
    with h.loa.db.read() as s:
        assert len(s.scalars(select(Question)).all()) == 1
