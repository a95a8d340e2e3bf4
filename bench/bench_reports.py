"""Bench: 200 simulated reporters send 2,000 quick-line reports (line + ✅ each) through the fake
Telegram server to the real Application; prints reports/s, latency percentiles and a count check.

    .venv/bin/python bench/bench_reports.py [--db sqlite|postgresql] [--reporters 200]
                                            [--reports 2000] [--latency 0.0]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import percentile  # noqa: E402
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from sqlalchemy import func, select  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.context import Loa  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db.models import Report, ReportAudit, ReportDraft  # noqa: E402
from tests.faketg import TOKEN, Call, FakeTelegram, FakeUser  # noqa: E402

SAVED_RE = re.compile(r"Đã lưu báo cáo số (\d+)")


class Watcher:
    """One task reads the server's call log and wakes the reporter waiting on that chat."""

    def __init__(self, tg: FakeTelegram):
        self.tg = tg
        self.waiting: dict[int, tuple] = {}
        self.pos = 0
        self.task = asyncio.create_task(self._run())

    def expect(self, chat_id: int, pred) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.waiting[chat_id] = (pred, fut)
        return fut

    async def _run(self):
        while True:
            calls = self.tg.calls
            while self.pos < len(calls):
                c: Call = calls[self.pos]
                self.pos += 1
                w = self.waiting.get(c.chat_id) if c.status == 200 else None
                if w and w[0](c):
                    del self.waiting[c.chat_id]
                    if not w[1].done():
                        w[1].set_result((c, time.perf_counter()))
            await asyncio.sleep(0.002)




async def reporter(tg, watcher, user, unit_index, jobs, forms, today, lat, errors, confirmed):
    from datetime import timedelta
    for k in jobs:
        # One report per (unit, day, form): none is a likely duplicate of another.
        d = today - timedelta(days=k // len(forms))
        line = (f"/baocao {d.strftime('%d/%m/%Y')} | {forms[k % len(forms)]} | "
                f"Tuyên truyền chuyên đề {k} tại tổ dân phố {unit_index} | {10 + k % 90} người")
        t0 = time.perf_counter()
        fut = watcher.expect(user.id, lambda c: c.method == "sendMessage")
        await tg.push({"message": user.message(line)})
        preview, t1 = await asyncio.wait_for(fut, 60)
        if "Kiểm tra báo cáo" not in preview.text:
            errors.append(preview.text[:120])
            continue
        fut = watcher.expect(user.id, lambda c: bool(SAVED_RE.search(c.text))
                             or c.method == "answerCallbackQuery")
        t2 = time.perf_counter()
        await user.press(preview, "Lưu", wait=False)
        done, t3 = await asyncio.wait_for(fut, 60)
        m = SAVED_RE.search(done.text)
        if not m:
            errors.append(str(done.params)[:120])
            continue
        confirmed.append(int(m.group(1)))
        lat["preview"].append(t1 - t0)
        lat["confirm"].append(t3 - t2)
        lat["total"].append(t3 - t0)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--reporters", type=int, default=200)
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--units", type=int, default=40)
    ap.add_argument("--latency", type=float, default=0.0, help="fake server delay per call (s)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    tmp = Path(tempfile.mkdtemp(prefix="bench_reports_"))
    pg_url = None
    if args.db == "postgresql":
        from tests import pg
        ok, why = pg.available()
        if not ok:
            print(f"PostgreSQL not reachable: {why}")
            return
        pg_url = pg.create_database()
    db_url = pg_url or f"sqlite:///{tmp / 'loa.db'}"
    tg = await FakeTelegram(latency=args.latency).start()
    settings = Settings(token=TOKEN, api_url=tg.api_url, file_url=tg.file_url,
                        database_url=db_url, admin_ids=frozenset({9000001}),
                        index_dir=tmp / "no-index", knowledge_dir=tmp / "no-knowledge",
                        flood_limit=100000, bot_username="loa_test_bot",
                        send_rate=10_000)  # the bot's own throughput, not Telegram's limit
    loa = Loa.build(settings)
    loa.db.upgrade()
    app = build_application(settings, loa, owns_db=True)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1)

    users = []
    for i in range(args.reporters):
        unit = f"Chi bộ Khu phố {i % args.units + 1}"
        loa.members.add_unit(unit)
        inv = loa.members.create_invite(unit, is_reporter=True)
        loa.members.join(inv.code, 6_000_000 + i, 6_000_000 + i, f"Báo cáo viên {i}", None)
        users.append((FakeUser(tg, 6_000_000 + i, f"Báo cáo viên {i}"), i % args.units))
    # Number reports per unit so each (unit, day, form) is used once.
    counters: dict[int, int] = {}
    jobs: dict[int, list[int]] = {i: [] for i in range(args.reporters)}
    for n in range(args.reports):
        i = n % args.reporters
        unit = users[i][1]
        jobs[i].append(counters.get(unit, 0))
        counters[unit] = counters.get(unit, 0) + 1

    watcher = Watcher(tg)
    lat: dict[str, list[float]] = {"preview": [], "confirm": [], "total": []}
    errors: list[str] = []
    confirmed: list[int] = []
    forms = list(settings.report_forms)
    today = loa.reports.today()
    t0 = time.perf_counter()
    await asyncio.gather(*(reporter(tg, watcher, u, unit, jobs[i], forms, today, lat, errors,
                                    confirmed)
                           for i, (u, unit) in enumerate(users)))
    elapsed = time.perf_counter() - t0
    watcher.task.cancel()

    with loa.db.session() as s:
        stored = s.scalar(select(func.count()).select_from(Report))
        distinct_drafts = s.scalar(select(func.count(func.distinct(Report.draft_id))))
        audits = s.scalar(select(func.count()).select_from(ReportAudit))
        saved_drafts = s.scalar(select(func.count()).select_from(ReportDraft)
                                .where(ReportDraft.status == "saved"))
        ids = set(s.scalars(select(Report.id)))
    once = (stored == len(confirmed) == distinct_drafts == audits == saved_drafts
            and set(confirmed) == ids and len(set(confirmed)) == len(confirmed))

    await app.updater.stop()
    await app.stop()
    await app.shutdown()           # writes the last conversation state …
    await app.post_shutdown(app)   # … before the services close (PTB's own order)
    await tg.stop()
    if pg_url:
        from tests import pg
        pg.drop_database(pg_url)

    ms = lambda v: f"{1000 * v:.0f} ms"  # noqa: E731
    print(f"backend: {args.db}  reporters: {args.reporters}  reports: {args.reports}  "
          f"units: {args.units}  fake-server latency: {args.latency * 1000:.0f} ms/call")
    print(f"elapsed: {elapsed:.1f} s   throughput: {len(confirmed) / elapsed:.1f} reports/s "
          f"(each = quick line + ✅, {2 * len(confirmed) / elapsed:.1f} updates/s)")
    for name, label in (("preview", "line -> preview"), ("confirm", "✅ -> saved"),
                        ("total", "line -> saved")):
        v = lat[name]
        if v:
            print(f"{label:16s} p50 {ms(statistics.median(v))}  p95 {ms(percentile(v, 95))}  "
                  f"max {ms(max(v))}")
    print(f"confirmed: {len(confirmed)}  stored: {stored}  distinct drafts: {distinct_drafts}  "
          f"audit rows: {audits}  errors: {len(errors)}")
    print("count check:", "OK – every confirmed report stored exactly once" if once else "FAILED")
    for e in errors[:5]:
        print("  error:", e)
    if not once or errors:
        sys.exit(1)


if __name__ == "__main__":
    asyncio.run(main())
