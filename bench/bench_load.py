"""Mixed load: 500 simulated users asking questions, filing reports and acknowledging a broadcast
for 60 s through the fake Bot API, on SQLite and (if reachable) PostgreSQL.

    python bench/bench_load.py                         # both backends, 500 users, 60 s each
    python bench/bench_load.py --backend sqlite --users 100 --seconds 20

The bot is a real `python -m bot run` process, configured through the environment as in
production, polling the fake Telegram server (0.1 s per send) that runs in this process with the
simulated users; it uses the real index over knowledge/ and the database. Before the load, a
broadcast queued through the database (as `loa broadcast` does) reaches every user, so each has a
"✅ Đã nắm" button. Each user then loops:
think (1–4 s by default, `--think MIN,MAX`), then one action — a question (60 %), a quick-line report confirmed with ✅ (25 %) or a
press of the acknowledgement button (15 %) — and waits for the bot's answer.

Printed per backend: actions/s, p50/p95 latency per action (update -> the bot's answer, measured
at the fake server), errors (timeouts and apologies; target 0), a count check that every
confirmed report is stored exactly once, and the bot process's RSS (current and peak).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import percentile  # noqa: E402

from sqlalchemy import func, select  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.db.models import Report  # noqa: E402
from bot.services.broadcasts import BroadcastsService, Draft  # noqa: E402
from bot.services.members import MembersService  # noqa: E402
from tests import pg  # noqa: E402
from tests.botproc import spawn_bot, stop_bot  # noqa: E402
from tests.faketg import FakeTelegram, FakeUser  # noqa: E402

QUESTIONS = [
    "chi thi 30 do ai ban hanh", "nhiệm vụ của Ban Tuyên giáo Thị ủy",
    "trung tam van hoa the thao va truyen thong thi xa lam gi",
    "mục đích yêu cầu của kế hoạch", "kien toan doi ngu bao cao vien",
    "phụ cấp tuyên truyền viên bao nhiêu tiền một tháng",
]
ERROR_MARK = "Xin lỗi, đã có lỗi"






class Stats:
    def __init__(self):
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.confirmed = 0


async def press(u: FakeUser, message: dict, data: str, timeout: float):
    cq = f"cq{u.tg.new_message_id()}"
    fut = u.tg.expect(lambda c: c.method == "answerCallbackQuery"
                      and c.params.get("callback_query_id") == cq)
    t = time.monotonic()
    await u.tg.push({"callback_query": {"id": cq, "from": u.user, "chat_instance": "ci",
                                        "message": message, "data": data}})
    call = await asyncio.wait_for(fut, timeout)
    return call, call.at - t


async def user_loop(i: int, u: FakeUser, ack_message: dict | None, ack_data: str,
                    stats: Stats, stop_at: float, timeout: float,
                    think: tuple[float, float] = (1, 4)) -> None:
    rnd = random.Random(i)
    n = 0
    while True:
        await asyncio.sleep(rnd.uniform(*think))
        if time.monotonic() >= stop_at:
            return
        roll = rnd.random()
        n += 1
        try:
            if roll < 0.60:
                fut = u.expect_message()
                t = time.monotonic()
                await u.tg.push({"message": u.message(rnd.choice(QUESTIONS))})
                call = await asyncio.wait_for(fut, timeout)
                stats.latency["question"].append(call.at - t)
                if ERROR_MARK in call.text:
                    stats.errors["question"] += 1
            elif roll < 0.85:
                fut = u.expect_message()
                t = time.monotonic()
                line = f"/baocao hôm nay | Hội nghị | Tuyên truyền miệng lần {i}-{n} | {10 + n}"
                await u.tg.push({"message": u.message(line)})
                preview = await asyncio.wait_for(fut, timeout)
                stats.latency["report preview"].append(preview.at - t)
                save = preview.button("Lưu")["callback_data"]
                mark = u.tg.mark()
                answer, dt = await press(u, preview.result, save, timeout)
                # The confirmation edits the preview; a likely duplicate (same unit, day, form,
                # similar text) edits it into a second question, which this user confirms.
                edit = await u.tg.wait_for(
                    lambda c: c.method == "editMessageText" and c.chat_id == u.id
                    and c.params.get("message_id") == preview.result["message_id"], mark, timeout)
                if any("Vẫn lưu" in b.get("text", "") for b in edit.buttons()):
                    answer, dt2 = await press(u, preview.result,
                                              edit.button("Vẫn lưu")["callback_data"], timeout)
                    dt += dt2
                stats.latency["report confirm"].append(dt)
                text = answer.params.get("text") or ""
                if ERROR_MARK in text:
                    stats.errors["report"] += 1
                else:
                    stats.confirmed += 1
            elif ack_message is not None:
                answer, dt = await press(u, ack_message, ack_data, timeout)
                stats.latency["acknowledge"].append(dt)
                if ERROR_MARK in (answer.params.get("text") or ""):
                    stats.errors["acknowledge"] += 1
        except (asyncio.TimeoutError, AssertionError, KeyError) as e:
            stats.errors[f"{type(e).__name__}"] += 1


def bot_memory(pid: int) -> tuple[float, float]:
    """(current, peak) RSS of the bot process in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


async def run(backend: str, users: int, seconds: float, latency: float,
              think: tuple[float, float]) -> bool:
    from indexer import IndexConfig, KnowledgeBase
    tmp = Path(tempfile.mkdtemp(prefix="loa-bench-load-"))
    KnowledgeBase(IndexConfig(knowledge_dir=ROOT / "knowledge", index_dir=tmp / "index")).build()
    pg_url = None
    if backend == "postgresql":
        ok, why = pg.available()
        if not ok:
            print(f"== postgresql: SKIPPED, not reachable ({why})")
            return True
        pg_url = db_url = pg.create_database()
    else:
        db_url = f"sqlite:///{tmp / 'load.db'}"
    db = Database(db_url)
    db.upgrade()
    m = MembersService(db)
    units = [f"Chi bộ Khu phố {k}" for k in range(1, 21)]
    for name in units:
        m.add_unit(name)
    tg = await FakeTelegram(send_latency=latency).start()
    people = []
    for i in range(users):
        u = FakeUser(tg, 7_000_000 + i, f"Người {i}")
        inv = m.create_invite(units[i % len(units)], is_reporter=True)
        m.join(inv.code, u.id, u.id, u.first_name, None)
        people.append(u)
    bot = spawn_bot(tg, db_url, tmp, LOA_INDEX_DIR=str(tmp / "index"),
                    LOA_KNOWLEDGE_DIR=str(ROOT / "knowledge"), LOA_FLOOD_LIMIT="100000",
                    LOA_SEND_RATE="400", LOA_BROADCAST_IN_FLIGHT="16")
    try:
        await tg.wait_for(lambda c: c.method == "getUpdates", timeout=120)
        mark = tg.mark()
        BroadcastsService(db, m, Settings(database_url=db_url)).queue(
            None, Draft(text="<b>Định hướng</b>: tuyên truyền Chỉ thị 30"))
        deadline = time.monotonic() + 120
        acks: dict[int, tuple[dict, str]] = {}
        while len(acks) < users and time.monotonic() < deadline:
            for c in tg.sent(method="sendMessage", since=mark):
                if c.chat_id not in acks and c.buttons():
                    acks[c.chat_id] = (c.result, c.buttons()[0]["callback_data"])
            await asyncio.sleep(0.2)
        await people[0].reply(QUESTIONS[0], timeout=60)  # warm-up
        rss_before, _ = bot_memory(bot.pid)
        stats = Stats()
        cpu_before = os.times()
        began = time.monotonic()
        stop_at = began + seconds
        await asyncio.gather(*[
            user_loop(i, u, *(acks.get(u.id) or (None, "")), stats, stop_at, timeout=60,
                      think=think)
            for i, u in enumerate(people)])
        wall = time.monotonic() - began
        rss_now, rss_peak = bot_memory(bot.pid)
        with open(f"/proc/{bot.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        bot_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        with db.session() as s:
            stored = s.scalar(select(func.count(Report.id)))
            distinct = s.scalar(select(func.count(func.distinct(Report.content))))
        total = sum(len(v) for k, v in stats.latency.items() if k != "report preview")
        errors = sum(stats.errors.values())
        every = [x for v in stats.latency.values() for x in v]
        print(f"== {db.backend}: {users} users thinking {think[0]:g}-{think[1]:g} s, "
              f"{seconds:.0f} s, send latency {latency * 1000:.0f} ms, "
              f"broadcast acks ready {len(acks)}/{users}")
        print(f"throughput: {total / wall:.1f} actions/s ({total} actions, "
              f"{len(every) / wall:.1f} bot answers/s)")
        for name, values in sorted(stats.latency.items()):
            print(f"  {name:15s} n={len(values):5d}  p50 {statistics.median(values) * 1000:6.0f} ms"
                  f"  p95 {percentile(values, 95) * 1000:6.0f} ms  max {max(values) * 1000:6.0f} ms")
        print(f"p95 over all answers: {percentile(every, 95) * 1000:.0f} ms")
        print(f"errors: {errors} {dict(stats.errors) if errors else ''}(target 0)")
        print(f"reports confirmed {stats.confirmed}, stored {stored}, distinct {distinct} -> "
              f"{'OK' if stored == stats.confirmed == distinct else 'MISMATCH'}")
        print(f"bot process: RSS {rss_now:.0f} MB (before load {rss_before:.0f} MB), peak "
              f"{rss_peak:.0f} MB; CPU {bot_cpu:.0f} s in all; this process (fake Telegram + "
              f"users) CPU {os.times().user - cpu_before.user + os.times().system - cpu_before.system:.0f} s")
        return errors == 0 and stored == stats.confirmed == distinct
    finally:
        stop_bot(bot, timeout=30)
        await tg.stop()
        db.dispose()
        if pg_url:
            pg.drop_database(pg_url)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--users", type=int, default=500)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--latency", type=float, default=0.1)
    p.add_argument("--think", default="1,4", help="seconds a user waits between actions: MIN,MAX")
    a = p.parse_args()
    think = tuple(float(x) for x in a.think.split(","))
    ok = True
    for backend in (["sqlite", "postgresql"] if a.backend == "both" else [a.backend]):
        ok &= asyncio.run(run(backend, a.users, a.seconds, a.latency, think))
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
