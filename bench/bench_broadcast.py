"""Broadcast throughput against the fake Bot API: achieved msg/s vs Telegram's limit, the
busiest one-second window, 429s, duplicates, losses and memory.

    python bench/bench_broadcast.py            # 10,000 recipients, budget 30/s, 0.15 s per send
    python bench/bench_broadcast.py --quick    # 1,000 recipients
    python bench/bench_broadcast.py --db postgresql+psycopg://postgres@127.0.0.1:5432/loa_bench

The real Application and delivery worker run in this process; the fake server answers every
send after --latency seconds (a Bot API round trip from Vietnam is 0.1–0.3 s) and, like
Telegram, answers 429 to a message arriving when 30 were accepted in the last second or within
a second of the last one to the same chat (--no-limits turns that off). The knowledge index is
not loaded (broadcasts do not use it), so RSS is the bot without the embedding model.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from bisect import bisect_left
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.db.models import Delivery  # noqa: E402
from bot.services.broadcasts import Draft  # noqa: E402
from tests.faketg import TOKEN, FakeTelegram  # noqa: E402
from tests.test_broadcast import add_members, broadcast_sends  # noqa: E402


class NoIndex:
    """The bench does not ask questions: an index that is simply absent."""

    def stats(self):
        raise RuntimeError("no index in the broadcast bench (broadcasts do not use one)")


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Most events in any half-open window [t, t + window)."""
    times = sorted(times)
    best = 0
    for i, t in enumerate(times):
        best = max(best, bisect_left(times, t + window, lo=i) - i)
    return best


def rss_mb() -> tuple[float, float]:
    current = 0.0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return current, peak


async def run(n: int, rate: float, latency: float, in_flight: int, db_url: str | None,
              limits: bool) -> int:
    from sqlalchemy import func, select

    from bot.app import build_application
    from bot.context import Loa
    tmp = tempfile.mkdtemp(prefix="loa-bench-")
    url = db_url or f"sqlite:///{tmp}/bench.db"
    tg = await FakeTelegram(send_latency=latency, limits=limits).start()
    settings = Settings(token=TOKEN, database_url=url, api_url=tg.api_url, file_url=tg.file_url,
                        send_rate=rate, broadcast_in_flight=in_flight, broadcast_poll=0.5,
                        knowledge_dir=Path(tmp), index_dir=Path(tmp) / "index")
    db = Database(url)
    db.upgrade()
    loa = Loa.build(settings, kb=NoIndex(), db=db)
    app = build_application(settings, loa, owns_db=False)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    ids = add_members(db, n, "Chi bộ Bench", first_id=8_000_000)
    loa.delivery.starts = []
    mark = tg.mark()
    print(f"recipients {n}, send budget {rate:g}/s, in flight {in_flight}, latency {latency}s, "
          f"db {db.backend}, Telegram's limits {'enforced' if limits else 'off'}")
    t0 = time.monotonic()
    bid = loa.broadcasts.queue(None, Draft(text="Nội dung định hướng – bench")).id
    def progress() -> tuple[int, int]:
        with db.session() as s:
            left = s.scalar(select(func.count(Delivery.id)).where(
                Delivery.broadcast_id == bid, Delivery.state.in_(["queued", "sending"])))
            total = s.scalar(select(func.count(Delivery.id)).where(Delivery.broadcast_id == bid))
        return left, total

    while True:
        await asyncio.sleep(0.5)
        # In a thread: a blocking query here would stall the fake server and skew arrivals.
        left, total = await asyncio.to_thread(progress)
        if total and not left:
            break
        if time.monotonic() - t0 > n / rate * 3 + 60:
            print("TIMEOUT: broadcast did not finish")
            break
    wall = time.monotonic() - t0
    sends = broadcast_sends(tg, mark)
    arrivals = [c.at for c in sends]
    per_chat = Counter(c.chat_id for c in sends)
    duplicates = sum(v - 1 for v in per_chat.values() if v > 1)
    lost = len(set(ids) - set(per_chat))
    span = (max(arrivals) - min(arrivals)) if len(arrivals) > 1 else 0.0
    achieved = (len(arrivals) - 1) / span if span else 0.0
    with db.session() as s:
        states = dict(s.execute(select(Delivery.state, func.count()).where(
            Delivery.broadcast_id == bid).group_by(Delivery.state)).all())
    current, peak = rss_mb()
    print(f"delivered          {len(sends)} in {span:.1f} s (wall {wall:.1f} s incl. start-up)")
    print(f"achieved rate      {achieved:.2f} msg/s = {100 * achieved / rate:.1f}% of {rate:g}")
    print(f"max starts in 1 s  {max_in_window(loa.delivery.starts)} (worker clock), "
          f"{max_in_window(arrivals)} (arrivals at the server); limit {rate:g}")
    print(f"throttled (429)    {tg.throttled} answered by the server, "
          f"{loa.delivery.stats.rate_limited} seen by the worker")
    print(f"max in flight      {tg.max_in_flight} (server side, bound {in_flight})")
    print(f"duplicates         {duplicates}")
    print(f"lost               {lost}")
    print(f"delivery states    {states}")
    print(f"RSS                {current:.0f} MB now, {peak:.0f} MB peak")
    await app.stop()
    await app.shutdown()           # writes the last conversation state …
    await app.post_shutdown(app)   # … before the services close (PTB's own order)
    db.dispose()
    await tg.stop()
    return 0 if duplicates == 0 and lost == 0 and tg.throttled == 0 else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="1,000 recipients instead of 10,000")
    p.add_argument("-n", type=int, default=None, help="number of recipients")
    p.add_argument("--rate", type=float, default=Settings().send_rate,
                   help="the send budget (LOA_SEND_RATE)")
    p.add_argument("--latency", type=float, default=0.15)
    p.add_argument("--in-flight", type=int, default=Settings().broadcast_in_flight)
    p.add_argument("--db", default=os.environ.get("LOA_BENCH_DB"), help="database URL")
    p.add_argument("--no-limits", action="store_true", help="the fake server never answers 429")
    a = p.parse_args()
    n = a.n or (1000 if a.quick else 10_000)
    return asyncio.run(run(n, a.rate, a.latency, a.in_flight, a.db, not a.no_limits))


if __name__ == "__main__":
    sys.exit(main())
