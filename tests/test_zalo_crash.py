"""kill -9 of a real bot process (`python -m bot run`) in the middle of a broadcast to Telegram
and Zalo members together: after a restart nobody has it twice on either channel, and only
the rows in flight at the kill are in doubt."""
from __future__ import annotations

import os
from collections import Counter

import pytest
from sqlalchemy import func, insert, select

from bot.db import Database
from bot.db.models import Delivery, Member, Unit, ZaloAccount, utcnow
from bot.address import zalo_address
from tests import pg
from tests.botproc import spawn_bot, stop_bot
from tests.fakezalo import TOKEN as ZTOKEN, FakeZalo
from tests.faketg import FakeTelegram
from tests.test_broadcast import add_members, broadcast_sends
from tests.test_broadcast_crash import finished, queue, wait_until


def add_zalo_members(db: Database, n: int, unit: str = "Chi bộ Khu phố 1") -> dict[int, str]:
    """n Zalo members (accounts and members), as joining by code makes them: address -> chat."""
    with db.session() as s:
        u = s.scalar(select(Unit).where(Unit.name == unit))
        s.execute(insert(ZaloAccount), [dict(zalo_id=f"z{i:06d}", chat_id=f"zc{i:06d}",
                                             display_name=f"Zalo {i}", created_at=utcnow())
                                        for i in range(n)])
        accounts = s.execute(select(ZaloAccount.id, ZaloAccount.chat_id)).all()
        s.execute(insert(Member), [dict(telegram_id=zalo_address(a.id), chat_id=zalo_address(a.id),
                                        full_name=f"Zalo {a.id}", unit_id=u.id, role="member",
                                        active=True, unreachable=False, is_reporter=False,
                                        joined_at=utcnow()) for a in accounts])
    return {zalo_address(a.id): a.chat_id for a in accounts}


# SQLite only: the ledger's PostgreSQL path under kill -9 is test_broadcast_crash's.
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_kill_9_mid_broadcast_on_both_channels(backend, tmp_path):
    if backend == "postgresql":
        ok, why = pg.available()
        if not ok:
            pytest.skip(f"PostgreSQL not reachable ({why})")
        url = pg.create_database()
    else:
        url = f"sqlite:///{tmp_path / 'loa.db'}"
    n, in_flight = int(os.environ.get("LOA_CRASH_RECIPIENTS", 500)), 8
    tg = await FakeTelegram(send_latency=0.02).start()
    zalo = await FakeZalo(send_latency=0.02, poll_cap=0.5).start()
    db = Database(url)
    procs = []
    env = dict(LOA_SEND_RATE="400", LOA_ZALO_SEND_RATE="400",
               LOA_BROADCAST_IN_FLIGHT=str(in_flight), LOA_ZALO_BOT_TOKEN=ZTOKEN,
               LOA_ZALO_API_URL=zalo.api_url, LOA_ZALO_MODE="polling")
    try:
        db.upgrade()
        tg_ids = add_members(db, n)
        zalo_chats = add_zalo_members(db, n)
        bid = queue(db, "Tin định hướng – hai kênh, kill -9")

        def zalo_sends():
            return [c for c in zalo.sent(method="sendMessage") if "kill -9" in c.text]

        p1 = spawn_bot(tg, url, tmp_path, "first", **env)
        procs.append(p1)
        await wait_until(lambda: len(broadcast_sends(tg)) >= n // 3
                         and len(zalo_sends()) >= n // 3, 90, "the first sends", [p1])
        p1.kill()
        p1.wait()
        assert len(broadcast_sends(tg)) < n or len(zalo_sends()) < n
        with db.session() as s:
            sending = s.scalar(select(func.count(Delivery.id)).where(
                Delivery.broadcast_id == bid, Delivery.state == "sending"))
        assert sending <= 2 * in_flight            # one worker per channel
        p2 = spawn_bot(tg, url, tmp_path, "second", **env)
        procs.append(p2)
        await wait_until(lambda: finished(db, bid), 240, "the rest of the broadcast", [p2])
        stop_bot(p2)
        tg_per_chat = Counter(c.chat_id for c in broadcast_sends(tg))
        z_per_chat = Counter(c.chat_id for c in zalo_sends())
        assert max(tg_per_chat.values()) == 1 and max(z_per_chat.values()) == 1
        with db.session() as s:
            rows = dict(s.execute(select(Delivery.chat_id, Delivery.state).where(
                Delivery.broadcast_id == bid)).all())
        states = Counter(rows.values())
        assert set(states) <= {"sent", "in_doubt"}, states
        assert states["in_doubt"] == sending
        for chat in tg_ids:
            assert rows[chat] == "in_doubt" or tg_per_chat[chat] == 1
        for address, chat in zalo_chats.items():
            assert rows[address] == "in_doubt" or z_per_chat[chat] == 1
            assert z_per_chat[chat] <= 1
        assert all(is_sent for is_sent in (len(tg_per_chat) > n // 3, len(z_per_chat) > n // 3))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        db.dispose()
        await tg.stop()
        await zalo.stop()
        if backend == "postgresql":
            pg.drop_database(url)
