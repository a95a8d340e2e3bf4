"""Questions answered with verbatim quotes and citations, buttons, key points and inline mode."""
from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Question
from bot.texts import common as TC
from bot.texts import qa as T
from tests.conftest import running_bot

ISSUER = "Ban Bí thư Trung ương Đảng khóa XIII"
UNANSWERABLE = "Phụ cấp hàng tháng cho tuyên truyền viên là bao nhiêu tiền?"


def questions(h, telegram_id=None):
    with h.loa.db.session() as s:
        q = select(Question).order_by(Question.id)
        if telegram_id is not None:
            q = q.where(Question.telegram_id == telegram_id)
        return list(s.scalars(q))


def no_error_sent(h, since):
    for c in h.tg.sent(since=since):
        assert TC.ERROR not in c.text, c.text


async def test_question_with_and_without_diacritics_quotes_same_passage(bot_sqlite):
    h = bot_sqlite
    u = await h.member("Chi bộ Khu phố 2", "Phạm Thị Hoa")
    with_marks = await u.reply("Chỉ thị 30 do ai ban hành?")
    without = await u.reply("chi thi 30 do ai ban hanh")
    for reply in (with_marks, without):
        assert ISSUER in reply.text
        assert "<blockquote>" in reply.text and "📄 Kế hoạch số" in reply.text
        assert reply.params["parse_mode"] == "HTML"
        labels = [b["text"] for b in reply.buttons()]
        assert labels[:3] == [T.BTN_UP, T.BTN_DOWN, T.BTN_SECTION] and set(labels[3:]) <= {T.BTN_MORE}
        assert len(reply.text) <= 900
    rows = questions(h, u.id)
    assert [r.status for r in rows] == ["docs", "docs"]
    assert rows[0].top_chunk == rows[1].top_chunk
    assert rows[0].text == "Chỉ thị 30 do ai ban hành?"
    # The citation names document and section; the quote is the document's own words.
    assert with_marks.text.count("Tiêu đề") == 1 and "Thị ủy Thuận Thành, Tiêu đề" in with_marks.text
    assert "Thực hiện Chỉ thị 30-CT/TW của Ban Bí thư" in with_marks.text


async def test_hoi_command_button_and_prompt(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    assert "gõ câu hỏi" in (await u.reply("/hoi")).text
    assert "gõ câu hỏi" in (await u.reply(TC.BTN_ASK)).text
    reply = await u.reply("/hoi nhiệm vụ của Trung tâm Văn hóa, Thể thao và Truyền thông thị xã")
    assert "Đẩy mạnh tuyên truyền Chỉ thị số 30-CT/TW" in reply.text
    assert "4. Trung tâm Văn hóa, Thể thao và Truyền thông thị xã" in reply.text
    assert [r.status for r in questions(h, u.id)] == ["docs"]


async def test_rating_is_stored_and_forged_ids_refused(bot_sqlite):
    h = bot_sqlite
    u = await h.member(first_name="Người A")
    other = await h.member(first_name="Người B")
    answer = await u.reply("chi thi 30 do ai ban hanh")
    mark = await u.press(answer, T.BTN_UP)
    ack = h.tg.sent(method="answerCallbackQuery", since=mark)[0]
    assert "👍" in ack.params.get("text", "")
    assert questions(h, u.id)[0].rating == 1
    await u.press(answer, T.BTN_DOWN)
    assert questions(h, u.id)[0].rating == -1
    # Someone else pressing a button with this question's id changes nothing.
    qid = questions(h, u.id)[0].id
    mark = await other.press_data(f"qa:up:{qid}")
    ack = h.tg.sent(method="answerCallbackQuery", since=mark)[0]
    assert ack.params.get("show_alert") is True
    assert T.QUESTION_NOT_YOURS in ack.params["text"]
    assert questions(h, u.id)[0].rating == -1


async def test_full_section_button_sends_whole_section(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    answer = await u.reply("nhiệm vụ của các chi bộ, đảng bộ cơ sở")
    assert "2. Các chi bộ, đảng bộ cơ sở" in answer.text
    mark = await u.press(answer, T.BTN_SECTION)
    full = await h.tg.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == u.id, mark)
    assert "III. TỔ CHỨC THỰC HIỆN › 2. Các chi bộ, đảng bộ cơ sở" in full.text
    # Every paragraph of the section, verbatim.
    assert "Tăng cường công tác kiểm tra, giám sát việc triển khai Chỉ thị số 30-CT/TW" in full.text
    assert "Tổ chức sơ kết, tổng kết Chỉ thị số 30-CT/TW theo quy định." in full.text
    assert len(full.text) < 4096


async def test_html_in_question_comes_back_escaped(bot_sqlite):
    h = bot_sqlite
    u = await h.member(first_name="<i>Tên</i> & Co")
    mark = await u.send("<b>x</b><script>alert(1)</script> phụ cấp bao nhiêu?")
    notice = await h.tg.wait_for(lambda c: c.chat_id == h.admin.id and "Câu hỏi mới" in c.text,
                                 mark)
    reply = h.tg.sent(u.id, "sendMessage", since=mark)[0]
    assert "<b>Ban Tuyên giáo</b>" in reply.text
    assert "&lt;script&gt;" in notice.text and "&lt;b&gt;x&lt;/b&gt;" in notice.text
    assert "&lt;i&gt;Tên&lt;/i&gt; &amp; Co" in notice.text
    for c in h.tg.sent(since=mark):
        assert "<script" not in c.text
        assert c.params.get("parse_mode") == "HTML"
    assert questions(h, u.id)[0].text.startswith("<b>x</b><script>")


async def test_five_thousand_character_question(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    text = ("Xin hỏi về nhiệm vụ của Trung tâm Văn hóa, Thể thao và Truyền thông thị xã. "
            + "Tôi muốn biết rõ hơn về công tác tuyên truyền miệng ở cơ sở. " * 90)[:5000]
    assert len(text) == 5000
    mark = await u.send(text)
    reply = await u.next_reply(mark)
    await h.tg.wait_for(lambda c: c.chat_id == u.id and c.markup, mark)
    sent = h.tg.sent(u.id, since=mark)
    assert all(len(c.text) <= 4096 for c in sent)
    no_error_sent(h, mark)
    assert "Trung tâm Văn hóa, Thể thao và Truyền thông thị xã" in reply.text
    assert any("500 ký tự đầu" in c.text for c in sent)
    row = questions(h, u.id)[0]
    assert row.status == "docs" and len(row.text) == 5000


async def test_unregistered_user_gets_the_explanation(bot_sqlite):
    h = bot_sqlite
    stranger = h.user("Người lạ")
    reply = await stranger.reply("chi thi 30 do ai ban hanh")
    assert reply.text == TC.NOT_REGISTERED.format(board="Ban Tuyên giáo")
    assert (await stranger.reply("/hoi chi thi 30")).text == reply.text
    assert (await stranger.reply("/diemchinh")).text == reply.text
    assert questions(h) == []


async def test_open_qa_lets_an_unregistered_user_ask(sqlite_url, shared_kb):
    async with running_bot(sqlite_url, shared_kb, open_qa=True) as h:
        stranger = h.user("Khách")
        reply = await stranger.reply("chi thi 30 do ai ban hanh")
        assert ISSUER in reply.text
        mark = await stranger.send(UNANSWERABLE)
        await h.tg.wait_for(lambda c: c.chat_id == h.admin.id and "Câu hỏi mới" in c.text, mark)
        notice = h.tg.sent(h.admin.id, since=mark)[0]
        assert "Khách" in notice.text and T.NOTICE_NO_UNIT in notice.text
        rows = questions(h, stranger.id)
        assert [r.status for r in rows] == ["docs", "open"]
        assert rows[0].member_id is None


async def test_key_points_pages(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    menu = await u.reply("/diemchinh")
    assert menu.text == T.KP_CHOOSE
    assert "Thực hiện Chỉ thị 30-CT/TW" in menu.buttons()[0]["text"]
    assert (await u.reply(TC.BTN_KEYPOINTS)).text == T.KP_CHOOSE
    mark = await u.press(menu, "Chỉ thị 30")
    page1 = await h.tg.wait_for(lambda c: c.method == "editMessageText", mark)
    assert "trang 1/" in page1.text
    assert "<b>I. MỤC ĐÍCH, YÊU CẦU</b>" in page1.text
    assert [b["text"] for b in page1.buttons()] == [T.BTN_NEXT, T.BTN_DOCS]
    mark = await u.press(page1, T.BTN_NEXT)
    page2 = await h.tg.wait_for(lambda c: c.method == "editMessageText", mark)
    assert "trang 2/" in page2.text and page2.text != page1.text
    assert T.BTN_PREV in [b["text"] for b in page2.buttons()]
    mark = await u.press(page2, T.BTN_PREV)
    back = await h.tg.wait_for(lambda c: c.method == "editMessageText", mark)
    assert back.text == page1.text
    mark = await u.press(back, T.BTN_DOCS)
    listing = await h.tg.wait_for(lambda c: c.method == "editMessageText", mark)
    assert listing.text == T.KP_CHOOSE
    for page in (page1, page2):
        assert len(page.text) <= 4096
        assert page.text.count("•") + page.text.count("<b>") <= 12


async def test_inline_query_returns_quotes_with_citations(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    call = await u.inline("chi thi 30 do ai ban hanh")
    results = call.params["results"]
    assert 1 <= len(results) <= 5
    first = results[0]
    assert first["title"] == "Tiêu đề"
    content = first["input_message_content"]
    assert ISSUER in content["message_text"] and content["parse_mode"] == "HTML"
    assert "📄 Kế hoạch số" in content["message_text"]
    assert len({r["id"] for r in results}) == len(results)
    assert int(call.params["cache_time"]) <= 10
    # HTML typed into the query is escaped in what would be shared.
    odd = await u.inline("<script>phụ cấp bao nhiêu</script>")
    text = odd.params["results"][0]["input_message_content"]["message_text"]
    assert "<script" not in text and "&lt;script&gt;" in text
    empty = await u.inline("")
    assert empty.params["results"][0]["title"] == T.INLINE_HELP_TITLE
    # Strangers get one article telling them how to join, no passages.
    stranger = await h.user("Người lạ").inline("chi thi 30 do ai ban hanh")
    assert [r["title"] for r in stranger.params["results"]] == [T.INLINE_JOIN_TITLE]


async def test_other_features_buttons_are_not_questions(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    await u.reply(TC.BTN_HELP)
    mark = await u.send(TC.BTN_REPORT)
    await u.reply("chi thi 30 do ai ban hanh")  # a later message is answered normally
    assert all(r.text != TC.BTN_REPORT for r in questions(h, u.id))
    no_error_sent(h, mark)


async def test_forged_key_point_buttons_change_nothing(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    for data in ("kp:0000000000:1", "kp:zz:1", "kp:", "qa:sec:abc", "kp:list:9"):
        mark = await u.press_data(data)
        ack = h.tg.sent(method="answerCallbackQuery", since=mark)[0]
        assert ack.params.get("show_alert") is True, data
        assert TC.ERROR not in ack.params.get("text", ""), data
        assert h.tg.sent(method="editMessageText", since=mark) == []


def test_a_long_question_is_searched_by_whole_words():
    from bot.services.questions import QUERY_CHARS, search_head
    text = "tuyên truyền miệng " * 100
    head = search_head(text)
    assert len(head) <= QUERY_CHARS and text.startswith(head) and text[len(head)] == " "
    assert search_head("ngắn") == "ngắn"
