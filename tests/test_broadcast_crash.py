"""Real bot processes (`python -m bot run`) against the fake Bot API in this process:
kill -9 in the middle of a large broadcast, and two processes sharing one PostgreSQL database."""
from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.db import Database
from bot.db.models import Broadcast, Delivery
from bot.services.broadcasts import BroadcastsService, Draft
from bot.services.members import MembersService
from tests import pg
from tests.botproc import spawn_bot, stop_bot
from tests.faketg import FakeTelegram
from tests.test_broadcast import add_members, broadcast_sends



def spawn(tg: FakeTelegram, db_url: str, workdir: Path, rate: float, in_flight: int,
          name: str) -> subprocess.Popen:
    return spawn_bot(tg, db_url, workdir, name, LOA_SEND_RATE=str(rate),
                     LOA_BROADCAST_IN_FLIGHT=str(in_flight))


def queue(db: Database, text: str) -> int:
    svc = BroadcastsService(db, MembersService(db), Settings(database_url=db.url))
    return svc.queue(None, Draft(text=text)).id


def finished(db: Database, bid: int) -> bool:
    """Started, and no delivery left to send."""
    with db.session() as s:
        if s.get(Broadcast, bid).status == "scheduled":
            return False
        return not s.scalar(select(func.count(Delivery.id)).where(
            Delivery.broadcast_id == bid, Delivery.state.in_(["queued", "sending"])))


async def wait_until(pred, timeout: float, what: str, procs=()) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        for p in procs:
            if p.poll() is not None:
                raise AssertionError(f"bot process exited early ({p.returncode}) while "
                                     f"waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def clean_up(procs, db: Database, tg: FakeTelegram, pg_url: str | None) -> None:
    """Kill what is still running, close the database and the fake server, drop a test database."""
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    db.dispose()
    await tg.stop()
    if pg_url:
        pg.drop_database(pg_url)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_kill_9_mid_broadcast_never_sends_twice(backend, tmp_path):
    if backend == "postgresql":
        ok, why = pg.available()
        if not ok:
            pytest.skip(f"PostgreSQL not reachable ({why})")
        url = pg.create_database()
    else:
        url = f"sqlite:///{tmp_path / 'loa.db'}"
    # 10,000 recipients with LOA_CRASH_RECIPIENTS=10000 (about two minutes per backend here);
    # the default keeps the suite fast and exercises exactly the same path.
    n, in_flight = int(os.environ.get("LOA_CRASH_RECIPIENTS", 1200)), 16
    tg = await FakeTelegram(send_latency=0.02).start()
    db = Database(url)
    procs = []
    try:
        db.upgrade()
        ids = add_members(db, n)
        bid = queue(db, "Nội dung lớn – kill -9")
        p1 = spawn(tg, url, tmp_path, rate=1000, in_flight=in_flight, name="first")
        procs.append(p1)
        await wait_until(lambda: len(tg.calls) > 0 and len(broadcast_sends(tg)) >= n // 3, 60,
                         "the first sends", [p1])
        p1.kill()                     # SIGKILL: no clean-up at all
        p1.wait()
        killed_at = len(broadcast_sends(tg))
        assert killed_at < n
        with db.session() as s:
            sending = s.scalar(select(func.count(Delivery.id)).where(
                Delivery.broadcast_id == bid, Delivery.state == "sending"))
        assert sending <= in_flight
        p2 = spawn(tg, url, tmp_path, rate=1000, in_flight=in_flight, name="second")
        procs.append(p2)
        await wait_until(lambda: finished(db, bid), 240, "the rest of the broadcast", [p2])
        stop_bot(p2)
        sends = broadcast_sends(tg)
        per_chat = Counter(c.chat_id for c in sends)
        assert max(per_chat.values()) == 1, "a recipient got the broadcast twice"
        with db.session() as s:
            rows = dict(s.execute(select(Delivery.chat_id, Delivery.state).where(
                Delivery.broadcast_id == bid)).all())
            status = s.get(Broadcast, bid).status
        states = Counter(rows.values())
        assert status == "done"
        assert set(states) <= {"sent", "in_doubt"}, states
        assert states["in_doubt"] <= in_flight
        assert states["in_doubt"] == sending   # exactly the rows in flight at the kill
        for chat in ids:   # everyone got it once, or is honestly in doubt
            assert rows[chat] == "in_doubt" or per_chat[chat] == 1, chat
            if rows[chat] == "sent":
                assert per_chat[chat] == 1
        assert sum(1 for c in ids if per_chat[c] == 1) + sum(
            1 for c in ids if rows[c] == "in_doubt" and per_chat[c] == 0) == n
    finally:
        await clean_up(procs, db, tg, url if backend == "postgresql" else None)


async def test_two_processes_share_one_postgresql_database(tmp_path):
    ok, why = pg.available()
    if not ok:
        pytest.skip(f"PostgreSQL not reachable ({why})")
    url = pg.create_database()
    tg = await FakeTelegram(send_latency=0.05).start()
    db = Database(url)
    procs = []
    try:
        db.upgrade()
        ids = add_members(db, 1000)
        procs = [spawn(tg, url, tmp_path, rate=1000, in_flight=8, name=f"w{i}")
                 for i in range(2)]
        # Both up (each sets its command menu, then starts its worker) before there is work.
        await wait_until(lambda: len([c for c in tg.calls if c.method == "setMyCommands"]) >= 2,
                         60, "both processes to start", procs)
        bid = queue(db, "Hai tiến trình, một cơ sở dữ liệu")
        await wait_until(lambda: finished(db, bid), 180, "the broadcast", procs)
        for p in procs:
            stop_bot(p)
        per_chat = Counter(c.chat_id for c in broadcast_sends(tg))
        assert set(per_chat) == set(ids)
        assert max(per_chat.values()) == 1
        with db.session() as s:
            owners = Counter(s.scalars(select(Delivery.claimed_by).where(
                Delivery.broadcast_id == bid)))
            states = Counter(s.scalars(select(Delivery.state).where(
                Delivery.broadcast_id == bid)))
        assert states == Counter({"sent": 1000})
        assert len(owners) == 2 and min(owners.values()) > 100, owners   # both did real work
    finally:
        await clean_up(procs, db, tg, url)
