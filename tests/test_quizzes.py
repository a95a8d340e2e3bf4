"""Học tập số (issue 25): quizzes from a file or drafted from a document, taken one question at a time,
stored once, refused after the window, results per unit equal to a hand count, one reminder."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.config import Settings
from bot.context import Loa
from bot.db import Database
from bot.db.models import Broadcast, QuizAnswer, utcnow
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.services.quizzes import BLANK, _TERM_KINDS, QuestionDraft, draft_questions, read_file
from indexer.question import body_spans

CSV = ("\ufeffCâu hỏi;A;B;C;D;Đáp án;Giải thích;Nguồn\n"
       "Chỉ thị 30-CT/TW về công tác tuyên truyền miệng do cơ quan nào ban hành?;Ban Bí thư;Quốc hội;"
       "Chính phủ;Bộ Chính trị;A;Ban Bí thư ký ban hành ngày 20/2/2024.;Kế hoạch, phần I\n"
       "Báo cáo kết quả gửi trước ngày nào hằng tháng?;Ngày 15;Ngày 20;Ngày 25;;C;;\n"
       "\n"
       "Những lực lượng nào làm tuyên truyền miệng?;Báo cáo viên;Tuyên truyền viên;Phóng viên;;A, B;;\n")


def test_a_file_as_excel_saves_it():
    questions = read_file(CSV.encode("utf-8"), "cau-hoi.csv")
    assert [len(q.options) for q in questions] == [4, 3, 3]
    assert questions[0].correct == (0,) and questions[0].source == "Kế hoạch, phần I"
    assert questions[1].correct == (2,) and questions[2].correct == (0, 1)
    # The same questions from a workbook.
    book = Workbook()
    sheet = book.active
    for line in CSV.lstrip("\ufeff").splitlines():
        sheet.append(line.split(";"))
    data = io.BytesIO()
    book.save(data)
    assert [q.text for q in read_file(data.getvalue(), "cau-hoi.xlsx")] == [q.text for q in questions]


@pytest.mark.parametrize("content, name, message", [
    (CSV.replace(";A;Ban", ";Z;Ban"), "x.csv", "Dòng 2: đáp án “Z”"),
    (CSV.replace("Ngày 15;Ngày 20;Ngày 25;;C", ";;Ngày 25;;C"), "x.csv", "Dòng 3: cần từ 2 đến 6 phương án"),
    (CSV.replace("Đáp án", "Kết quả"), "x.csv", "dòng tiêu đề"),
    (CSV, "x.docx", ".csv"),
])
def test_a_bad_file_names_its_line(content, name, message):
    with pytest.raises(InvalidInput) as e:
        read_file(content.encode("utf-8"), name)
    assert message in e.value.plain()
    with pytest.raises(InvalidInput) as e:
        read_file(CSV.encode("cp1258", errors="replace"), "x.csv")
    assert "CSV UTF-8" in e.value.plain()


def test_drafts_from_the_plan_blank_a_term_of_the_sentence(shared_kb):
    plan = next(d for d in shared_kb.documents() if d.doc_id == "ke-hoach-thuc-hien-chi-thi-30-ct-tw")
    chunks = shared_kb.passages(plan.doc_id)
    drafts = draft_questions(chunks, lambda c: f"{plan.display}, {c.section}", count=5)
    assert len(drafts) >= 3
    kinds = dict(_TERM_KINDS)
    headings = {c.path[-1].split(" ", 1)[-1] for c in chunks}

    def same_kind(kind: str, option: str) -> bool:
        if kind == "assignee":   # who does it: the headings of the part's items
            return option in headings
        if kind == "body":
            return bool(body_spans(option))
        return bool(kinds[kind].search(option))

    assert {"assignee"} <= {d.kind for d in drafts}
    for d in drafts:
        assert d.blank in d.source_text and BLANK in d.text
        assert d.text.replace(BLANK, d.blank, 1) == d.source_text      # verbatim but for the blank
        assert all(part.strip(" -") in "\n".join(c.text for c in chunks) for part in d.source_text.split("\n"))
        assert d.options[d.correct[0]] == d.blank and len(set(d.options)) == len(d.options) >= 3
        assert all(same_kind(d.kind, o) for o in d.options), d   # options of one kind
        assert plan.display in d.source and plan.display in d.explanation
        assert "Căn cứ" not in d.source   # the bases give options, never the question
        assert not any(o.isupper() for o in d.options)


def _loa(tmp_path, shared_kb) -> Loa:
    settings = Settings(token="1:x", database_url=f"sqlite:///{tmp_path / 'quiz.db'}",
                        knowledge_dir=shared_kb.config.knowledge_dir, index_dir=shared_kb.config.index_dir)
    db = Database(settings.database_url)
    db.upgrade()
    return Loa.build(settings, kb=shared_kb, db=db)


def _join(loa: Loa, unit: str, telegram_id: int, name: str, admin: bool = False) -> int:
    code = loa.members.create_invite(unit, admin=admin).code
    loa.members.join(code, telegram_id, telegram_id, name, None)
    return telegram_id


QUESTIONS = [QuestionDraft(f"Câu hỏi số {i}?", ("Một", "Hai", "Ba", "Bốn"), (i % 4,), f"Vì {i}.", "Kế hoạch 129",
                           "Đoạn trích") for i in range(5)]


def _answer_all(loa, tid, picks, quiz_id=None, now=None, stop_after=None):
    """Answer from where the member stands; `picks[i]` is the option chosen for question i (0-based)."""
    step = loa.quizzes.start(tid, quiz_id, now=now)
    n = 0
    while step.question is not None:
        if stop_after is not None and n == stop_after:
            return step
        step = loa.quizzes.answer(tid, step.attempt_id, step.question.id, [picks[step.question.number - 1]],
                                  now=now)
        n += 1
    return step


def test_take_resume_retry_late_and_the_results_per_unit(tmp_path, shared_kb):
    loa = _loa(tmp_path, shared_kb)
    for commune in ("Đảng ủy xã An Bình", "Đảng ủy xã Bình Minh", "Đảng ủy xã Cát Tiên"):
        loa.members.add_unit(commune)
        loa.members.add_unit(f"Chi bộ Thôn 1 {commune[-7:]}", parent=commune)
    a = [_join(loa, "Chi bộ Thôn 1 An Bình", 7_100 + i, f"Đảng viên A{i}") for i in range(4)]
    b = [_join(loa, "Chi bộ Thôn 1 nh Minh", 7_200 + i, f"Đảng viên B{i}") for i in range(3)]
    other = _join(loa, "Đảng ủy xã Cát Tiên", 7_300, "Ngoài bài")
    commune_board = _join(loa, "Đảng ủy xã Bình Minh", 7_400, "Ban xã Bình Minh", admin=True)
    units = loa.broadcasts.resolve_units(["Đảng ủy xã An Bình", "Đảng ủy xã Bình Minh"])
    now = utcnow()
    quiz = loa.quizzes.create(None, "Tìm hiểu Chỉ thị 30", QUESTIONS, {"units": units},
                              closes_at=now + timedelta(days=2), attempts=2)
    # A draft: nobody can take it yet; the board edits one question before publishing.
    with pytest.raises(NotFound):
        loa.quizzes.start(a[0], quiz.id)
    loa.quizzes.edit_question(None, quiz.id, 5, QuestionDraft("Câu hỏi số 4 (sửa)?", ("Một", "Hai"), (1,)))
    info, questions = loa.quizzes.questions(None, quiz.id)
    assert questions[4].text == "Câu hỏi số 4 (sửa)?" and questions[4].correct == (1,)
    loa.quizzes.publish(None, quiz.id, now=now)
    with loa.db.read() as s:   # the invitation goes to the audience as one broadcast
        assert s.scalar(select(func.count(Broadcast.id))) == 1
    with pytest.raises(InvalidInput):
        loa.quizzes.edit_question(None, quiz.id, 1, None)   # published: no more edits
    with pytest.raises(NotAllowed):
        loa.quizzes.start(other, quiz.id)   # not in the audience

    right = [0, 1, 2, 3, 1]
    wrong_first = [1, 1, 2, 3, 1]   # question 1 wrong
    # A: all right; one who stops after two and resumes; one wrong on Q1; one who tries twice.
    assert _answer_all(loa, a[0], right).finished.score == 5
    half = _answer_all(loa, a[1], right, stop_after=2)
    resumed = loa.quizzes.start(a[1], quiz.id)
    assert resumed.resumed and resumed.question.number == 3 and resumed.attempt_id == half.attempt_id
    assert _answer_all(loa, a[1], right).finished.score == 5
    done = _answer_all(loa, a[2], wrong_first).finished
    assert done.score == 4 and [r.number for r in done.wrong] == [1] and done.wrong[0].right == "A. Một"
    assert done.wrong[0].source == "Kế hoạch 129" and done.attempts_left == 1
    assert _answer_all(loa, a[3], [1, 0, 0, 0, 0]).finished.score == 0
    assert _answer_all(loa, a[3], right, quiz.id).finished.score == 5     # the second attempt
    with pytest.raises(InvalidInput, match="tối đa 2"):
        loa.quizzes.start(a[3], quiz.id)
    # B: one right, one wrong on Q1 and Q2, one who never starts.
    assert _answer_all(loa, b[0], right).finished.score == 5
    assert _answer_all(loa, b[1], [1, 0, 2, 3, 1]).finished.score == 3
    # A replayed answer keeps the first; a forged attempt id is refused.
    step = loa.quizzes.start(b[2], quiz.id)
    first = loa.quizzes.answer(b[2], step.attempt_id, step.question.id, [3])
    again = loa.quizzes.answer(b[2], step.attempt_id, step.question.id, [0])
    assert first.right is False and again.repeated and again.right is False
    with loa.db.read() as s:
        assert s.scalar(select(func.count(QuizAnswer.id)).where(QuizAnswer.attempt_id == step.attempt_id)) == 1
    with pytest.raises(NotFound):
        loa.quizzes.answer(b[1], step.attempt_id, again.question.id, [0])
    # Late: refused politely, not counted.
    late = now + timedelta(days=3)
    with pytest.raises(InvalidInput, match="hết hạn"):
        loa.quizzes.answer(b[2], step.attempt_id, again.question.id, [1], now=late)

    # The one reminder, the day before closing: to those of the audience who have not finished.
    assert loa.quizzes.reminders_due(now + timedelta(days=1, hours=1)) == [quiz.id]
    assert loa.quizzes.reminders_due(now + timedelta(days=1, hours=2)) == []
    with loa.db.read() as s:
        reminder = s.scalars(select(Broadcast).order_by(Broadcast.id.desc())).first()
        assert reminder.audience == {"quiz_pending": quiz.id} and "chưa làm" in reminder.text
    assert loa.broadcasts.count_audience({"quiz_pending": quiz.id}) == 2   # b[2] and the commune board

    # Per unit, by hand: An Bình 4/4 took it, best scores 5, 5, 4, 5; Bình Minh 2/3, 5 and 3.
    results = loa.quizzes.results(None, quiz.id)
    rows = {r.unit: r for r in results.units}
    assert (rows["Đảng ủy xã An Bình"].took, rows["Đảng ủy xã An Bình"].expected) == (4, 4)
    assert rows["Đảng ủy xã An Bình"].average == pytest.approx(19 / 4)
    assert (rows["Đảng ủy xã Bình Minh"].took, rows["Đảng ủy xã Bình Minh"].expected) == (2, 4)  # + its board
    assert rows["Đảng ủy xã Bình Minh"].average == pytest.approx(4.0)
    assert (results.took, results.expected) == (6, 8)
    # Most missed: question 1 (a[2], a[3]'s first try, b[1], b[2]) before question 2 (a[3], b[1]).
    assert [m.number for m in results.missed][:2] == [1, 2]
    assert results.missed[0].wrong == 4
    assert "Đảng ủy xã Cát Tiên" not in rows   # not in the audience: no row of 0/0
    # A commune's board sees its own people's results of the province's quiz, and cannot close it.
    own = loa.quizzes.results(commune_board, quiz.id)
    assert [(r.unit, r.took, r.expected) for r in own.units] == [("Chi bộ Thôn 1 nh Minh", 2, 3)]
    assert (own.took, own.expected) == (2, 4)
    with pytest.raises(NotAllowed):
        loa.quizzes.close(commune_board, quiz.id)

    # The periodic report draft: section 5 with the quiz, its units and the most missed question.
    from docx import Document
    from bot.services.periodic import to_docx
    from bot.services.reports import month_period
    today = now.astimezone(loa.settings.tz).date()
    figures = loa.periodic.figures(month_period(today.year, today.month))
    assert [r.quiz.id for r in figures.quizzes] == [quiz.id]
    doc = Document(io.BytesIO(to_docx(figures, today)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "5. Kết quả học tập, quán triệt" in text
    assert "Bài “Tìm hiểu Chỉ thị 30” (5 câu): 6/8 người đã làm" in text and "câu 1 (Câu hỏi số 0?)" in text
    assert "Đảng ủy xã An Bình" in cells and "4/4" in cells and "2/4" in cells


async def _poll(tg, member, mark):
    """The next poll the bot sent this member after `mark`."""
    return await tg.wait_for(lambda c: c.method == "sendPoll" and c.chat_id == member.id, mark)


async def test_members_take_it_as_telegram_polls_and_the_board_reads_the_results(sqlite_url, shared_kb):
    from tests.conftest import ADMIN_ID, FakeUser
    from tests.zaloharness import running_zalo

    async with running_zalo(sqlite_url, shared_kb, mode="polling", telegram=True) as h:
        loa = h.loa
        loa.members.add_unit("Đảng ủy xã An Bình")
        loa.members.add_unit("Đảng ủy xã Bình Minh")
        province = FakeUser(h.tg, ADMIN_ID, "Ban Tuyên giáo Tỉnh")
        await province.reply("/start")
        members = []
        for i, unit in enumerate(("Đảng ủy xã An Bình", "Đảng ủy xã An Bình", "Đảng ủy xã Bình Minh")):
            m = FakeUser(h.tg, 6_500_001 + i, f"Đảng viên {i}")
            await m.reply(f"/start {loa.members.create_invite(unit).code}")
            members.append(m)
        long_option = "Một phương án rất dài " * 6   # over Telegram's 100 characters: sent as letters
        questions = QUESTIONS[:3] + [QuestionDraft("Chọn cả hai ý đúng?", ("Đúng một", "Sai", "Đúng hai"), (0, 2)),
                                     QuestionDraft("Câu có phương án dài?", (long_option, "Ngắn"), (1,),
                                                   "Vì ngắn.", "Kế hoạch, mục III", "Đoạn văn gốc")]
        quiz = loa.quizzes.create(None, "Tìm hiểu <Chỉ thị 30>", questions, {"all": True},
                                  closes_at=utcnow() + timedelta(days=1))
        mark = h.tg.mark()
        loa.quizzes.publish(None, quiz.id)
        invite = await h.tg.wait_for(lambda c: c.chat_id == members[0].id and "Trắc nghiệm" in c.text, mark)
        assert "Tìm hiểu &lt;Chỉ thị 30&gt;" in invite.params["text"] and "/tracnghiem" in invite.text

        # Member 0 answers two questions, stops, comes back to question 3.
        a = members[0]
        mark = h.tg.mark()
        await a.send("/tracnghiem")
        poll = await _poll(h.tg, a, mark)
        assert poll.params["question"] == "Câu 1/5. Câu hỏi số 0?"
        for pick in (0, 1):
            mark = h.tg.mark()
            await a.answer_poll(poll.result["poll"]["id"], [pick])
            poll = await _poll(h.tg, a, mark)
        assert any("✅ Đúng" in c.text for c in h.tg.sent(a.id)[-4:])
        mark = h.tg.mark()
        await a.send("/tracnghiem")
        poll = await _poll(h.tg, a, mark)
        assert poll.params["question"].startswith("Câu 3/5") and any(
            "làm tiếp" in c.text for c in h.tg.sent(a.id, since=mark))
        for options in ([3], [0, 2]):   # Q3 wrong (right is C), Q4 both right ones
            mark = h.tg.mark()
            await a.answer_poll(poll.result["poll"]["id"], options)
            poll = await _poll(h.tg, a, mark)
        assert str(poll.params.get("allows_multiple_answers")).lower() == "false"
        assert [o if isinstance(o, str) else o["text"] for o in _options(poll)] == ["A", "B"]   # too long: letters
        whole = [c for c in h.tg.sent(a.id) if "Câu có phương án dài" in c.text][-1]
        assert "A. Một phương án rất dài" in whole.text
        mark = h.tg.mark()
        await a.answer_poll(poll.result["poll"]["id"], [0])   # wrong: B is right
        done = await h.tg.wait_for(lambda c: c.chat_id == a.id and "Xong bài" in c.text, mark)
        assert "<b>3/5</b>" in done.params["text"]
        assert "Đáp án đúng: <b>C. Ba</b>" in done.params["text"] and "Kế hoạch, mục III" in done.text
        # A replayed poll answer changes nothing (the result is said again); a poll the bot never sent is
        # ignored.
        mark = h.tg.mark()
        await a.answer_poll(poll.result["poll"]["id"], [1])
        again = await h.tg.wait_for(lambda c: c.chat_id == a.id and "Xong bài" in c.text, mark)
        assert "<b>3/5</b>" in again.params["text"]
        await a.answer_poll("poll-unknown", [0])
        assert "Bạn đã làm" in (await a.reply("/tracnghiem")).text

        # Member 1 all right; member 2 (Bình Minh) never starts.
        b = members[1]
        mark = h.tg.mark()
        await b.send("/tracnghiem")
        poll = await _poll(h.tg, b, mark)
        for options in ([0], [1], [2], [0, 2]):
            mark = h.tg.mark()
            await b.answer_poll(poll.result["poll"]["id"], options)
            poll = await _poll(h.tg, b, mark)
        mark = h.tg.mark()
        await b.answer_poll(poll.result["poll"]["id"], [1])
        done = await h.tg.wait_for(lambda c: c.chat_id == b.id and "Xong bài" in c.text, mark)
        assert "<b>5/5</b>" in done.params["text"] and "đúng tất cả" in done.text

        # The board: per unit and the most missed question.
        text = (await province.reply(f"/tracnghiem_kq {quiz.id}")).text
        assert "Đã làm: <b>2/3</b> người" in text   # the province board, in no unit, is not expected
        assert "Đảng ủy xã An Bình: 2/2 người, trung bình 4.0/5" in text
        assert "Đảng ủy xã Bình Minh: 0/1 người" in text
        assert "Câu sai nhiều nhất" in text and "3. Câu hỏi số 2?" in text
        assert "⛔" in (await a.reply(f"/tracnghiem_kq {quiz.id}")).text   # members cannot


def _options(call):
    import json
    options = call.params["options"]
    return json.loads(options) if isinstance(options, str) else options


async def test_a_zalo_member_types_the_numbers_stops_and_goes_on(sqlite_url, shared_kb):
    from tests.zaloharness import running_zalo

    async with running_zalo(sqlite_url, shared_kb, mode="polling", telegram=True) as h:
        loa = h.loa
        loa.members.add_unit("Đảng ủy xã An Bình")
        z = h.user("Trần Thị Zalo")
        await z.say(f"/start {loa.members.create_invite('Đảng ủy xã An Bình').code}")
        questions = QUESTIONS[:2] + [QuestionDraft("Chọn cả hai ý đúng?", ("Đúng một", "Sai", "Đúng hai"), (0, 2),
                                                   "", "Kế hoạch, mục II", "Đoạn văn gốc")]
        quiz = loa.quizzes.create(None, "Tìm hiểu Chỉ thị 30", questions, {"all": True},
                                  closes_at=utcnow() + timedelta(days=1))
        loa.quizzes.publish(None, quiz.id)
        first = await z.say("/tracnghiem")
        assert "Câu 1/3. Câu hỏi số 0?" in first and "1. Một" in first and "Trả lời bằng số (1–4)" in first
        assert "<b>" not in first   # plain text on Zalo
        assert "Hãy trả lời bằng số" in await z.say("chắc là cái đầu")   # not a number: asked again
        second = await z.say("1")
        assert "✅ Đúng." in second and "Câu 2/3" in second
        assert "Đã dừng" in await z.say("/huy")
        resumed = await z.say("/tracnghiem")
        assert "làm tiếp" in resumed and "Câu 2/3" in resumed
        third = await z.say("1")   # wrong: B
        assert "❌ Chưa đúng. Đáp án: B. Hai." in third and "có thể nhiều số" in third
        done = await z.say("1, 3")
        assert "Xong bài" in done and "đúng 2/3 câu" in done and "Đáp án đúng: B. Hai" in done
        # The session is over: a plain number now is a question again, not an answer.
        with loa.db.read() as s:
            assert s.scalar(select(func.count(QuizAnswer.id))) == 3


def test_the_command_line_imports_drafts_publishes_and_reads(tmp_path, monkeypatch, capsys, shared_kb):
    from bot.cli import main

    monkeypatch.setenv("LOA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("LOA_KNOWLEDGE_DIR", str(shared_kb.config.knowledge_dir))
    monkeypatch.setenv("LOA_INDEX_DIR", str(shared_kb.config.index_dir))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cau-hoi.csv").write_bytes(CSV.encode("utf-8"))
    assert main(["quiz", "import", "cau-hoi.csv", "--title", "Thử", "--until", "31/12/2099 17:00"]) == 0
    out = capsys.readouterr().out
    assert "Bài trắc nghiệm số 1: Thử (bản nháp, 3 câu)" in out and "A. Ban Bí thư   ✓" in out
    assert main(["quiz", "draft", "ke-hoach-thuc-hien-chi-thi-30-ct-tw", "--count", "3"]) == 0
    out = capsys.readouterr().out
    assert "Bài trắc nghiệm số 2" in out and "……" in out and "loa quiz publish 2" in out
    assert main(["units", "add", "Chi", "bộ", "Thôn", "1"]) == 0
    assert main(["invite", "Chi bộ Thôn 1"]) == 0
    code = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Mã mời:")][0].split()[-1]
    from bot.db import Database
    from bot.services.members import MembersService
    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    MembersService(db).join(code, 8_800_001, 8_800_001, "Đảng viên", None)
    db.dispose()
    assert main(["quiz", "publish", "1"]) == 0
    assert "Đã phát hành bài trắc nghiệm số 1" in capsys.readouterr().out
    assert main(["quiz", "results", "1"]) == 0
    assert "Đã làm: 0/1 người" in capsys.readouterr().out
    assert main(["quiz", "import", "khong-co.csv"]) == 1
    assert "Không mở được tệp" in capsys.readouterr().out


async def test_twenty_members_on_both_channels_and_the_hand_count(sqlite_url, shared_kb):
    """Issue 25's done-when: 5 questions to two communes; 20 members on Telegram and Zalo answer, some
    stop and resume, one tries twice, one answers late; the results per unit equal a hand count and
    name the most missed question, in the chat, on the desk's page and in the .docx draft."""
    from docx import Document

    from bot.db.models import Quiz
    from bot.services.periodic import to_docx
    from bot.services.reports import month_period
    from tests.conftest import ADMIN_ID, FakeUser
    from tests.zaloharness import running_zalo

    async with running_zalo(sqlite_url, shared_kb, mode="polling", telegram=True) as h:
        loa = h.loa
        for commune in ("Đảng ủy xã An Bình", "Đảng ủy xã Bình Minh", "Đảng ủy xã Cát Tiên"):
            loa.members.add_unit(commune)
        province = FakeUser(h.tg, ADMIN_ID, "Ban Tuyên giáo Tỉnh")
        await province.reply("/start")
        people = []   # (channel, who, commune)
        for c, commune in enumerate(("Đảng ủy xã An Bình", "Đảng ủy xã Bình Minh")):
            code = loa.members.create_invite(commune).code
            for i in range(5):
                m = FakeUser(h.tg, 6_700_000 + 10 * c + i, f"TG {c}-{i}")
                await m.reply(f"/start {code}")
                people.append(("tg", m, commune))
                z = h.user(f"Zalo {c}-{i}")
                await z.say(f"/start {code}")
                people.append(("zalo", z, commune))
        outsider = FakeUser(h.tg, 6_799_999, "Cát Tiên")
        await outsider.reply(f"/start {loa.members.create_invite('Đảng ủy xã Cát Tiên').code}")
        units = loa.broadcasts.resolve_units(["Đảng ủy xã An Bình", "Đảng ủy xã Bình Minh"])
        quiz = loa.quizzes.create(None, "Tìm hiểu Chỉ thị 30", QUESTIONS, {"units": units},
                                  closes_at=utcnow() + timedelta(days=1), attempts=2)
        loa.quizzes.publish(None, quiz.id)
        right = [0, 1, 2, 3, 0]

        async def tg_answer(m, picks, stop_after=None):
            mark = h.tg.mark()
            await m.send("/tracnghiem")
            poll = await _poll(h.tg, m, mark)
            number = int(re.search(r"Câu (\d)/5", poll.params["question"]).group(1))
            while True:
                if stop_after is not None and number - 1 == stop_after:
                    return None
                mark = h.tg.mark()
                await m.answer_poll(poll.result["poll"]["id"], [picks[number - 1]])
                got = await h.tg.wait_for(lambda c: c.chat_id == m.id and (
                    c.method == "sendPoll" or "Xong bài" in c.text), mark)
                if got.method != "sendPoll":
                    return int(re.search(r"<b>(\d)/5</b>", got.params["text"]).group(1))
                poll, number = got, number + 1

        async def zalo_answer(z, picks, stop_after=None):
            said = await z.say("/tracnghiem")
            while True:
                number = int(re.findall(r"Câu (\d)/5", said)[-1])
                if stop_after is not None and number - 1 == stop_after:
                    await z.say("/huy")
                    return None
                said = await z.say(str(picks[number - 1] + 1))
                if "Xong bài" in said:
                    return int(re.search(r"đúng (\d)/5 câu", said).group(1))

        # Each member's picks (question 3 is the one most missed: 6 wrong; question 5: 3 wrong).
        wrong_q3 = [0, 1, 3, 3, 0]
        wrong_q5 = [0, 1, 2, 3, 1]
        plans = [right, wrong_q3, wrong_q3, wrong_q5, right, wrong_q3, right, wrong_q5, right, right,
                 wrong_q3, right, wrong_q3, right, wrong_q5, right, right, right, right, None]
        expected_best = {}
        for k, ((channel, who, commune), picks) in enumerate(zip(people, plans)):
            if picks is None:
                continue   # the last one never starts
            answer = tg_answer if channel == "tg" else zalo_answer
            if k in (1, 4):   # stop after two questions and come back
                assert await answer(who, picks, stop_after=2) is None
            score = await answer(who, picks)
            assert score == sum(p == r for p, r in zip(picks, right))
            expected_best[k] = score
        # One tries twice (the second time all right): the best attempt counts.
        assert await tg_answer(people[2][1], right) == 5
        expected_best[2] = 5
        # One answers late: the window closes while they are on question 2.
        channel, late, _ = people[19]
        assert "Câu 1/5" in await late.say("/tracnghiem")
        with loa.db.session() as s:
            s.get(Quiz, quiz.id).closes_at = utcnow() - timedelta(minutes=1)
        assert "hết hạn" in await late.say("1")

        # The hand count, per commune.
        def hand(commune):
            ks = [k for k, (_, _, c) in enumerate(people) if c == commune]
            took = [expected_best[k] for k in ks if k in expected_best]
            return len(took), len(ks), sum(took) / len(took)
        text = (await province.reply(f"/tracnghiem_kq {quiz.id}")).text
        for commune in ("Đảng ủy xã An Bình", "Đảng ủy xã Bình Minh"):
            took, expected, average = hand(commune)
            assert f"{commune}: {took}/{expected} người, trung bình {average:.1f}/5" in text, text
        assert "Cát Tiên" not in text
        assert text.index("3. Câu hỏi số 2?") < text.index("5. Câu hỏi số 4?")   # the most missed first
        # The desk's page shows the same; the .docx draft too.
        results = loa.quizzes.results(None, quiz.id)
        assert results.took == len(expected_best) == 19 and results.expected == 20
        assert results.missed[0].number == 3
        today = utcnow().astimezone(loa.settings.tz).date()
        doc = Document(io.BytesIO(to_docx(loa.periodic.figures(month_period(today.year, today.month)), today)))
        cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
        took, expected, average = hand("Đảng ủy xã An Bình")
        assert f"{took}/{expected}" in cells and f"{average:.1f}".replace(".", ",") in cells
        assert "câu 3 (Câu hỏi số 2?)" in "\n".join(p.text for p in doc.paragraphs)


def test_the_same_answer_twice_at_once_is_stored_once(tmp_path, shared_kb):
    from concurrent.futures import ThreadPoolExecutor

    loa = _loa(tmp_path, shared_kb)
    loa.members.add_unit("Chi bộ Thôn 1")
    tid = _join(loa, "Chi bộ Thôn 1", 7_500, "Đảng viên")
    quiz = loa.quizzes.create(None, "Thử", QUESTIONS[:2], closes_at=utcnow() + timedelta(days=1))
    loa.quizzes.publish(None, quiz.id)
    with ThreadPoolExecutor(4) as pool:   # four starts at once: one attempt
        steps = list(pool.map(lambda _: loa.quizzes.start(tid, quiz.id), range(4)))
    assert len({s.attempt_id for s in steps}) == 1
    step = steps[0]
    with ThreadPoolExecutor(4) as pool:   # a replayed poll answer racing the first: one answer
        answers = list(pool.map(lambda pick: loa.quizzes.answer(tid, step.attempt_id, step.question.id, [pick]),
                                [0, 1, 0, 1]))
    with loa.db.read() as s:
        stored = s.scalars(select(QuizAnswer).where(QuizAnswer.attempt_id == step.attempt_id)).all()
    assert len(stored) == 1
    assert sum(not a.repeated for a in answers) == 1 and all(a.right == stored[0].right for a in answers)


async def test_a_board_sends_a_file_of_questions_in_the_chat_and_publishes(sqlite_url, shared_kb):
    from tests.conftest import ADMIN_ID, FakeUser, running_bot

    async with running_bot(sqlite_url, shared_kb) as h:
        loa = h.loa
        loa.members.add_unit("Chi bộ Thôn 1")
        province = FakeUser(h.tg, ADMIN_ID, "Ban Tuyên giáo Tỉnh")
        await province.reply("/start")
        member = FakeUser(h.tg, 6_600_001, "Đảng viên")
        await member.reply(f"/start {loa.members.create_invite('Chi bộ Thôn 1').code}")
        # A member's file is not a quiz; a bad file names its line; a good one is a draft with its answers.
        mark = await member.send_document("cau-hoi.csv", CSV.encode("utf-8"))
        assert "chỉ dành cho Ban" in (await member.next_reply(mark)).text
        mark = await province.send_document("sai.csv", CSV.replace(";A;Ban", ";Z;Ban").encode("utf-8"))
        assert "Dòng 2" in (await province.next_reply(mark)).text
        mark = await province.send_document("cau-hoi.csv", CSV.encode("utf-8"), caption="Tìm hiểu Chỉ thị 30")
        draft = await province.next_reply(mark)
        assert "Tìm hiểu Chỉ thị 30 (3 câu)" in draft.text and "đáp án A, B" in draft.text
        quiz_id = int(re.search(r"số (?:<b>)?(\d+)", draft.text).group(1))
        # A forged button for a quiz that is not there changes nothing; the real one publishes it.
        await province.press_data("qz:pub:999", draft)
        mark = h.tg.mark()
        await province.press(draft, "Phát hành")
        await h.tg.wait_for(lambda c: c.chat_id == member.id and "Trắc nghiệm" in c.text, mark)
        with loa.db.read() as s:
            from bot.db.models import Quiz
            assert s.get(Quiz, quiz_id).status == "open"


def test_a_quiz_nobody_can_be_invited_to_stays_a_draft(tmp_path, shared_kb):
    loa = _loa(tmp_path, shared_kb)
    loa.members.add_unit("Chi bộ Trống")
    units = loa.broadcasts.resolve_units(["Chi bộ Trống"])
    quiz = loa.quizzes.create(None, "Thử", QUESTIONS[:2], {"units": units})
    with pytest.raises(InvalidInput):
        loa.quizzes.publish(None, quiz.id)
    info, _ = loa.quizzes.questions(None, quiz.id)
    assert info.status == "draft" and info.opens_at is None
