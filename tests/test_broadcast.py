"""Broadcasts through the real bot and the fake Bot API: exactly once, rate limits, errors,
restarts, acknowledgements, access control."""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from bot.db import Database
from bot.db.models import Broadcast, Delivery, Member, Unit, utcnow
from bot.services.broadcasts import Draft
from tests.conftest import ADMIN_ID, make_settings, start_harness, stop_harness

FROM_TOP = "📣 <b>Ban Tuyên giáo</b>\n\n"   # the top board signs what it sends

FAST = {"send_rate": 200.0, "broadcast_in_flight": 16, "broadcast_poll": 0.2,
        "broadcast_backoff": 0.1}


@pytest.fixture
def settings_overrides():
    return dict(FAST)


# ------------------------------------------------------------------ helpers (shared by modules)
def add_members(db, n: int, unit: str = "Chi bộ Khu phố 1", first_id: int = 7_000_000,
                reporter_every: int = 0) -> list[int]:
    """Create n active members directly in the database (fast, for large audiences)."""
    with db.session() as s:
        u = s.scalar(select(Unit).where(Unit.name == unit))
        if u is None:
            u = Unit(name=unit)
            s.add(u)
            s.flush()
        rows = [dict(telegram_id=first_id + i, chat_id=first_id + i, full_name=f"TV {unit} {i}",
                     unit_id=u.id, role="member", active=True, unreachable=False,
                     is_reporter=bool(reporter_every and i % reporter_every == 0),
                     joined_at=utcnow())
                for i in range(n)]
        for k in range(0, n, 2000):
            s.execute(insert(Member), rows[k:k + 2000])
    return [first_id + i for i in range(n)]


def unit_id(db, name: str) -> int:
    with db.read() as s:
        return s.scalar(select(Unit.id).where(Unit.name == name))


def is_broadcast_send(c) -> bool:
    """A message of a broadcast (it carries a real ✅ Đã nắm button)."""
    if c.method not in ("sendMessage", "sendPhoto", "sendDocument", "copyMessage"):
        return False
    return any(d.startswith("ack:") and d[4:].isdigit()
               for d in (b.get("callback_data", "") for b in c.buttons()))


def broadcast_sends(tg, since: int = 0) -> list:
    """Successful deliveries of broadcasts."""
    return [c for c in tg.sent(since=since) if is_broadcast_send(c)]


async def wait_done(loa, broadcast_id: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with loa.db.session() as s:
            if s.get(Broadcast, broadcast_id).status in ("done", "cancelled"):
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"broadcast {broadcast_id} not finished: "
                         f"{loa.broadcasts.stats(broadcast_id)}")


def states(db, broadcast_id: int) -> Counter:
    with db.session() as s:
        return Counter(s.scalars(select(Delivery.state).where(
            Delivery.broadcast_id == broadcast_id)))


def queue_text(loa, text: str, **kw) -> int:
    return loa.broadcasts.queue(ADMIN_ID, Draft(text=text, **kw)).id


# ------------------------------------------------------------------ exactly once
async def test_300_recipients_get_exactly_one_copy(bot):
    await bot.admin.reply("/start")
    ids = add_members(bot.loa.db, 300)
    mark = bot.tg.mark()
    preview = await bot.admin.reply("/phatdi Triển khai <b>Chỉ thị 30</b> & học tập")
    summary = await bot.tg.wait_for(lambda c: c.chat_id == ADMIN_ID and "Xác nhận" in c.text,
                                    mark)
    assert "Xem trước" in preview.text
    assert "300 người" in summary.text   # not the admin who sends it (he joined by /start)
    await bot.admin.press(summary, "Gửi")
    queued = await bot.tg.wait_for(lambda c: c.chat_id == ADMIN_ID and "#" in c.text, mark)
    with bot.loa.db.session() as s:
        bid = s.scalar(select(Broadcast.id))
    assert f"#{bid}" in queued.text
    await wait_done(bot.loa, bid)
    sends = broadcast_sends(bot.tg, mark)
    per_chat = Counter(c.chat_id for c in sends)
    assert set(per_chat) == set(ids)
    assert max(per_chat.values()) == 1
    assert sends[0].params["parse_mode"] == "HTML"
    # What the admin typed is shown as typed: no HTML injection through the text.
    assert sends[0].text == FROM_TOP + "Triển khai &lt;b&gt;Chỉ thị 30&lt;/b&gt; &amp; học tập"
    assert states(bot.loa.db, bid) == Counter({"sent": 300})
    with bot.loa.db.session() as s:
        assert s.scalar(select(Delivery.message_id).where(Delivery.chat_id == ids[0])) \
            == next(c.result["message_id"] for c in sends if c.chat_id == ids[0])


async def test_retry_after_pauses_every_send(bot_sqlite):
    h = bot_sqlite
    add_members(h.loa.db, 60)
    mark = h.tg.mark()
    h.tg.fail("sendMessage", code=429, retry_after=2)
    h.loa.delivery.starts = []   # the worker records when it starts each send
    bid = queue_text(h.loa, "Nội dung định hướng tuần 48")
    await wait_done(h.loa, bid)
    calls = [c for c in h.tg.calls[mark:] if c.method == "sendMessage"]
    limited = [c for c in calls if c.status == 429]
    assert len(limited) == 1
    # Nothing starts during the pause (sends already in flight may still land in it).
    resume = h.loa.budget.resume_at
    assert not [t for t in h.loa.delivery.starts if resume - 2.0 < t < resume]
    assert any(c.at >= limited[0].at + 2 for c in calls)
    per_chat = Counter(c.chat_id for c in broadcast_sends(h.tg, mark))
    assert len(per_chat) == 60 and max(per_chat.values()) == 1
    assert limited[0].chat_id in per_chat   # the rate-limited one was retried and delivered
    assert states(h.loa.db, bid) == Counter({"sent": 60})
    with h.loa.db.session() as s:
        assert s.scalar(select(Delivery.attempts).where(
            Delivery.chat_id == limited[0].chat_id)) == 1   # a 429 is not a failed attempt


async def test_blocked_member_is_unreachable_and_not_retried(bot_sqlite):
    h = bot_sqlite
    ids = add_members(h.loa.db, 20)
    h.tg.blocked.add(ids[3])
    mark = h.tg.mark()
    bid = queue_text(h.loa, "Lần 1")
    await wait_done(h.loa, bid)
    assert len([c for c in h.tg.calls[mark:] if c.chat_id == ids[3]]) == 1
    assert states(h.loa.db, bid) == Counter({"sent": 19, "unreachable": 1})
    with h.loa.db.session() as s:
        assert s.scalar(select(Member.unreachable).where(Member.telegram_id == ids[3])) is True
    mark = h.tg.mark()
    bid2 = queue_text(h.loa, "Lần 2")
    await wait_done(h.loa, bid2)
    assert [c for c in h.tg.calls[mark:] if c.chat_id == ids[3]] == []
    assert states(h.loa.db, bid2) == Counter({"sent": 19})


async def test_transient_errors_are_retried_then_given_up(bot_sqlite):
    h = bot_sqlite
    ids = add_members(h.loa.db, 5)
    h.tg.fail("sendMessage", code=500, chat_id=ids[0], times=2)
    h.tg.fail("sendMessage", code=500, chat_id=ids[1], times=50)
    h.tg.fail("sendMessage", code=400, chat_id=ids[2], description="Bad Request: chat not found")
    mark = h.tg.mark()
    bid = queue_text(h.loa, "Thử lỗi tạm thời")
    await wait_done(h.loa, bid)
    assert states(h.loa.db, bid) == Counter({"sent": 3, "failed": 1, "unreachable": 1})
    tries = Counter(c.chat_id for c in h.tg.calls[mark:] if c.method == "sendMessage")
    assert tries[ids[0]] == 3 and tries[ids[1]] == 5 and tries[ids[2]] == 1
    with h.loa.db.session() as s:
        d = s.scalar(select(Delivery).where(Delivery.chat_id == ids[1]))
        assert d.state == "failed" and "Internal Server Error" in d.last_error


async def test_timeout_is_in_doubt_and_never_resent(sqlite_url, shared_kb):
    settings = make_settings(sqlite_url, shared_kb, **dict(FAST, send_timeout=0.5))
    h = await start_harness(settings, shared_kb)
    try:
        ids = add_members(h.loa.db, 4)
        h.tg.slow_chats[ids[1]] = 1.5   # answers after the worker's read timeout
        mark = h.tg.mark()
        bid = queue_text(h.loa, "Kiểm tra hết giờ")
        await wait_done(h.loa, bid)
        # The slow answer arrives after the worker gave up on it; it is not sent again.
        await h.tg.wait_for(lambda c: c.chat_id == ids[1], mark)
        await wait_done(h.loa, bid)
        assert states(h.loa.db, bid) == Counter({"sent": 3, "in_doubt": 1})
        assert len([c for c in h.tg.calls[mark:] if c.chat_id == ids[1]]) == 1
        assert h.loa.broadcasts.stats(bid).in_doubt == 1
    finally:
        await stop_harness(h)


# ------------------------------------------------------------------ restart
async def test_restart_midway_delivers_the_rest_once(db_url, shared_kb):
    from tests.faketg import FakeTelegram
    settings = make_settings(db_url, shared_kb, send_rate=100.0, broadcast_in_flight=8,
                             broadcast_poll=0.2)
    tg = await FakeTelegram(send_latency=0.05).start()
    h = await start_harness(settings, shared_kb, tg=tg)
    ids = add_members(h.loa.db, 300)
    bid = queue_text(h.loa, "Khởi động lại giữa chừng")
    while len(broadcast_sends(tg)) < 80:
        await asyncio.sleep(0.02)
    await stop_harness(h, stop_server=False)
    first = len(broadcast_sends(tg))
    assert first < 300
    db = Database(db_url)
    mid = states(db, bid)
    db.dispose()
    assert mid["sending"] == 0 and mid["in_doubt"] == 0   # a clean stop leaves nothing in doubt
    h2 = await start_harness(settings, shared_kb, tg=tg)
    try:
        await wait_done(h2.loa, bid)
        per_chat = Counter(c.chat_id for c in broadcast_sends(tg))
        assert set(per_chat) == set(ids)
        assert max(per_chat.values()) == 1
        assert states(h2.loa.db, bid) == Counter({"sent": 300})
    finally:
        await stop_harness(h2)


async def test_scheduled_broadcast_fires_after_restart(db_url, shared_kb):
    from tests.faketg import FakeTelegram
    settings = make_settings(db_url, shared_kb, **FAST)
    tg = await FakeTelegram().start()
    h = await start_harness(settings, shared_kb, tg=tg)
    ids = add_members(h.loa.db, 10)
    bid = h.loa.broadcasts.queue(ADMIN_ID, Draft(
        text="Hẹn giờ", scheduled_at=utcnow() + timedelta(hours=1))).id
    await stop_harness(h, stop_server=False)
    assert broadcast_sends(tg) == []
    db = Database(db_url)
    with db.session() as s:   # the hour passes while the bot is down
        s.get(Broadcast, bid).scheduled_at = utcnow() - timedelta(minutes=5)
    db.dispose()
    h2 = await start_harness(settings, shared_kb, tg=tg)
    try:
        await wait_done(h2.loa, bid)
        assert sorted(c.chat_id for c in broadcast_sends(tg)) == ids
    finally:
        await stop_harness(h2)


# ------------------------------------------------------------------ access and acknowledgement
async def test_member_cannot_broadcast(bot):
    u = await bot.member()
    reply = await u.reply("/phatdi Tin giả mạo")
    assert "chỉ dành cho Ban Tuyên giáo" in reply.text
    reply = await u.reply("/phatdi_ds")
    assert "chỉ dành cho Ban Tuyên giáo" in reply.text
    with bot.loa.db.session() as s:
        assert s.scalar(select(Broadcast.id)) is None
    # The service re-checks too (a handler bug could not bypass it).
    from bot.errors import NotAllowed
    with pytest.raises(NotAllowed):
        bot.loa.broadcasts.queue(u.id, Draft(text="x"))


async def test_ack_once_per_person_and_forged_ack_refused(bot):
    a = await bot.member("Chi bộ 1", "Nguyễn Văn An")
    b = await bot.member("Chi bộ 2", "Trần Thị Bình")
    mark = bot.tg.mark()
    bid = queue_text(bot.loa, "Nắm nội dung này")
    await wait_done(bot.loa, bid)
    msg_a = next(c for c in broadcast_sends(bot.tg, mark) if c.chat_id == a.id)
    msg_b = next(c for c in broadcast_sends(bot.tg, mark) if c.chat_id == b.id)
    assert msg_a.button("Đã nắm")
    m = await a.press(msg_a, "Đã nắm")
    answer = await bot.tg.wait_for(lambda c: c.method == "answerCallbackQuery", m)
    assert "ghi nhận" in answer.params.get("text", "")
    edit = await bot.tg.wait_for(lambda c: c.method == "editMessageReplyMarkup", m)
    assert "Đã ghi nhận" in edit.buttons()[0]["text"]
    with bot.loa.db.session() as s:
        first = s.scalar(select(Delivery.acked_at).where(Delivery.chat_id == a.id))
    assert first is not None
    m = await a.press(msg_a, "Đã nắm")
    answer = await bot.tg.wait_for(lambda c: c.method == "answerCallbackQuery", m)
    assert "đã xác nhận" in answer.params.get("text", "")
    # B forges A's callback data: refused, nothing recorded for either.
    m = await b.press_data(msg_a.button("Đã nắm")["callback_data"], msg_b)
    answer = await bot.tg.wait_for(lambda c: c.method == "answerCallbackQuery", m)
    assert "không dành cho bạn" in answer.params.get("text", "")
    assert answer.params.get("show_alert") is True
    for forged in ("ack:999999", "ack:abc", "ack:" + "9" * 60):
        m = await b.press_data(forged, msg_b)
        answer = await bot.tg.wait_for(lambda c: c.method == "answerCallbackQuery", m)
        assert "không dành cho bạn" in answer.params.get("text", "")
    with bot.loa.db.session() as s:
        acks = dict(s.execute(select(Delivery.chat_id, Delivery.acked_at)).all())
    assert acks[a.id] == first and acks[b.id] is None
    st = bot.loa.broadcasts.stats(bid)
    assert st.acked == 1 and st.sent == 2


# ------------------------------------------------------------------ fairness
async def test_running_broadcasts_share_the_rate(bot_sqlite):
    h = bot_sqlite
    add_members(h.loa.db, 200, "Chi bộ A", first_id=7_100_000)
    mark = h.tg.mark()
    b1 = queue_text(h.loa, "Lần gửi thứ nhất")
    b2 = queue_text(h.loa, "Lần gửi thứ hai")
    await wait_done(h.loa, b1)
    await wait_done(h.loa, b2)
    sends = broadcast_sends(h.tg, mark)
    assert len(sends) == 400
    first = Counter("1" if "nhất" in c.text else "2" for c in sends[:100])
    assert min(first.values()) >= 35, first   # interleaved, not one after the other


# ------------------------------------------------------------------ the budget (simulated clock)
def _busiest(starts: list[float], window: float) -> int:
    from bisect import bisect_left
    starts = sorted(starts)
    return max(bisect_left(starts, t + window, lo=i) - i for i, t in enumerate(starts))


def test_budget_never_exceeds_the_limit_in_any_second_and_pauses():
    import random

    from bot.budget import SLACK, SendBudget
    now = [0.0]
    budget = SendBudget(30, clock=lambda: now[0])
    rnd = random.Random(7)
    starts = []
    while len(starts) < 2000:
        wait = budget.delay(urgent=False)
        # The event loop wakes up a few ms late, now and then 20 ms, rarely 200 ms.
        now[0] += wait + rnd.choices([0.0, 0.001, 0.005, 0.02, 0.2], [30, 40, 20, 9, 1])[0]
        if budget.delay(urgent=False) == 0:
            starts.append(budget.take())
        if len(starts) == 1000:
            budget.pause(3.0)
            paused_at = now[0]
    # Never more than 30 in a second, even if each message reached Telegram up to
    # SLACK/30 s later than the one 30 before it.
    assert _busiest(starts, 1.0 + SLACK * 0.99) <= 30
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= budget.interval / 2 - 1e-9          # never a burst
    assert not any(paused_at < t < paused_at + 3.0 for t in starts)
    # Lateness is made up on the grid: the long-run rate stays at the limit less the slack.
    assert 1000 / (starts[999] - starts[0]) > 0.95 * 30 / (1 + SLACK)


def test_budget_serves_replies_before_broadcasts():
    from bot.budget import SendBudget
    now = [0.0]
    budget = SendBudget(30, clock=lambda: now[0])
    for _ in range(30):            # a broadcast used the whole second
        now[0] += budget.delay(urgent=False)
        budget.take()
    reply_wait = budget.delay(urgent=True)
    assert 0 < reply_wait <= budget.interval + 1e-9   # the next slot, not the next second
    budget.urgent_waiting = 1      # a reply is waiting for that slot …
    now[0] += reply_wait
    assert budget.delay(urgent=True) == 0
    assert budget.delay(urgent=False) >= budget.interval   # … the broadcast holds back
    budget.take()
    budget.urgent_waiting = 0
    assert budget.delay(urgent=False) > 0                   # and takes the slot after it
