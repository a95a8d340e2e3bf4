"""Quizzes on the desk: a commune's board makes one from a file and one from the plan's drafts, edits
a drafted question, drops another, publishes to its people; its members get the invitation; the
results page shows its units; a sister commune sees none of it; nothing without the CSRF token."""
from __future__ import annotations

import html
import io
import re

import aiohttp
from sqlalchemy import select

from bot.db.models import AuditEntry, Quiz, QuizQuestion
from tests.conftest import running_bot
from tests.deskdata import ADMIN_A, ADMIN_B, MEMBER_A1, init_data, seed
from tests.test_desk import client
from tests.test_quizzes import CSV


def _token(page: str) -> str:
    return re.search(r'name="csrf" value="(\w+)"', page).group(1)


async def test_a_board_makes_edits_publishes_and_reads_a_quiz(sqlite_url, own_kb):
    async with running_bot(sqlite_url, own_kb, web_url="https://desk.example.vn") as h, \
            client() as a, client() as b:
        h.tree = seed(h.loa.db, h.loa.reports.today())
        url = h.app.bot_data["desk"].url
        assert (await a.signin(url, init_data(ADMIN_A, "Bảo")))[0] == 200
        assert (await b.signin(url, init_data(ADMIN_B, "Cường")))[0] == 200
        status, page = await a.get(url + "/")
        assert 'href="tracnghiem"' in page
        status, page = await a.get(url + "/tracnghiem")
        assert status == 200 and 'action="tracnghiem/tai"' in page and "ke-hoach-thuc-hien-chi-thi-30" in page
        token = _token(page)

        # From a file (multipart), and never without the token.
        async def upload(data: bytes, name: str, with_token: bool = True):
            form = aiohttp.FormData()
            if with_token:
                form.add_field("csrf", token)
            form.add_field("title", "Tìm hiểu Chỉ thị 30")
            form.add_field("file", data, filename=name, content_type="application/octet-stream")
            return await a.post(url + "/tracnghiem/tai", form)
        assert (await upload(CSV.encode("utf-8"), "q.csv", with_token=False))[0] == 403
        status, _, page = await upload(CSV.replace(";A;Ban", ";Z;Ban").encode("utf-8"), "q.csv")
        assert status == 400 and "Dòng 2" in html.unescape(page)
        status, _, page = await upload(CSV.encode("utf-8"), "q.csv")
        assert status == 200 and "Đã tạo bản nháp số" in page, page[-600:]
        file_quiz = int(re.search(r"Đã tạo bản nháp số (\d+)", page).group(1))

        # Drafts from the plan: edit question 1's options and right answer, drop question 2.
        status, _, page = await a.post(url + "/tracnghiem/soan", {
            "csrf": token, "doc": "ke-hoach-thuc-hien-chi-thi-30-ct-tw", "count": "3", "title": ""})
        assert status == 200 and 'data-question="3"' in page, page[-600:]
        drafted = int(re.search(r"Đã tạo bản nháp số (\d+)", page).group(1))
        status, _, page = await a.post(url + f"/tracnghiem/{drafted}/sua", {
            "csrf": token, "number": "1", "text": "Ai chủ trì tham mưu quán triệt Chỉ thị 30?",
            "options": "Ban Tuyên giáo Thị ủy\nTrung tâm Văn hóa\nCác chi bộ", "right": "a",
            "explanation": "Mục III.1 của Kế hoạch.", "source": "Kế hoạch, III.1"})
        assert status == 200 and "Đã lưu câu 1" in page
        status, _, page = await a.post(url + f"/tracnghiem/{drafted}/bo", {"csrf": token, "number": "2"})
        assert status == 200 and "Đã bỏ câu 2" in page and 'data-question="3"' not in page
        with h.loa.db.read() as s:
            rows = s.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == drafted)
                             .order_by(QuizQuestion.position)).all()
            assert [r.position for r in rows] == [1, 2]
            assert rows[0].options == ["Ban Tuyên giáo Thị ủy", "Trung tâm Văn hóa", "Các chi bộ"]
            assert rows[0].correct == [0]

        # A sister commune neither sees nor touches it.
        _, page_b = await b.get(url + "/tracnghiem")
        assert f'data-quiz="{drafted}"' not in page_b
        status, _ = await b.get(url + f"/tracnghiem/{drafted}")
        assert status == 403
        status, _, _ = await b.post(url + f"/tracnghiem/{drafted}/phathanh", {"csrf": _token(page_b)})
        assert status == 403
        with h.loa.db.read() as s:
            assert s.get(Quiz, drafted).status == "draft"

        # Publish to its people: the member of Ấp 1 gets the invitation; Bình Minh's member does not.
        mark = h.tg.mark()
        status, _, page = await a.post(url + f"/tracnghiem/{file_quiz}/phathanh", {
            "csrf": token, "audience": "all", "until": "31/12/2099 17:00", "attempts": "2"})
        assert status == 200 and "Đã phát hành bài số" in page, page[-600:]
        await h.tg.wait_for(lambda c: c.chat_id == MEMBER_A1 and "Trắc nghiệm" in c.text, mark)
        assert not [c for c in h.tg.sent(6_000_031, since=mark) if "Trắc nghiệm" in c.text]
        with h.loa.db.read() as s:
            q = s.get(Quiz, file_quiz)
            assert q.status == "open" and q.attempts == 2 and q.closes_at.year == 2099
            assert s.scalar(select(AuditEntry).where(AuditEntry.action == "quiz", AuditEntry.channel == "desk"))
        status, page = await a.get(url + f"/tracnghiem/{file_quiz}")
        assert status == 200 and 'id="quiz-results"' in page and "Chi bộ Ấp 1" in page
        assert "Đã làm: <b>0/" in page
        # The export: per unit and per member; a sister commune gets none of it.
        async with a.http.get(url + f"/tracnghiem/{file_quiz}/xuat.xlsx", headers=a._headers()) as r:
            assert r.status == 200 and "spreadsheetml" in r.headers["Content-Type"]
            data = await r.read()
        from openpyxl import load_workbook
        book = load_workbook(io.BytesIO(data))
        members = [row for row in book["Từng người"].iter_rows(min_row=2, values_only=True)]
        assert ("Xã An Phú › Chi bộ Ấp 1", "Nguyễn Văn An", 0, None, None) in members
        assert not [m for m in members if "Ấp Đông" in (m[0] or "")]
        status, _ = await b.get(url + f"/tracnghiem/{file_quiz}/xuat.xlsx")
        assert status == 403
        _, page = await a.get(url + "/")   # the overview lists the quiz open now
        assert 'id="open-quizzes"' in page and f'href="tracnghiem/{file_quiz}"' in page
