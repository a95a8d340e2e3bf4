"""Bench: the desk's overview page at province size (100 communes × 30 chi bộ, 30,000 members, a
month of reports, a broadcast to everyone, 200 open questions); prints p50/p95 of the page over
HTTP for the top-level board and for one commune's board, and the service call alone.

    .venv/bin/python bench/bench_desk.py [--communes 100] [--branches 30] [--members 10]
                                         [--requests 40] [--db sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import aiohttp  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from bench.measure import percentile, rss_mb  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.context import Loa  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.db.models import (  # noqa: E402
    B_DONE, D_SENT, Q_OPEN, ROLE_ADMIN, Broadcast, Delivery, Member, Question, Report, Unit,
)
from bot.web import auth  # noqa: E402
from bot.web.server import DeskServer  # noqa: E402
from tests.faketg import TOKEN  # noqa: E402

TOP = 1_000_000_000
COMMUNE_ADMIN = 1_000_000_001


def populate(db: Database, communes: int, branches: int, per_branch: int, today) -> None:
    now = datetime.now(timezone.utc)
    with db.session() as s:
        root = Unit(name="Tỉnh", kind="tinh")
        s.add(root)
        s.flush()
        s.execute(insert(Unit), [{"name": f"Xã {c:03d}", "parent_id": root.id, "kind": "xa",
                                  "active": True, "created_at": now} for c in range(communes)])
        commune_ids = list(s.scalars(select(Unit.id).where(Unit.parent_id == root.id)
                                     .order_by(Unit.id)))
        s.execute(insert(Unit), [{"name": f"Chi bộ {c:03d}-{b:02d}", "parent_id": cid,
                                  "kind": "chi_bo", "active": True, "created_at": now}
                                 for c, cid in enumerate(commune_ids) for b in range(branches)])
        branch_ids = list(s.scalars(select(Unit.id).where(Unit.kind == "chi_bo")))
        s.execute(insert(Member), [{"telegram_id": 2_000_000 + i * per_branch + j,
                                    "chat_id": 2_000_000 + i * per_branch + j,
                                    "full_name": f"Người {i}-{j}", "unit_id": bid,
                                    "role": "member", "is_reporter": j == 0, "active": True,
                                    "unreachable": False, "joined_at": now}
                                   for i, bid in enumerate(branch_ids) for j in range(per_branch)])
        s.add(Member(telegram_id=COMMUNE_ADMIN, chat_id=COMMUNE_ADMIN, full_name="Ban xã",
                     role=ROLE_ADMIN, unit_id=commune_ids[0], board_unit_id=commune_ids[0]))
        members = s.execute(select(Member.id, Member.unit_id, Member.telegram_id)).all()
        reporters = {u: m for m, u, _ in members if u in set(branch_ids)}
        s.execute(insert(Report), [{"unit_id": u, "member_id": m, "activity_date": today,
                                    "form": "Hội nghị", "content": "Quán triệt", "participants": 30,
                                    "photos": [], "created_at": now}
                                   for k, (u, m) in enumerate(reporters.items()) if k % 5 != 0
                                   for _ in range(2)])
        b = Broadcast(kind="text", text="Nội dung định hướng", audience={"all": True},
                      status=B_DONE, created_at=now, started_at=now)
        s.add(b)
        s.flush()
        s.execute(insert(Delivery), [{"broadcast_id": b.id, "member_id": m, "chat_id": tid,
                                      "state": D_SENT, "attempts": 1, "sent_at": now,
                                      "acked_at": now if m % 3 else None}
                                     for m, _, tid in members])
        s.execute(insert(Question), [{"member_id": m, "telegram_id": tid, "chat_id": tid,
                                      "text": f"Câu hỏi {k}", "status": Q_OPEN, "created_at": now}
                                     for k, (m, _, tid) in enumerate(members[:200])])


async def timed_pages(url: str, telegram_id: int, n: int) -> list[float]:
    cookie = {"Cookie": f"{auth.COOKIE}={auth.make_session(telegram_id, TOKEN)}"}
    out = []
    async with aiohttp.ClientSession() as http:
        for _ in range(n):
            t = time.perf_counter()
            async with http.get(url + "/", headers=cookie) as r:
                body = await r.text()
                assert r.status == 200 and 'id="reports"' in body, r.status
            out.append((time.perf_counter() - t) * 1000)
    return out


def line(label: str, ms: list[float]) -> str:
    return (f"{label:<34} p50 {percentile(ms, 50):7.1f} ms   p95 {percentile(ms, 95):7.1f} ms"
            f"   ({len(ms)} requests)")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--communes", type=int, default=100)
    ap.add_argument("--branches", type=int, default=30)
    ap.add_argument("--members", type=int, default=10)
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db == "postgresql":
            from tests import pg
            ok, why = pg.available()
            if not ok:
                print(f"PostgreSQL not reachable ({why}); skipped")
                return
            url = pg.create_database()
        else:
            url = f"sqlite:///{tmp}/desk.db"
        settings = Settings(token=TOKEN, database_url=url, admin_ids=frozenset({TOP}),
                            web_port=0, index_dir=Path(tmp) / "noidx",
                            knowledge_dir=Path(tmp) / "none")
        db = Database(url)
        db.upgrade()
        t = time.perf_counter()
        loa = Loa.build(settings, db=db)
        populate(db, args.communes, args.branches, args.members, loa.reports.today())
        with db.read() as s:
            from sqlalchemy import func
            counts = [s.scalar(select(func.count()).select_from(m)) for m in
                      (Unit, Member, Report, Delivery, Question)]
        print(f"database ({args.db}): {counts[0]} units, {counts[1]} members, {counts[2]} reports, "
              f"{counts[3]} deliveries, {counts[4]} open questions "
              f"(built in {time.perf_counter() - t:.1f} s)")
        server = DeskServer(loa)
        await server.start()
        try:
            period = loa.desk.period("")
            svc = []
            for _ in range(max(5, args.requests // 4)):
                t = time.perf_counter()
                loa.desk.overview(TOP, period)
                svc.append((time.perf_counter() - t) * 1000)
            print(line("service overview, top board", svc))
            print(line("GET / top board (100 communes)", await timed_pages(server.url, TOP,
                                                                          args.requests)))
            print(line("GET / one commune's board", await timed_pages(server.url, COMMUNE_ADMIN,
                                                                     args.requests)))
            print(f"RSS {rss_mb()[0]:.0f} MB (peak {rss_mb()[1]:.0f} MB)")
        finally:
            await server.stop()
            loa.close()
            if args.db == "postgresql":
                from tests import pg
                pg.drop_database(url)


if __name__ == "__main__":
    asyncio.run(main())
