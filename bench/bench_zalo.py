"""One broadcast to Telegram and Zalo members together, each channel at its own rate, with Zalo
members asking while it runs: per channel msg/s, busiest second, "too many" answers,
duplicates, losses, and the Zalo replies' latency.

    python bench/bench_zalo.py                    # 1,000 + 1,000 members, Zalo budget 5/s
    python bench/bench_zalo.py --zalo-rate 10 --zalo-limit 10 -n 2000

The real Application, both delivery workers and the Zalo channel (long polling) run in this
process against the fake Telegram Bot API (30/s, 1/s per chat enforced) and the fake Zalo Bot
API (--zalo-limit messages a second enforced: Zalo publishes no limit, this stands for one).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_broadcast import NoIndex, max_in_window, rss_mb  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.db.models import Delivery  # noqa: E402
from bot.services.broadcasts import Draft  # noqa: E402
from tests.fakezalo import TOKEN as ZTOKEN, FakeZalo  # noqa: E402
from tests.faketg import TOKEN, FakeTelegram  # noqa: E402
from tests.test_broadcast import add_members, broadcast_sends  # noqa: E402
from tests.test_zalo_crash import add_zalo_members  # noqa: E402

TEXT = "Nội dung định hướng – hai kênh"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def run(n: int, rate: float, zalo_rate: float, zalo_limit: float, latency: float,
              askers: int) -> int:
    from sqlalchemy import func, select

    from bot.app import build_application
    from bot.context import Loa
    tmp = tempfile.mkdtemp(prefix="loa-bench-zalo-")
    url = f"sqlite:///{tmp}/bench.db"
    tg = await FakeTelegram(send_latency=latency, limits=True).start()
    zalo = await FakeZalo(send_latency=latency, rate=zalo_limit, poll_cap=0.5).start()
    settings = Settings(token=TOKEN, database_url=url, api_url=tg.api_url, file_url=tg.file_url,
                        send_rate=rate, broadcast_poll=0.5, web_port=0,
                        zalo_token=ZTOKEN, zalo_api_url=zalo.api_url, zalo_mode="polling",
                        zalo_send_rate=zalo_rate,
                        knowledge_dir=Path(tmp), index_dir=Path(tmp) / "index")
    db = Database(url)
    db.upgrade()
    loa = Loa.build(settings, kb=NoIndex(), db=db)
    app = build_application(settings, loa, owns_db=False)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    tg_ids = add_members(db, n, "Chi bộ Bench", first_id=8_000_000)
    zalo_chats = set(add_zalo_members(db, n, "Chi bộ Bench").values())
    print(f"members {n} on Telegram + {n} on Zalo; budgets {rate:g}/s and {zalo_rate:g}/s; "
          f"fake limits 30/s (1/s per chat) and {zalo_limit:g}/s; latency {latency}s")
    mark_tg, mark_z = tg.mark(), zalo.mark()
    t0 = time.monotonic()
    bid = loa.broadcasts.queue(None, Draft(text=TEXT)).id

    # Zalo members (the first `askers`) say hello during the broadcast; time to their reply.
    waits: list[float] = []

    async def ask(i: int, chat: str) -> None:
        await asyncio.sleep(2 + i * 0.5)
        m = zalo.mark()
        t = time.monotonic()
        await zalo.push(zalo.text_event(chat.replace("zc", "z"), "xin chào", chat_id=chat))
        try:
            await zalo.wait_for(lambda c: c.chat_id == chat and "Chào" in c.text, since=m,
                                timeout=120)
            waits.append(time.monotonic() - t)
        except AssertionError:
            pass

    chats = sorted(zalo_chats)[:askers]
    askers_task = asyncio.gather(*(ask(i, c) for i, c in enumerate(chats)))

    def left() -> tuple[int, int]:
        with db.session() as s:
            q = select(func.count(Delivery.id)).where(Delivery.broadcast_id == bid)
            return (s.scalar(q.where(Delivery.state.in_(["queued", "sending"]))),
                    s.scalar(q))

    while True:
        await asyncio.sleep(0.5)
        rest, total = await asyncio.to_thread(left)
        if total and not rest:
            break
        if time.monotonic() - t0 > n / min(rate, zalo_rate) * 3 + 60:
            print("TIMEOUT: broadcast did not finish")
            break
    await askers_task
    wall = time.monotonic() - t0
    tg_sends = broadcast_sends(tg, mark_tg)
    z_sends = [c for c in zalo.sent(method="sendMessage", since=mark_z) if TEXT in c.text]
    bad = 0
    for name, sends, ids, throttled, limit in (
            ("Telegram", tg_sends, set(tg_ids), tg.throttled, rate),
            ("Zalo", z_sends, zalo_chats, zalo.throttled, zalo_rate)):
        at = [c.at for c in sends]
        span = max(at) - min(at) if len(at) > 1 else 0.0
        per_chat = Counter(c.chat_id for c in sends)
        dup = sum(v - 1 for v in per_chat.values() if v > 1)
        lost = len(ids - set(per_chat))
        bad += dup + lost + throttled
        print(f"{name:9s} delivered {len(sends)} in {span:.1f} s = "
              f"{(len(at) - 1) / span if span else 0:.2f} msg/s (budget {limit:g}); busiest second "
              f"{max_in_window(at)}; 'too many' {throttled}; duplicates {dup}; lost {lost}")
    print(f"Zalo replies during the broadcast: {len(waits)}/{len(chats)}, "
          f"p50 {statistics.median(waits) if waits else float('nan'):.2f} s, "
          f"p95 {pct(waits, 95):.2f} s, max {max(waits) if waits else float('nan'):.2f} s")
    print(f"wall {wall:.1f} s; RSS {rss_mb()[0]:.0f} MB now, {rss_mb()[1]:.0f} MB peak")
    await app.stop()
    await app.shutdown()
    await app.post_shutdown(app)
    db.dispose()
    await tg.stop()
    await zalo.stop()
    return 0 if bad == 0 and len(waits) == len(chats) else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=1000, help="members on each channel")
    p.add_argument("--rate", type=float, default=30.0, help="LOA_SEND_RATE (Telegram)")
    p.add_argument("--zalo-rate", type=float, default=Settings().zalo_send_rate,
                   help="LOA_ZALO_SEND_RATE")
    p.add_argument("--zalo-limit", type=float, default=None,
                   help="what the fake Zalo enforces (default: the Zalo budget)")
    p.add_argument("--latency", type=float, default=0.15)
    p.add_argument("--askers", type=int, default=20)
    a = p.parse_args()
    return asyncio.run(run(a.n, a.rate, a.zalo_rate, a.zalo_limit or a.zalo_rate, a.latency,
                           a.askers))


if __name__ == "__main__":
    sys.exit(main())
