"""An admin who replies to a "new question" notice the instant it arrives still answers the asker
(the reply may be handled before the notice's message id could be stored)."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.db.models import Question, QuestionNotice
from tests.conftest import eventually

UNANSWERABLE = "Phụ cấp hàng tháng cho tuyên truyền viên là bao nhiêu tiền?"
ANSWER = "Phụ cấp do từng đơn vị quyết định."


async def test_instant_reply_to_a_notice_reaches_the_asker(bot):
    h = bot
    await h.admin.reply("/start")
    u = await h.member("Chi bộ Khu phố 8", "Người Hỏi")
    handled: list[str] = []

    async def reply_the_instant_it_arrives(call):
        # The notice is answered only after the admin's reply was handled: the bot cannot
        # have stored the notice's message id by then.
        if call.chat_id != h.admin.id or "Câu hỏi mới" not in call.text or handled:
            return
        handled.append("replied")
        delivered = h.tg.expect(lambda c: c.chat_id == u.id and ANSWER in c.text)
        await h.tg.push({"message": h.admin.message(ANSWER, reply_to_message=call.result)})
        try:
            await asyncio.wait_for(delivered, 20)
            handled.append("delivered while the notice was in flight")
        except asyncio.TimeoutError:
            handled.append("not delivered")

    h.tg.before_reply.append(reply_the_instant_it_arrives)
    mark = await u.send(UNANSWERABLE)
    delivered = await h.tg.wait_for(lambda c: c.chat_id == u.id and ANSWER in c.text, mark,
                                    timeout=30)
    assert handled == ["replied", "delivered while the notice was in flight"]
    assert "Ban Tuyên giáo trả lời câu hỏi của bạn" in delivered.text
    with h.loa.db.read() as s:
        [q] = s.scalars(select(Question).where(Question.telegram_id == u.id)).all()
        assert q.status == "board" and q.answer_text == ANSWER
        # The admin's reply was an answer, not a new question of theirs.
        assert s.scalars(select(Question).where(Question.telegram_id == h.admin.id)).all() == []
    # The notice is stored afterwards all the same (a later reply finds it by its id).
    def notice_stored():
        with h.loa.db.read() as s:
            return s.scalar(select(QuestionNotice.id).where(QuestionNotice.question_id == q.id))
    assert await eventually(notice_stored)


async def test_reply_to_another_bot_message_is_a_question(bot_sqlite):
    """Only the bot's own notices are matched by their number: a reply to a message the user
    forged with the same words is a plain question."""
    h = bot_sqlite
    await h.admin.reply("/start")
    forged = {"message_id": h.tg.new_message_id(), "date": 0,
              "chat": {"id": h.admin.id, "type": "private"},
              "from": {"id": h.admin.id, "is_bot": False, "first_name": "Ban"},
              "text": "❓ Câu hỏi mới số 1 chưa có trong văn bản"}
    mark = await h.admin.send("chi thi 30 do ai ban hanh", reply_to_message=forged)
    reply = await h.admin.next_reply(mark)
    assert "Ban Bí thư Trung ương Đảng khóa XIII" in reply.text
