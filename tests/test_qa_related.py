"""Not sure: the most related passage shown as such, sent to the board only when the member asks
(once, within the daily limit); an edited question answered again; the answering sentence in bold."""
from __future__ import annotations

import argparse
import json
import re
import time

import pytest
from sqlalchemy import select

from bot.db.models import Q_ANSWERED_BY_DOCS, Question, QuestionNotice
from bot.render import REPLY_CHARS, marked, quote_message
from bot.services.questions import Passage
from bot.text import esc, plain
from bot.texts import common as TC
from bot.texts import desk as TD
from bot.texts import qa as T
from bot.web.pages import questions_page
from indexer import cli as indexer_cli
from tests.conftest import DecidedKB, eventually, running_bot
from tests.faketg import html_error

QUESTION = "nhiệm vụ của tuyên truyền viên là gì"
# Different enough from each other that none is folded into another as "asked before".
OTHERS = ["kinh phí thực hiện kế hoạch lấy từ đâu",
          "Trung tâm Văn hóa, Thể thao và Truyền thông thị xã làm gì?"]
UNANSWERABLE = "Phụ cấp hàng tháng cho tuyên truyền viên là bao nhiêu tiền?"
ANSWERABLE = "nhiem vu cua bao cao vien la gi"


def every_question_related(kb) -> DecidedKB:
    """Whatever the documents hold, Loa is never sure: every question with a passage is related."""
    return DecidedKB(kb, sure=0.999, related=0.0)


def never_related(kb) -> DecidedKB:
    """Sure or nothing (the two outcomes the hand-off flow had before "related")."""
    return DecidedKB(kb, related=1.01)


def questions(h, telegram_id: int) -> list[Question]:
    with h.loa.db.read() as s:
        return list(s.scalars(select(Question).where(Question.telegram_id == telegram_id)
                              .order_by(Question.id)))


def notices(h, since: int = 0) -> list:
    return [c for c in h.tg.sent(chat_id=h.admin.id, since=since) if "Câu hỏi mới" in c.text]


def stored_notices(h, question_id: int) -> list[QuestionNotice]:
    with h.loa.db.read() as s:
        return list(s.scalars(select(QuestionNotice).where(QuestionNotice.question_id == question_id)))


def alert(h, since: int) -> dict:
    [ack] = h.tg.sent(method="answerCallbackQuery", since=since)
    return ack.params


@pytest.fixture
async def related_bot(db_url, shared_kb):
    async with running_bot(db_url, every_question_related(shared_kb)) as h:
        await h.admin.reply("/start")
        yield h


# ------------------------------------------------------------------ related, then sent on request
async def test_related_passage_is_shown_as_such_and_nothing_goes_to_the_board(related_bot):
    h = related_bot
    u = await h.member("Chi bộ Khu phố 3", "Trần Văn Bình")
    mark = h.tg.mark()
    reply = await u.reply(QUESTION)
    shown = h.loa.kb.ask(QUESTION).related[0]
    assert reply.text.startswith(T.RELATED_HEADER)
    assert "Loa chưa chắc đoạn này trả lời đúng câu hỏi của bạn. Đoạn liên quan nhất:" in plain(reply.text)
    assert "<blockquote>" in reply.text and shown.excerpt[:40] in plain(reply.text)  # "…" where cut
    assert f"📄 {shown.document}, {shown.label}" in plain(reply.text)
    assert len(reply.text) <= REPLY_CHARS
    assert [b["text"] for b in reply.buttons()] == [T.BTN_SECTION, T.BTN_SEND]
    [q] = questions(h, u.id)
    assert q.status == "related" and q.handed_off_at is None and q.top_chunk == shown.chunk_id
    await h.settled()
    assert notices(h, mark) == [] and stored_notices(h, q.id) == []
    # Nobody asked the board: it is not waiting for anyone.
    assert (await h.admin.reply("/cauhoi")).text == T.OPEN_EMPTY
    # "📄 Toàn văn mục" works as under an answer.
    mark = await u.press(reply, T.BTN_SECTION)
    section = await u.next_reply(mark)
    await h.settled()
    assert section.text.startswith(f"📄 <b>{esc(shown.document)}</b>")
    words = shown.excerpt.strip("… ")[:40]
    assert words in "".join(plain(c.text) for c in h.tg.sent(u.id, since=mark))


async def test_send_button_hands_the_question_to_the_board_once(related_bot):
    h = related_bot
    u = await h.member("Chi bộ Khu phố 3", "Trần Văn Bình")
    reply = await u.reply(QUESTION)
    [q] = questions(h, u.id)
    mark = await u.press(reply, T.BTN_SEND)
    told = await u.next_reply(mark)
    assert told.text == T.SENT.format(id=q.id, board="Ban Tuyên giáo")   # no "the documents hold nothing" after a passage
    notice = await h.tg.wait_for(lambda c: c.chat_id == h.admin.id and "Câu hỏi mới" in c.text, mark)
    assert f"số {q.id}" in notice.text and QUESTION in notice.text and "Trần Văn Bình" in notice.text
    # The button is gone from the passage; "📄 Toàn văn mục" stays.
    [edit] = h.tg.sent(u.id, method="editMessageReplyMarkup", since=mark)
    assert [b["text"] for b in edit.buttons()] == [T.BTN_SECTION]
    [q] = questions(h, u.id)
    assert q.status == "open" and q.handed_off_at is not None and q.board_unit_id is None
    assert await eventually(lambda: stored_notices(h, q.id))

    # Pressed again (another device, or a message that kept its button): said kindly, not resent.
    mark = await u.press(reply, T.BTN_SEND)
    ack = alert(h, mark)
    assert ack["text"] == T.SEND_DONE.format(id=q.id) and ack.get("show_alert") is True
    await h.settled()
    assert notices(h, mark) == [] and h.tg.sent(u.id, method="sendMessage", since=mark) == []
    assert len(notices(h)) == 1

    # The board answers it like any question handed to it.
    mark = await h.admin.send(f"/traloi {q.id} Tuyên truyền viên nắm tình hình và phản ánh dư luận.")
    delivered = await u.next_reply(mark)
    assert "Ban Tuyên giáo trả lời câu hỏi của bạn" in delivered.text and QUESTION in delivered.text


async def test_send_button_of_a_forged_or_another_members_question_changes_nothing(related_bot):
    h = related_bot
    owner = await h.member("Chi bộ Khu phố 3", "Chủ Câu Hỏi")
    other = await h.member("Chi bộ Khu phố 4", "Người Khác")
    reply = await owner.reply(QUESTION)
    [q] = questions(h, owner.id)
    with h.loa.db.session() as s:   # a question the documents answered: nothing to send
        s.add(Question(telegram_id=owner.id, chat_id=owner.id, text="đã trả lời",
                       status=Q_ANSWERED_BY_DOCS))
    answered = questions(h, owner.id)[-1].id
    mark = h.tg.mark()
    for who, data, text in ((other, f"qa:ask:{q.id}", T.QUESTION_NOT_YOURS),
                            (other, "qa:ask:999999", T.QUESTION_NOT_YOURS),
                            (owner, "qa:ask:999999", T.QUESTION_NOT_YOURS),
                            (owner, f"qa:ask:{answered}", T.SEND_NOT_NEEDED.format(id=answered)),
                            (other, "qa:ask:12abc", TC.STALE_BUTTON)):
        since = await who.press_data(data, reply if who is owner else None)
        ack = alert(h, since)
        assert ack["text"] == text and ack.get("show_alert") is True, data
    await h.settled()
    assert notices(h, mark) == []
    assert h.tg.sent(other.id, method="sendMessage", since=mark) == []
    assert questions(h, owner.id)[0].status == "related" and questions(h, other.id) == []
    # The owner still can.
    mark = await owner.press(reply, T.BTN_SEND)
    assert (await owner.next_reply(mark)).text == T.SENT.format(id=q.id, board="Ban Tuyên giáo")


async def test_daily_limit_counts_only_questions_sent_and_held_ones_are_listed(sqlite_url, shared_kb):
    async with running_bot(sqlite_url, every_question_related(shared_kb),
                           handoff_daily_limit=2) as h:
        await h.admin.reply("/start")
        u = await h.member("Chi bộ Khu phố 5", "Người Hỏi Nhiều")
        mark = h.tg.mark()
        texts = [QUESTION, *OTHERS]
        replies = [await u.reply(t) for t in texts]
        assert all(r.text.startswith(T.RELATED_HEADER) for r in replies)
        ids = [q.id for q in questions(h, u.id)]
        # Three questions shown as related count for nothing: the first two still reach the board.
        for reply, qid in zip(replies[:2], ids):
            since = await u.press(reply, T.BTN_SEND)
            assert (await u.next_reply(since)).text == T.SENT.format(id=qid, board="Ban Tuyên giáo")
        since = await u.press(replies[2], T.BTN_SEND)
        held = await u.next_reply(since)
        assert held.text == T.SENT_HELD.format(id=ids[2], limit=2, board="Ban Tuyên giáo")
        await h.settled()
        sent = notices(h, mark)
        assert len(sent) == 2 and all(texts[2] not in c.text for c in sent)
        stored = questions(h, u.id)
        assert [q.status for q in stored] == ["open", "open", "held"]
        assert [q.handed_off_at is not None for q in stored] == [True, True, False]
        # Held back, not hidden: the board sees it in /cauhoi and on the dashboard, marked.
        listing = await h.admin.reply("/cauhoi")
        lines = {int(m.group(1)): b for b in listing.text.split("\n\n")
                 if (m := re.match(r"<b>(\d+)\.</b>", b))}
        assert sorted(lines) == ids
        assert [T.OPEN_HELD in lines[qid] for qid in ids] == [False, False, True]
        waiting = h.loa.desk.questions(h.admin.id)
        assert [(w.id, w.held) for w in waiting.items] == [(ids[0], False), (ids[1], False),
                                                          (ids[2], True)]
        page = questions_page(waiting, "loa_test_bot", h.loa.settings.tz, "n")
        assert page.count(esc(TD.QUESTION_HELD)) == 1 and f'data-question="{ids[2]}" data-held' in page
        # The board may answer it all the same.
        since = await h.admin.send(f"/traloi {ids[2]} Ban trả lời câu hỏi được giữ lại.")
        assert "Ban trả lời câu hỏi được giữ lại." in (await u.next_reply(since)).text


# ------------------------------------------------------------------ edits
async def test_an_edited_question_is_answered_again(sqlite_url, shared_kb):
    async with running_bot(sqlite_url, never_related(shared_kb)) as h:
        await h.admin.reply("/start")
        u = await h.member("Chi bộ Khu phố 6", "Người Gõ Nhầm")
        message = u.message(UNANSWERABLE)
        mark = await u.send_update({"message": message})
        assert T.NO_ANSWER in (await u.next_reply(mark)).text
        notice = await h.tg.wait_for(lambda c: c.chat_id == h.admin.id and "Câu hỏi mới" in c.text,
                                     mark)
        # Fixed in place: answered again, as a reply to the edited message.
        edit = {**message, "text": ANSWERABLE, "edit_date": int(time.time())}
        mark = await u.send_update({"edited_message": edit})
        answer = await u.next_reply(mark)
        assert answer.text.startswith(T.ANSWER_HEADER) and "📄 Kế hoạch số" in answer.text
        assert answer.params["reply_parameters"]["message_id"] == message["message_id"]
        stored = questions(h, u.id)
        assert [(q.status, q.text) for q in stored] == [("open", UNANSWERABLE), ("docs", ANSWERABLE)]
        assert stored[1].message_id == message["message_id"]

        # Edits of anything else are left alone: a message that never was a question, a command…
        mark = h.tg.mark()
        for text in ("chào ad", "/hoi chi thi 30"):
            other = u.message(text)
            await u.send_update({"message": other})
            await h.settled()
            await u.send_update({"edited_message": {**other, "text": ANSWERABLE,
                                                    "edit_date": int(time.time())}})
        await h.settled()
        replies = h.tg.sent(u.id, since=mark)
        assert len(replies) == 2 and not any("reply_parameters" in c.params for c in replies)

        # …and the board's answer: a reply to the notice, edited, is not delivered twice.
        reply = h.admin.message("Phụ cấp do từng đơn vị quyết định.",
                                reply_to_message=notice.result)
        mark = await h.admin.send_update({"message": reply})
        assert "Ban Tuyên giáo trả lời" in (await u.next_reply(mark)).text
        await h.settled()
        mark = await h.admin.send_update({"edited_message": {**reply, "text": "Sửa lại câu trả lời.",
                                                             "edit_date": int(time.time())}})
        await h.settled()
        assert h.tg.sent(since=mark) == []
        assert questions(h, h.admin.id) == []


# ------------------------------------------------------------------ the answering sentence in bold
def _passage(excerpt: str, focus: str) -> Passage:
    return Passage("c1", "Kế hoạch số 45-KH/TU", "II. Nhiệm vụ", excerpt, 1.0, excerpt,
                   "II. NHIỆM VỤ", "mục II", "d1", "", focus)


def test_bold_focus_is_whole_and_well_formed_or_absent():
    before = "Mở đầu <Chỉ thị 30> & các văn bản liên quan, đoạn dài. " * 12
    focus = "Báo cáo viên nắm tình hình <tư tưởng> & dư luận xã hội hằng tháng."
    after = " Phần sau cũng dài & có dấu <, >." * 12
    for excerpt in (focus + after, before + focus + after, before + focus):
        text = quote_message(T.ANSWER_HEADER, _passage(excerpt, focus))
        assert html_error(text) is None, text
        assert len(text) <= REPLY_CHARS
        bold = text.count("<b>") - T.ANSWER_HEADER.count("<b>") - T.QUOTE_HEADING.count("<b>")
        assert bold in (0, 1)
        if bold:   # the whole sentence, escaped, in one tag
            assert f"<b>{esc(focus)}</b>" in text
    # The sentence first fits; the same sentence after a long passage is cut away: no bold.
    assert f"<b>{esc(focus)}</b>" in quote_message(T.ANSWER_HEADER, _passage(focus + after, focus))
    cut = quote_message(T.ANSWER_HEADER, _passage(before * 2 + focus, focus))
    assert "<b>" + esc(focus[:10]) not in cut and html_error(cut) is None
    # Every budget: tags never cut, never unbalanced; no focus or one not in the text: no bold.
    for limit in range(20, 700, 7):
        for f in (focus, "", "không có trong đoạn"):
            out = marked(before + focus + after, f, limit)
            assert html_error(out) is None and len(out) <= limit
            assert out.count("<b>") == (1 if f == focus and out.count(esc(focus)) else 0)


async def test_answer_marks_the_sentence_that_answers(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    candidates = ["chi thi 30 do ai ban hanh", "Chỉ thị 30 do ai ban hành?",
                  "nhiệm vụ của Trung tâm Văn hóa, Thể thao và Truyền thông thị xã"]
    found = [(q, p[0]) for q in candidates if (p := h.loa.questions.passages(q, 1)) and p[0].focus]
    assert found, "none of the questions has a sentence that stands out any more"
    question, passage = found[0]
    reply = await u.reply(question)   # the fake server refuses HTML Telegram would not parse
    assert f"<b>{esc(passage.focus)}</b>" in reply.text
    assert reply.text.count("<b>") == reply.text.count("</b>")


# ------------------------------------------------------------------ loa ask
def test_loa_ask_says_which_outcome(shared_kb, capsys):
    args = argparse.Namespace(question=QUESTION, json=False)
    assert indexer_cli.cmd_ask(args, every_question_related(shared_kb)) == 0
    out = capsys.readouterr().out
    related = every_question_related(shared_kb).ask(QUESTION).related[0]
    assert out.startswith(indexer_cli.RELATED_TEXT + "\n")
    assert related.excerpt in out and f"(Nguồn: {related.document}; mục: {related.label})" in out
    args.json = True
    assert indexer_cli.cmd_ask(args, every_question_related(shared_kb)) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["found"] is False and data["outcome"] == "related" and data["quotes"] == []
    assert data["related"][0]["excerpt"] == related.excerpt
    assert indexer_cli.cmd_ask(argparse.Namespace(question=ANSWERABLE, json=True),
                               never_related(shared_kb)) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["found"] is True and data["outcome"] == "sure" and data["related"] == []
