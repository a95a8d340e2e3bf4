"""The board acts from the desk: a question answered from the web reaches the asker on their
channel; every state-changing request needs this session's CSRF token and the desk's origin;
scope is re-read; each action is logged for the board and the boards above."""
from __future__ import annotations

import asyncio
import re

from sqlalchemy import select, update

from bot.db.models import Q_ANSWERED_BY_BOARD, AuditEntry, Question
from tests.conftest import ADMIN_ID
from tests.deskdata import ADMIN_A, ADMIN_B, MEMBER_A1, init_data
from tests.test_desk import client, desk_bot

ANSWER = "Mức hỗ trợ năm nay giữ như năm trước <theo Nghị quyết của HĐND xã>."


def _commune_question(h) -> int:
    """The seeded question of An Phú's member, handed to An Phú's board; its number."""
    with h.loa.db.session() as s:
        qid = s.scalar(select(Question.id).where(Question.telegram_id == MEMBER_A1))
        s.execute(update(Question).where(Question.id == qid)
                  .values(board_unit_id=h.tree.units["Xã An Phú"]))
    return qid


def _csrf(page: str, qid: int) -> str:
    m = re.search(rf'action="cauhoi/{qid}/traloi"><input type="hidden" name="csrf" value="(\w+)"',
                  page)
    assert m, "no answer form for question %d" % qid
    return m.group(1)


async def test_a_board_answers_from_the_desk_with_csrf_scope_and_audit(sqlite_url, tmp_path):
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a, client() as b, \
            client() as top:
        ids = h.tree.units
        qid = _commune_question(h)
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        assert (await b.signin(h.url, init_data(ADMIN_B, "Cường")))[0] == 200
        assert (await top.signin(h.url, init_data(ADMIN_ID, "Tỉnh")))[0] == 200
        status, page = await a.get(h.url + "/cauhoi")
        assert status == 200
        token = _csrf(page, qid)
        target = f"{h.url}/cauhoi/{qid}/traloi"

        def state() -> str:
            with h.loa.db.read() as s:
                return s.scalar(select(Question.status).where(Question.id == qid))

        # Without the token, with another session's token, or from another site: refused.
        status, _, text = await a.post(target, {"text": ANSWER})
        assert status == 403 and 'data-reason="csrf"' in text
        _, b_page = await b.get(h.url + "/cauhoi")
        other = re.search(r'name="csrf" value="(\w+)"', b_page)
        assert other and other.group(1) != token
        assert (await a.post(target, {"text": ANSWER, "csrf": other.group(1)}))[0] == 403
        async with a.http.post(target, data={"text": ANSWER, "csrf": token},
                               headers=a._headers() | {"Origin": "https://evil.example"},
                               allow_redirects=False) as r:
            assert r.status == 403
        # A commune's board cannot answer another commune's question, even with a good token.
        status, _, text = await b.post(target, {"text": "Trả lời sai chỗ", "csrf": other.group(1)})
        assert status == 400 and "không thuộc phạm vi" in text
        assert state() != Q_ANSWERED_BY_BOARD

        # The board's own answer: delivered to the asker in Telegram, stored, logged.
        mark = h.tg.mark()
        status, location, _ = await a.post(target, {"text": ANSWER, "csrf": token})
        assert status == 303 and location.endswith(f"/cauhoi?da_tra_loi={qid}&gui=1")
        got = await h.tg.wait_for(lambda c: c.chat_id == MEMBER_A1 and "trả lời câu hỏi" in c.text,
                                  mark)
        assert "&lt;theo Nghị quyết của HĐND xã&gt;" in got.text      # escaped, verbatim
        assert "Ban Xây dựng Đảng Đảng ủy xã An Phú" in got.text         # signed by its board
        assert state() == Q_ANSWERED_BY_BOARD
        _, page = await a.get(h.url + f"/cauhoi?da_tra_loi={qid}&gui=1")
        assert f"Đã gửi câu trả lời câu hỏi số {qid}" in page
        assert f'action="cauhoi/{qid}/traloi"' not in page               # no longer waiting
        # Answering twice: refused with what was answered, nothing sent again.
        mark = h.tg.mark()
        status, _, text = await a.post(target, {"text": "Lần hai", "csrf": token})
        assert status == 400 and "đã được trả lời" in text
        assert not h.tg.sent(MEMBER_A1, since=mark)

        with h.loa.db.read() as s:
            entries = s.scalars(select(AuditEntry)).all()
        assert [(e.telegram_id, e.action, e.board_unit_id) for e in entries] == [
            (ADMIN_A, "answer", ids["Xã An Phú"])]
        # The log: the board and the board above read it; a sister commune's board does not.
        assert ANSWER[:30] in (await a.get(h.url + "/nhatky"))[1]
        assert ANSWER[:30] in (await top.get(h.url + "/nhatky"))[1]
        assert ANSWER[:30] not in (await b.get(h.url + "/nhatky"))[1]
        # Signed out: the old token no longer works.
        await a.post(h.url + "/dangxuat", {})
        assert (await a.post(target, {"text": ANSWER, "csrf": token}))[0] in (401, 403)


def _token(page: str) -> str:
    return re.search(r'name="csrf" value="(\w+)"', page).group(1)


async def test_a_board_broadcasts_from_the_desk_to_its_units_once(sqlite_url, tmp_path):
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a:
        ids = h.tree.units
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        status, page = await a.get(h.url + "/phatdi")
        assert status == 200 and "Chi bộ Ấp 1" in page and "Ấp Đông" not in page   # its own units
        token = _token(page)
        form = {"csrf": token, "text": "Họp chi bộ <sáng thứ Bảy> & mang sổ",
                "unit": str(ids["Chi bộ Ấp 1"])}
        # Preview: as members will see it, signed by the board, with who gets it per channel.
        status, _, preview = await a.post(h.url + "/phatdi/xemtruoc", form)
        assert status == 200
        assert "📣 Ban Xây dựng Đảng Đảng ủy xã An Phú" in preview
        assert "&lt;sáng thứ Bảy&gt; &amp; mang sổ" in preview              # shown as typed
        assert "2 người (Telegram 2, Zalo 0)" in preview
        # A unit of another commune (a forged id) is refused; nothing without the token.
        forged = dict(form, unit=str(ids["Chi bộ Ấp Đông"]))
        status, _, text = await a.post(h.url + "/phatdi/xemtruoc", forged)
        assert status == 400 and "không thuộc phạm vi" in text and "Ấp Đông" not in text
        assert (await a.post(h.url + "/phatdi/gui", dict(form, csrf="x" * 32)))[0] == 403
        assert (await a.post(h.url + "/phatdi/gui", forged))[0] == 400
        # Sent: each member of Chi bộ Ấp 1 gets it once, nobody else.
        mark = h.tg.mark()
        status, location, _ = await a.post(h.url + "/phatdi/gui", form)
        assert status == 303 and "da_gui=" in location and location.endswith("&n=2")
        for tid in (MEMBER_A1, 6_000_012):
            got = await h.tg.wait_for(lambda c, t=tid: c.chat_id == t and "Họp chi bộ" in c.text,
                                      mark)
            assert got.text.startswith("📣 <b>Ban Xây dựng Đảng Đảng ủy xã An Phú</b>")
        await asyncio.sleep(0.5)
        sent = [c for c in h.tg.sent(since=mark) if "Họp chi bộ" in (c.text or "")]
        assert sorted(c.chat_id for c in sent) == [MEMBER_A1, 6_000_012]
        _, page = await a.get(h.url + location)
        assert "Đã xếp lần gửi #" in page
        with h.loa.db.read() as s:
            assert [e.action for e in s.scalars(select(AuditEntry))] == ["broadcast"]


async def test_the_board_downloads_the_periods_files_for_its_units_only(sqlite_url, tmp_path):
    import io

    from docx import Document
    from openpyxl import load_workbook
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a:
        ids = h.tree.units
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        _, page = await a.get(h.url + "/")
        assert 'href="xuat/xlsx?ky=' in page and 'href="xuat/docx?ky=' in page
        async with a.http.get(h.url + "/xuat/xlsx", headers=a._headers()) as r:
            assert r.status == 200 and "attachment" in r.headers["Content-Disposition"]
            sheet = load_workbook(io.BytesIO(await r.read())).active
            text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
        assert "Chi bộ Ấp 1" in text and "Ấp Đông" not in text      # its own subtree only
        async with a.http.get(h.url + f"/xuat/csv?donvi={ids['Chi bộ Ấp 2']}",
                              headers=a._headers()) as r:
            body = (await r.read()).decode("utf-8-sig")
        assert "Chi bộ Ấp 2" in body and "Chi bộ Ấp 1" not in body
        async with a.http.get(h.url + "/xuat/docx", headers=a._headers()) as r:
            doc = Document(io.BytesIO(await r.read()))
        assert "BAN XÂY DỰNG ĐẢNG" in doc.tables[0].rows[0].cells[0].text
        # Another commune's unit, an unknown kind, or no session: refused, no file.
        status, text = await a.get(h.url + f"/xuat/xlsx?donvi={ids['Chi bộ Ấp Đông']}")
        assert status == 403 and "Ấp Đông" not in text
        assert (await a.get(h.url + "/xuat/exe"))[0] == 404
        async with client() as stranger:
            status, text = await stranger.get(h.url + "/xuat/xlsx")
            assert "data-signin" in text


async def test_a_board_reminds_those_who_have_not_acknowledged_from_the_overview(sqlite_url,
                                                                               tmp_path):
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a:
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        _, page = await a.get(h.url + "/")
        bid = h.tree.broadcast_id
        m = re.search(rf'action="phatdi/{bid}/nhac"><input type="hidden" name="csrf" '
                      rf'value="(\w+)"><button type="submit" class="btn">🔔 Nhắc (\d+) người', page)
        assert m and m.group(2) == "1"            # Phạm Thị Hoa of Chi bộ Ấp 1 has not
        assert (await a.post(f"{h.url}/phatdi/{bid}/nhac", {}))[0] == 403     # no token
        mark = h.tg.mark()
        status, location, _ = await a.post(f"{h.url}/phatdi/{bid}/nhac", {"csrf": m.group(1)})
        assert status == 303 and location.endswith(f"/?nhac={bid}&n=1")
        got = await h.tg.wait_for(lambda c: c.chat_id == 6_000_012 and "Nhắc lại" in c.text, mark)
        assert f"#{bid}" in got.text
        await asyncio.sleep(0.5)
        assert not [c for c in h.tg.sent(since=mark) if c.chat_id in (MEMBER_A1, 6_000_031)]
        _, page = await a.get(h.url + location)
        assert "Đã xếp lời nhắc lại lần gửi" in page
        with h.loa.db.read() as s:
            assert [(e.action, e.channel) for e in s.scalars(select(AuditEntry))] == [
                ("remind", "desk")]


async def test_a_commune_board_passes_a_question_up_from_the_desk(sqlite_url, tmp_path):
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a, client() as top:
        qid = _commune_question(h)
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        assert (await top.signin(h.url, init_data(ADMIN_ID, "Tỉnh")))[0] == 200
        _, page = await a.get(h.url + "/cauhoi")
        assert f'action="cauhoi/{qid}/chuyenlen"' in page
        _, top_page = await top.get(h.url + "/cauhoi")
        assert "chuyenlen" not in top_page                 # the top board has nowhere to pass it
        mark = h.tg.mark()
        status, _, page = await a.post(f"{h.url}/cauhoi/{qid}/chuyenlen", {"csrf": _token(page)})
        assert status == 200 and f"Đã chuyển câu hỏi số {qid} lên" in page
        notice = await h.tg.wait_for(lambda c: c.chat_id == ADMIN_ID and f"số {qid}" in c.text, mark)
        assert "chuyển lên câu hỏi" in notice.text and "Mức hỗ trợ" in notice.text
        with h.loa.db.read() as s:
            assert s.scalar(select(Question.board_unit_id).where(Question.id == qid)) is None
            assert [(e.action, e.channel) for e in s.scalars(select(AuditEntry))] == [
                ("escalate", "desk")]
        # Passed up: the commune board can no longer answer it.
        status, _, page = await a.post(f"{h.url}/cauhoi/{qid}/traloi",
                                       {"csrf": _token(page), "text": "Muộn rồi"})
        assert status == 400 and "không thuộc phạm vi" in page


async def test_a_board_cancels_its_scheduled_broadcast_from_the_desk(sqlite_url, tmp_path):
    from bot.db.models import B_CANCELLED, Broadcast, Delivery
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a, client() as b:
        ids = h.tree.units
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        assert (await b.signin(h.url, init_data(ADMIN_B, "Cường")))[0] == 200
        _, page = await a.get(h.url + "/phatdi")
        token = _token(page)
        when = h.loa.broadcasts.example_time()           # tomorrow 07:30, local time
        status, location, _ = await a.post(h.url + "/phatdi/gui", {
            "csrf": token, "text": "Lịch họp tuần sau", "unit": str(ids["Chi bộ Ấp 2"]), "gio": when})
        assert status == 303
        bid = int(re.search(r"da_gui=(\d+)", location).group(1))
        _, page = await a.get(h.url + "/phatdi")
        waiting = page.split('id="waiting"')[1]
        assert f'data-broadcast="{bid}"' in waiting and "Lịch họp tuần sau" in waiting
        assert when in waiting and "Chi bộ Ấp 2" in waiting
        # A sister commune's board neither sees it nor cancels it by number.
        _, b_page = await b.get(h.url + "/phatdi")
        assert f'data-broadcast="{bid}"' not in b_page
        status, _, text = await b.post(h.url + f"/phatdi/{bid}/huy", {"csrf": _token(b_page)})
        assert status in (400, 403)
        assert (await a.post(h.url + f"/phatdi/{bid}/huy", {}))[0] == 403      # no token
        with h.loa.db.read() as s:
            assert s.get(Broadcast, bid).status != B_CANCELLED
        status, location, _ = await a.post(h.url + f"/phatdi/{bid}/huy", {"csrf": token})
        assert status == 303 and location.endswith(f"/phatdi?da_huy={bid}")
        _, page = await a.get(h.url + location)
        assert f"Đã hủy lần gửi #{bid}" in page and f'data-broadcast="{bid}"' not in page
        with h.loa.db.read() as s:
            assert s.get(Broadcast, bid).status == B_CANCELLED
            assert not s.scalars(select(Delivery).where(Delivery.broadcast_id == bid)).all()
            assert [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
                "broadcast", "cancel"]
        # Twice: refused with the reason, nothing else changes.
        status, _, text = await a.post(h.url + f"/phatdi/{bid}/huy", {"csrf": token})
        assert status == 400


async def test_an_answer_kept_as_faq_from_the_desk_answers_the_next_asker(sqlite_url, tmp_path):
    from bot.db.models import Faq
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a, client() as b:
        qid = _commune_question(h)
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        assert (await b.signin(h.url, init_data(ADMIN_B, "Cường")))[0] == 200
        _, page = await a.get(h.url + "/cauhoi")
        token = _csrf(page, qid)
        assert (await a.post(f"{h.url}/cauhoi/{qid}/traloi", {"text": ANSWER, "csrf": token}))[0] == 303
        _, page = await a.get(h.url + "/cauhoi")
        answered = page.split('id="answered"')[1]
        assert f'data-answered="{qid}"' in answered and f'action="cauhoi/{qid}/hoidap"' in answered
        # A sister commune's board cannot keep it; without the token nothing is kept.
        _, b_page = await b.get(h.url + "/cauhoi")
        assert f'data-answered="{qid}"' not in b_page
        b_token = _token((await b.get(h.url + "/phatdi"))[1])
        assert (await b.post(f"{h.url}/cauhoi/{qid}/hoidap", {"csrf": b_token}))[0] == 400
        assert (await a.post(f"{h.url}/cauhoi/{qid}/hoidap", {}))[0] == 403
        status, location, _ = await a.post(f"{h.url}/cauhoi/{qid}/hoidap", {"csrf": token})
        assert status == 303
        with h.loa.db.read() as s:
            faq = s.scalar(select(Faq))
        assert faq.source_question_id == qid and faq.active
        _, page = await a.get(h.url + location)
        assert f"mục số {faq.id}" in page and f'action="cauhoi/{qid}/hoidap"' not in page

        # The next member who asks the same is answered at once with it.
        asker = h.user("Phạm Thị Hoa", user_id=6_000_012)
        reply = await asker.reply("Mức hỗ trợ cho tuyên truyền viên năm nay là bao nhiêu?")
        assert "giữ như năm trước" in reply.text

        # Edited on the desk: the new wording answers; another board cannot touch it.
        _, page = await a.get(h.url + "/hoidap")
        assert f'data-faq="{faq.id}"' in page and "giữ như năm trước" in page
        _, b_faq = await b.get(h.url + "/hoidap")
        assert f'data-faq="{faq.id}"' not in b_faq
        status, _, _ = await b.post(f"{h.url}/hoidap/{faq.id}/ngung", {"csrf": b_token})
        assert status == 400
        status, _, page = await a.post(f"{h.url}/hoidap/{faq.id}/sua", {
            "question": faq.question, "answer": "Mức hỗ trợ năm nay tăng lên 200.000 đồng/tháng.",
            "csrf": token})
        assert status == 200 and f"Đã sửa mục hỏi đáp số {faq.id}" in page
        reply = await asker.reply("Mức hỗ trợ cho tuyên truyền viên năm nay là bao nhiêu?")
        assert "200.000 đồng/tháng" in reply.text
        status, _, page = await a.post(f"{h.url}/hoidap/{faq.id}/sua", {
            "question": faq.question, "answer": "  ", "csrf": token})
        assert status == 400 and "không được để trống" in page
        # Retired: no longer the answer.
        status, _, page = await a.post(f"{h.url}/hoidap/{faq.id}/ngung", {"csrf": token})
        assert status == 200 and "đã ngừng dùng" in page
        reply = await asker.reply("Mức hỗ trợ cho tuyên truyền viên năm nay là bao nhiêu?")
        assert "200.000 đồng/tháng" not in reply.text
        with h.loa.db.read() as s:
            log = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert log == ["answer", "faq_save", "faq_edit", "faq_retire"]
