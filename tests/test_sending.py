"""Every send survives 429 and passing failures; replies and broadcasts share Telegram's limit,
replies first; a held SQLite write lock delays nobody else."""
from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections import Counter

from sqlalchemy import select

from bot.db.models import Question
from tests.conftest import (
    ADMIN_ID, eventually, make_settings, running_bot, start_harness, stop_harness,
)
from tests.faketg import FakeTelegram
from tests.test_broadcast import add_members, broadcast_sends, queue_text, unit_id, wait_done

ISSUER = "Ban Bí thư Trung ương Đảng khóa XIII"
QUESTION = "chi thi 30 do ai ban hanh"


async def test_reply_whose_first_send_gets_429_arrives_after_the_wait(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    h.tg.fail("sendMessage", code=429, retry_after=1, chat_id=u.id)
    mark = await u.send(QUESTION)
    reply = await u.next_reply(mark)
    assert ISSUER in reply.text
    [limited] = [c for c in h.tg.calls[mark:] if c.chat_id == u.id and c.status == 429]
    assert reply.at - limited.at >= 1.0   # Telegram's retry_after was honoured
    assert len(h.tg.sent(chat_id=u.id, method="sendMessage", since=mark)) == 1


async def test_broadcast_preview_survives_429_and_a_server_error(bot_sqlite):
    h = bot_sqlite
    await h.admin.reply("/start")
    add_members(h.loa.db, 3)
    h.tg.fail("sendMessage", code=429, retry_after=1, chat_id=ADMIN_ID)
    h.tg.fail("sendMessage", code=502, chat_id=ADMIN_ID)
    mark = await h.admin.send("/phatdi Nội dung cần gửi")
    summary = await h.tg.wait_for(lambda c: c.chat_id == ADMIN_ID and "Xác nhận" in c.text,
                                  mark)
    assert "3 người" in summary.text   # the sender is not a recipient
    failed = [c.status for c in h.tg.calls[mark:] if c.chat_id == ADMIN_ID and c.status != 200]
    assert failed == [429, 502]
    intro = [c for c in h.tg.sent(chat_id=ADMIN_ID, since=mark) if "Xem trước" in c.text]
    assert len(intro) == 1   # retried until delivered, once


async def test_replies_and_a_broadcast_share_telegrams_limit(sqlite_url, shared_kb):
    """A fake Telegram that answers 429 above 30 messages a second, or above one a second
    to a chat: a running broadcast and questions asked meanwhile are never throttled."""
    tg = await FakeTelegram(limits=True, send_latency=0.05).start()
    h = await start_harness(make_settings(sqlite_url, shared_kb, broadcast_poll=0.2),
                            shared_kb, tg=tg)
    try:
        recipients = add_members(h.loa.db, 120, "Chi bộ Nhận tin")
        askers = [h.user(f"Người hỏi {i}", user_id=tid)
                  for i, tid in enumerate(add_members(h.loa.db, 8, "Chi bộ Hỏi đáp",
                                                      first_id=7_900_000))]
        mark = tg.mark()
        bid = queue_text(h.loa, "Nội dung định hướng",
                         audience={"units": [unit_id(h.loa.db, "Chi bộ Nhận tin")]})
        assert await eventually(lambda: len(broadcast_sends(tg, mark)) >= 20)
        replies = [tg.expect(lambda c, u=u: c.chat_id == u.id and c.method == "sendMessage")
                   for u in askers]
        for u in askers:
            await u.send(QUESTION)
        answered = await asyncio.wait_for(asyncio.gather(*replies), 30)
        during = len(broadcast_sends(tg, mark))
        await wait_done(h.loa, bid)
        assert all(ISSUER in c.text for c in answered)
        assert during < len(recipients)   # the replies went out while the broadcast ran
        per_chat = Counter(c.chat_id for c in broadcast_sends(tg, mark))
        assert set(per_chat) == set(recipients) and max(per_chat.values()) == 1
        # Telegram counts arrivals at its end: on a loaded 2-core machine a stall of the event
        # loop can bunch sends spaced by the budget into one extra arrival in a second (seen once
        # in ~8 full runs). A budget that did not share the limit gives dozens, so one is allowed.
        assert tg.throttled <= 1, tg.throttled
    finally:
        await stop_harness(h)


async def test_held_sqlite_write_lock_delays_nobody_else(sqlite_url, shared_kb):
    """Another connection holds SQLite's write lock for up to 5 s: a member's /huongdan and a
    question from the documents are answered while it is held; the question is stored after."""
    async with running_bot(sqlite_url, shared_kb) as h:
        u = await h.member()
        await u.reply(QUESTION)            # warm: the model's kernels, the FAQ cache
        # The warm question's row is written just after its answer: wait for the lock to be free.
        locker = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=10,
                                 isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        held_at = time.monotonic()
        try:
            helped = h.tg.expect(lambda c: c.chat_id == u.id and "Hướng dẫn" in c.text)
            answered = h.tg.expect(lambda c: c.chat_id == u.id and ISSUER in c.text)
            await u.send("/huongdan")
            await u.send("Chỉ thị 30 do ai ban hành?")
            help_call, answer_call = await asyncio.wait_for(asyncio.gather(helped, answered), 5)
            with h.loa.db.read() as s:   # readers never wait for the lock
                stored = s.scalars(select(Question.text).where(Question.telegram_id == u.id))
                assert list(stored) == [QUESTION]   # the new one waits for the lock …
        finally:
            locker.rollback()
            locker.close()
        print(f"while the lock was held: /huongdan after {help_call.at - held_at:.2f}s, "
              f"the answer after {answer_call.at - held_at:.2f}s")
        def asked():                       # … and is stored once the lock is free
            with h.loa.db.read() as s:
                return list(s.scalars(select(Question.text).where(Question.telegram_id == u.id)
                                      .order_by(Question.id)))
        assert await eventually(lambda: len(asked()) == 2)
        assert asked() == [QUESTION, "Chỉ thị 30 do ai ban hành?"]


async def test_a_busy_board_chat_gets_a_few_notices_and_one_folded(sqlite_url, shared_kb):
    """Twelve questions for the board at once: three notices one by one, the other nine in one
    folded message when the window ends — each question exactly once, no 429 in the board's
    chat, every asker answered before, and no send anywhere paused."""
    from tests.conftest import DecidedKB
    tg = await FakeTelegram(limits=True, send_latency=0.02).start()
    kb = DecidedKB(shared_kb, sure=1.01, related=1.01)     # nothing answers: all to the board
    h = await start_harness(make_settings(sqlite_url, kb, notice_fold_window=4.0), kb, tg=tg)
    try:
        await h.admin.reply("/start")
        await asyncio.sleep(1.1)    # the welcome does not count against the first notice
        askers = [h.user(f"Người hỏi {i}", user_id=tid)
                  for i, tid in enumerate(add_members(h.loa.db, 12, "Chi bộ Hỏi đáp",
                                                      first_id=7_950_000))]
        paused_before = h.loa.budget.resume_at
        mark = tg.mark()
        replies = [tg.expect(lambda c, u=u: c.chat_id == u.id and c.method == "sendMessage")
                   for u in askers]
        for i, u in enumerate(askers):
            await u.send(f"câu hỏi số {i} về giá vật tư nông nghiệp năm nay")
        answered = await asyncio.wait_for(asyncio.gather(*replies), 30)
        assert all("chuyển" in c.text or "Ban" in c.text for c in answered)
        folded = await tg.wait_for(lambda c: c.chat_id == ADMIN_ID and "9 câu hỏi mới" in c.text,
                                   mark, timeout=30)
        single = [c for c in tg.sent(chat_id=ADMIN_ID, since=mark) if "Câu hỏi mới số" in c.text]
        assert len(single) == 3
        ids = [int(x) for c in single for x in re.findall(r"Câu hỏi mới số (\d+)", c.text)]
        ids += [int(x) for x in re.findall(r"<b>(\d+)\.</b>", folded.text)]
        with h.loa.db.read() as s:
            assert sorted(ids) == sorted(s.scalars(select(Question.id)))   # each once
        assert "/traloi" in folded.text and "giá vật tư" in folded.text
        assert not [c for c in tg.calls[mark:] if c.chat_id == ADMIN_ID and c.status == 429]
        assert h.loa.budget.resume_at == paused_before  # nothing was paused
        assert max(c.at for c in answered) < folded.at
        # The board answers a folded question by its number, like any other.
        qid = ids[-1]
        assert "Đã gửi câu trả lời" in (await h.admin.reply(f"/traloi {qid} Đã rõ.")).text
    finally:
        await stop_harness(h)
