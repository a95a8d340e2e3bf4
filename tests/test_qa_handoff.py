"""Questions the documents don't answer: hand-off to the board, the board's answer, FAQ reuse."""
from __future__ import annotations

import asyncio
import re
import time

from sqlalchemy import select

from bot.db.models import Faq, Question, QuestionNotice
from bot.texts import qa as T

UNANSWERABLE = "Phụ cấp hàng tháng cho tuyên truyền viên là bao nhiêu tiền?"
BOARD_TEXT = "Mức phụ cấp do từng đơn vị quyết định <theo Quy chế 05> & được chi hằng quý."


def rows(h, model, **where):
    with h.loa.db.session() as s:
        q = select(model).order_by(model.id)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return list(s.scalars(q))


async def eventually(fetch, timeout: float = 10.0):
    """The value of fetch() once it is truthy (the bot records notices right after sending them)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.02)


async def ask_unanswerable(h, u, text=UNANSWERABLE):
    """Ask, wait for the asker's reply and the admin's notice; return (reply, notice, qid). When
    Loa shows a related passage instead, the asker sends the question on ("📨 Gửi câu hỏi cho Ban")."""
    mark = await u.send(text)
    reply = await u.next_reply(mark)
    if reply.text.startswith(T.RELATED_HEADER):
        mark = await u.press(reply, T.BTN_SEND)
        reply = await u.next_reply(mark)
    notice = await h.tg.wait_for(lambda c: c.chat_id == h.admin.id and "Câu hỏi mới" in c.text,
                                 mark)
    qid = int(re.search(r"Câu hỏi mới số (\d+)", notice.text).group(1))
    assert await eventually(lambda: rows(h, QuestionNotice, question_id=qid))
    return reply, notice, qid


async def test_handoff_board_answers_by_command_then_faq_is_reused(bot):
    h = bot
    await h.admin.reply("/start")
    u = await h.member("Chi bộ Khu phố 4", "Đỗ Văn Nam")
    reply, notice, qid = await ask_unanswerable(h, u)

    # The asker is told plainly; the board gets the question, the asker and how to answer.
    assert "chưa có nội dung trả lời" in reply.text
    assert "<b>Ban Tuyên giáo</b>" in reply.text and f"số {qid}" in reply.text
    assert UNANSWERABLE in notice.text
    assert "Đỗ Văn Nam" in notice.text and "Chi bộ Khu phố 4" in notice.text
    assert f"/traloi {qid}" in notice.text and "reply" in notice.text
    [q] = rows(h, Question, id=qid)
    assert q.status == "open" and q.telegram_id == u.id
    [n] = rows(h, QuestionNotice, question_id=qid)
    assert (n.chat_id, n.message_id) == (h.admin.id, notice.result["message_id"])

    listing = await h.admin.reply("/cauhoi")
    assert f"<b>{qid}.</b>" in listing.text and "Đỗ Văn Nam" in listing.text

    mark = await h.admin.send(f"/traloi {qid} {BOARD_TEXT}")
    delivered = await u.next_reply(mark)
    assert delivered.text.startswith("📨 <b>Ban Tuyên giáo trả lời câu hỏi của bạn:</b>")
    assert "&lt;theo Quy chế 05&gt; &amp; được chi" in delivered.text
    assert UNANSWERABLE in delivered.text
    confirm = await h.admin.next_reply(mark)
    assert "Đã gửi câu trả lời" in confirm.text
    [q] = rows(h, Question, id=qid)
    assert q.status == "board" and q.answer_text == BOARD_TEXT and q.answered_at is not None

    # Answering twice is refused; the asker gets nothing more.
    mark = await h.admin.send(f"/traloi {qid} Trả lời lần hai")
    again = await h.admin.next_reply(mark)
    assert "đã được trả lời" in again.text
    assert h.tg.sent(u.id, since=mark) == []

    mark = await h.admin.press(confirm, T.BTN_SAVE_FAQ)
    saved = await h.admin.next_reply(mark)
    assert "Đã lưu vào hỏi đáp" in saved.text
    [faq] = rows(h, Faq)
    assert faq.answer == BOARD_TEXT and faq.source_question_id == qid
    await h.admin.press(confirm, T.BTN_SAVE_FAQ)  # pressing again keeps one entry
    assert len(rows(h, Faq)) == 1

    # Another member asks the same thing in other words, without diacritics: the board answers.
    other = await h.member("Chi bộ Khu phố 5", "Lý Thị Mai")
    mark = await other.send("cho hoi phu cap hang thang cua tuyen truyen vien la bao nhieu")
    faq_reply = await other.next_reply(mark)
    assert "&lt;theo Quy chế 05&gt;" in faq_reply.text
    assert re.search(r"📄 Ban Tuyên giáo \(trả lời ngày \d\d/\d\d/\d{4}\)", faq_reply.text)
    assert "<blockquote>" not in faq_reply.text  # never presented as a document quote
    assert [b["text"] for b in faq_reply.buttons()] == [T.BTN_UP, T.BTN_DOWN]
    [fq] = rows(h, Question, telegram_id=other.id)
    assert fq.status == "faq" and fq.faq_id == faq.id
    assert not [c for c in h.tg.sent(h.admin.id, since=mark) if "Câu hỏi mới" in c.text]

    # An unrelated question is still answered from the documents, not from the FAQ.
    doc_reply = await other.reply("nhiệm vụ của tuyên truyền viên là gì")
    assert "📄 Kế hoạch số" in doc_reply.text
    assert rows(h, Question, telegram_id=other.id)[-1].status == "docs"


async def test_board_answers_by_replying_to_the_notice(bot_sqlite):
    h = bot_sqlite
    u = await h.member("Chi bộ Khu phố 6", "Hà Văn Sơn")
    _, notice, qid = await ask_unanswerable(h, u, "Hội thi tuyên truyền viên giỏi năm nay tổ chức ở đâu?")
    mark = await h.admin.send("Tổ chức tại Hội trường Thị ủy,\nngày 15/12.",
                              reply_to_message=notice.result)
    delivered = await u.next_reply(mark)
    assert "Ban Tuyên giáo trả lời câu hỏi của bạn" in delivered.text
    assert "Tổ chức tại Hội trường Thị ủy,\nngày 15/12." in delivered.text
    confirm = await h.admin.next_reply(mark)
    assert "Đã gửi câu trả lời" in confirm.text
    [q] = rows(h, Question, id=qid)
    assert q.status == "board"
    # The admin's reply was an answer, not a new question of theirs.
    assert rows(h, Question, telegram_id=h.admin.id) == []
    listing = await h.admin.reply("/cauhoi")
    assert listing.text == T.OPEN_EMPTY


async def test_same_open_question_is_not_handed_off_twice(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    _, _, qid = await ask_unanswerable(h, u)
    mark = await u.send("  phụ cấp hàng tháng cho tuyên truyền viên là bao nhiêu tiền? ")
    reply = await u.next_reply(mark)
    assert f"trước đó (số {qid})" in reply.text
    await u.reply("chi thi 30 do ai ban hanh")  # let any stray notice arrive first
    assert not [c for c in h.tg.sent(h.admin.id, since=mark) if "Câu hỏi mới" in c.text]
    assert len(rows(h, Question, status="open")) == 1


async def test_members_cannot_answer_or_list(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    other = await h.member(first_name="Người khác")
    _, notice, qid = await ask_unanswerable(h, u)
    assert "chỉ dành cho Ban Tuyên giáo" in (await other.reply(f"/traloi {qid} tự trả lời")).text
    assert "chỉ dành cho Ban Tuyên giáo" in (await other.reply("/cauhoi")).text
    mark = await other.press_data(f"qa:faq:{qid}")
    ack = h.tg.sent(method="answerCallbackQuery", since=mark)[0]
    assert "chỉ dành cho Ban Tuyên giáo" in ack.params["text"]
    assert rows(h, Question, id=qid)[0].status == "open"
    assert rows(h, Faq) == []


async def test_answer_usage_and_unknown_id(bot_sqlite):
    h = bot_sqlite
    assert "Cách dùng" in (await h.admin.reply("/traloi")).text
    assert "Cách dùng" in (await h.admin.reply("/traloi abc nội dung")).text
    assert "Không có câu hỏi số 999" in (await h.admin.reply("/traloi 999 nội dung")).text


async def test_undeliverable_answer_is_reported_to_the_admin(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    _, _, qid = await ask_unanswerable(h, u)
    h.tg.blocked.add(u.id)
    confirm = await h.admin.reply(f"/traloi {qid} Nội dung trả lời")
    assert "không gửi được" in confirm.text
    assert rows(h, Question, id=qid)[0].status == "board"


async def test_long_question_full_of_markup_still_reaches_the_board(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    text = ("Giá vàng <&> hôm nay bao nhiêu " * 300)[:4000]  # nothing in the documents, markup all along
    _, notice, qid = await ask_unanswerable(h, u, text)
    assert len(notice.text) <= 4096 and "&lt;&amp;&gt;" in notice.text
    mark = await h.admin.send(f"/traloi {qid} " + "Trả lời <&> " * 240)
    parts = []
    while not parts or "📄 Ban Tuyên giáo (trả lời" not in parts[-1].text:
        parts.append(await h.tg.wait_for(lambda c: c.chat_id == u.id and c not in parts, mark))
    assert all(len(p.text) <= 4096 for p in parts)
    assert parts[0].text.startswith("📨 <b>Ban Tuyên giáo trả lời câu hỏi của bạn:</b>")
    assert "<&>" not in "".join(p.text for p in parts)


async def test_other_admins_learn_the_question_was_answered(bot_sqlite):
    h = bot_sqlite
    second = await h.member("Ban Tuyên giáo Thị ủy", "Phó ban")
    h.loa.members.set_admin(h.admin.id, h.loa.members.get(second.id).id, True)
    u = await h.member()
    mark = await u.send(UNANSWERABLE)
    notices = {}
    for admin in (h.admin, second):
        notices[admin.id] = await h.tg.wait_for(
            lambda c, a=admin: c.chat_id == a.id and "Câu hỏi mới" in c.text, mark)
    qid = int(re.search(r"Câu hỏi mới số (\d+)", notices[h.admin.id].text).group(1))
    assert await eventually(lambda: len(rows(h, QuestionNotice, question_id=qid)) == 2)
    mark = await h.admin.send(f"/traloi {qid} Nội dung trả lời")
    told = await h.tg.wait_for(lambda c: c.chat_id == second.id, mark)
    assert f"Câu hỏi số {qid} đã được Ban Tuyên giáo trả lời" in told.text
    assert told.params["reply_parameters"]["message_id"] == notices[second.id].result["message_id"]
    await h.admin.next_reply(mark)
    assert not [c for c in h.tg.sent(h.admin.id, since=mark) if "đã được" in c.text]
