"""kill -9 of a real bot process (`python -m bot run`) while members answer a quiz's polls: after the
restart every member finishes it, each question answered exactly once per member, none lost."""
from __future__ import annotations

import asyncio
import signal
from datetime import timedelta

from sqlalchemy import func, select

from bot.config import Settings
from bot.db import Database
from bot.db.models import QuizAnswer, QuizAttempt, utcnow
from bot.services.broadcasts import BroadcastsService
from bot.services.members import MembersService
from bot.services.quizzes import QuizzesService
from tests.faketg import FakeTelegram, FakeUser
from tests.test_quizzes import QUESTIONS
from tests.test_reports_crash import shut_down, start_bot, wait_polling

N = 6


async def _finish(tg: FakeTelegram, m: FakeUser) -> None:
    """Answer "A" to every question until the quiz is done, resuming with /tracnghiem whenever the next
    question does not come (the process may have died before sending it)."""
    for _ in range(40):
        mark = tg.mark()
        await m.send("/tracnghiem")
        try:
            got = await tg.wait_for(lambda c: c.chat_id == m.id and (
                c.method == "sendPoll" or "Xong bài" in c.text or "Bạn đã làm" in c.text), mark, timeout=60)
        except AssertionError:
            continue
        while got.method == "sendPoll":
            mark = tg.mark()
            await m.answer_poll(got.result["poll"]["id"], [0])
            try:
                got = await tg.wait_for(lambda c: c.chat_id == m.id and (
                    c.method == "sendPoll" or "Xong bài" in c.text), mark, timeout=20)
            except AssertionError:
                break   # resume with /tracnghiem
        else:
            return
    raise AssertionError(f"member {m.id} never finished")


async def test_kill_9_while_answering_loses_and_doubles_no_answer(sqlite_url, tmp_path):
    db = Database(sqlite_url)
    db.upgrade()
    settings = Settings(database_url=sqlite_url)
    members = MembersService(db)
    members.add_unit("Chi bộ Thôn 1")
    code = members.create_invite("Chi bộ Thôn 1").code
    for i in range(N):
        members.join(code, 7_700_001 + i, 7_700_001 + i, f"Đảng viên {i}", None)
    quizzes = QuizzesService(db, members, BroadcastsService(db, members, settings), settings.tz)
    quiz = quizzes.create(None, "Tìm hiểu Chỉ thị 30", QUESTIONS, closes_at=utcnow() + timedelta(days=1))
    quizzes.publish(None, quiz.id)
    tg = await FakeTelegram(send_latency=0.05).start()
    users = [FakeUser(tg, 7_700_001 + i, f"Đảng viên {i}") for i in range(N)]
    proc = start_bot(tg, sqlite_url, tmp_path, 1)
    try:
        await wait_polling(tg, 0, proc, tmp_path)
        # Everyone starts; then all answer their first question at once and the process is killed.
        polls = {}
        for u in users:
            mark = tg.mark()
            await u.send("/tracnghiem")
            polls[u.id] = await tg.wait_for(lambda c, u=u: c.chat_id == u.id and c.method == "sendPoll", mark,
                                            timeout=60)
        await asyncio.gather(*(u.answer_poll(polls[u.id].result["poll"]["id"], [0]) for u in users))
        await asyncio.sleep(0.15)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        mark = tg.mark()
        proc = start_bot(tg, sqlite_url, tmp_path, 2)
        await wait_polling(tg, mark, proc, tmp_path)
        await asyncio.gather(*(_finish(tg, u) for u in users))
        with db.read() as s:
            attempts = s.scalars(select(QuizAttempt)).all()
            assert len(attempts) == N and all(a.finished_at is not None for a in attempts)
            per = dict(s.execute(select(QuizAnswer.attempt_id, func.count(QuizAnswer.id))
                                 .group_by(QuizAnswer.attempt_id)).all())
        assert sorted(per.values()) == [len(QUESTIONS)] * N   # each question once, none lost
        assert {a.score for a in attempts} == {2}              # "A" is right for questions 1 and 5
    finally:
        await shut_down(proc, tg, db)
