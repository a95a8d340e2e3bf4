"""A province on one bot: the unit import, /tonghop at province and commune level, a province
broadcast to everyone through the fake Bot API, and the bot's memory.

    python bench/bench_province.py              # 1 province, 100 communes, 2,000 chi bộ,
                                                # 20,000 members, 12 months of reports (~50,000)
    python bench/bench_province.py --small      # a tenth of that
    python bench/bench_province.py --full-broadcast   # send to all 20,000 (about 12 min)
    python bench/bench_province.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Steps (numbers printed as it goes):
1. `loa units import` of a CSV (header name,parent,kind; the province first), timed through the
   real command line; then the tree is checked: every unit once, with the parent and kind its line
   gives (the bench stops if not).
2. 20,000 members (10 per chi bộ, one reporter each) and ~50,000 reports over the last 12 months
   (each chi bộ reports 1-3 times a month, 8 % of them stay silent a month), bulk-inserted.
3. /tonghop by the province board (LOA_ADMIN_IDS) and by one commune's board, each through the
   real Application and the fake Bot API (time until the last message of the reply arrives), and
   ReportsService.summary() alone: p50/p95 on SQLite, and on PostgreSQL when reachable.
4. A province broadcast to every member: by default the first --sample messages are sent at the
   send budget and the rest cancelled (a full run at Telegram's 30/s takes about 12 minutes;
   --full-broadcast does it): msg/s vs the limit, 429s, duplicates, lost.
5. RSS of this process (the bot without the embedding model; broadcasts and reports do not use it).
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_broadcast import NoIndex, max_in_window  # noqa: E402
from bench.measure import percentile, rss_mb  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import Database  # noqa: E402
from tests.faketg import TOKEN, FakeTelegram, FakeUser  # noqa: E402
from tests.test_broadcast import broadcast_sends  # noqa: E402

PROVINCE = "Ban Tuyên giáo và Dân vận Tỉnh ủy"
ADMIN = 9_100_001            # the province board (LOA_ADMIN_IDS)
COMMUNE_ADMIN = 9_100_002    # the board of the first commune
FIRST_MEMBER = 20_000_000


def commune_name(i: int) -> str:
    return f"Đảng ủy xã {i + 1:03d}"


def chibo_name(c: int, j: int) -> str:
    return f"Chi bộ {j + 1:02d} xã {c + 1:03d}"


def write_csv(path: Path, communes: int, per_commune: int) -> int:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "parent", "kind"])
        w.writerow([PROVINCE, "", "tinh"])
        n = 1
        for c in range(communes):
            w.writerow([commune_name(c), PROVINCE, "xa_phuong"])
            n += 1
            for j in range(per_commune):
                w.writerow([chibo_name(c, j), commune_name(c), "chi_bo"])
                n += 1
    return n


def import_units(settings: Settings, db: Database, path: Path) -> float:
    """Time `loa units import` (the command line, as an operator runs it), then check the tree."""
    import contextlib
    import io

    from bot.cli import main
    env = {"LOA_DATABASE_URL": settings.database_url}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            rc = main(["units", "import", str(path)])
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    seconds = time.perf_counter() - t0
    if rc != 0:
        raise SystemExit(f"loa units import failed ({rc})")
    check_tree(db, path)
    return seconds


def check_tree(db: Database, path: Path) -> None:
    """Every line of the CSV is one unit with the line's parent and kind; nothing else."""
    from sqlalchemy import select

    from bot.db.models import Unit
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    with db.read() as s:
        units = s.execute(select(Unit.id, Unit.name, Unit.kind, Unit.parent_id)).all()
    by_id = {u.id: u for u in units}
    by_name = Counter(u.name for u in units)
    problems = []
    if len(units) != len(rows):
        problems.append(f"{len(units)} units in the database for {len(rows)} lines")
    problems += [f"{n!r} {k} times" for n, k in by_name.items() if k > 1]
    got = {u.name: u for u in units}
    for r in rows:
        u = got.get(r["name"])
        if u is None:
            problems.append(f"{r['name']!r} missing")
            continue
        parent = by_id[u.parent_id].name if u.parent_id in by_id else ""
        if parent != r["parent"]:
            problems.append(f"{r['name']!r} under {parent!r}, not {r['parent']!r}")
        if u.kind != r["kind"]:
            problems.append(f"{r['name']!r} is {u.kind!r}, not {r['kind']!r}")
    if problems:
        raise SystemExit(f"loa units import: wrong tree ({len(problems)} problems): "
                         + "; ".join(problems[:5]))


def populate(db: Database, members_per_chibo: int, months: int, seed: int = 7) -> tuple[int, int]:
    """Members and reports, bulk-inserted; (members, reports)."""
    from sqlalchemy import insert, select

    from bot.db.models import ROLE_ADMIN, Member, Report, Unit, utcnow
    rnd = random.Random(seed)
    with db.read() as s:
        units = s.execute(select(Unit.id, Unit.name, Unit.kind, Unit.parent_id)).all()
    chibo = [u for u in units if u.kind == "chi_bo"]
    first_commune = next(u.id for u in units if u.name == commune_name(0))
    now = utcnow()
    members, tid = [], FIRST_MEMBER
    for u in chibo:
        for k in range(members_per_chibo):
            members.append(dict(telegram_id=tid, chat_id=tid, full_name=f"Đảng viên {tid}",
                                unit_id=u.id, role="member", active=True, unreachable=False,
                                is_reporter=k == 0, joined_at=now))
            tid += 1
    members.append(dict(telegram_id=COMMUNE_ADMIN, chat_id=COMMUNE_ADMIN, full_name="Ban xã 1",
                        unit_id=first_commune, board_unit_id=first_commune, role=ROLE_ADMIN,
                        active=True, unreachable=False, is_reporter=False, joined_at=now))
    with db.session() as s:
        for k in range(0, len(members), 5000):
            s.execute(insert(Member), members[k:k + 5000])
    with db.read() as s:
        reporter = dict(s.execute(select(Member.unit_id, Member.id)
                                  .where(Member.is_reporter.is_(True))).all())
    forms = list(Settings().report_forms)
    today = date.today()
    reports = []
    for m in range(months):
        first = (today.replace(day=1) - timedelta(days=31 * m)).replace(day=1)
        days = 28
        for u in chibo:
            if rnd.random() < 0.08:
                continue        # silent this month
            for _ in range(rnd.choice((1, 2, 2, 3, 3))):
                d = first + timedelta(days=rnd.randrange(days))
                if d > today:
                    d = today
                reports.append(dict(unit_id=u.id, member_id=reporter[u.id], activity_date=d,
                                    form=rnd.choice(forms), participants=rnd.randint(10, 120),
                                    content="Quán triệt Chỉ thị 30-CT/TW về tuyên truyền miệng",
                                    photos=[], created_at=now))
    with db.session() as s:
        for k in range(0, len(reports), 5000):
            s.execute(insert(Report), reports[k:k + 5000])
    return len(members), len(reports)


async def start_bot(settings: Settings, db: Database, tg: FakeTelegram):
    from bot.app import build_application
    from bot.context import Loa
    loa = Loa.build(settings, kb=NoIndex(), db=db)
    app = build_application(settings, loa, owns_db=False)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=0.2, allowed_updates=None)
    return app, loa


async def stop_bot(app) -> None:
    if app.updater.running:
        await app.updater.stop()
    await app.stop()
    await app.shutdown()
    await app.post_shutdown(app)


async def time_tonghop(tg: FakeTelegram, user: FakeUser, runs: int) -> tuple[list[float], int]:
    """Seconds from /tonghop until its last message arrived, per run; messages per reply."""
    out, parts = [], 0
    for _ in range(runs):
        await asyncio.sleep(0.3)
        mark = tg.mark()
        t0 = time.perf_counter()
        await user.send("/tonghop")
        # The reply ends with the "not reported" block or "all reported".
        await tg.wait_for(lambda c: c.chat_id == user.id and c.method == "sendMessage" and (
            "Chưa báo cáo" in (c.text or "") or "đã báo cáo. 👍" in (c.text or "")), mark, 120)
        out.append(time.perf_counter() - t0)
        parts = len([c for c in tg.sent(chat_id=user.id, since=mark) if c.method == "sendMessage"])
    return out, parts


def time_service(loa, tid: int, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        loa.reports.board_summary(tid, "")
        out.append(time.perf_counter() - t0)
    return out


def show(label: str, values: list[float]) -> None:
    print(f"{label:44s} p50 {percentile(values, 50) * 1000:7.1f} ms   "
          f"p95 {percentile(values, 95) * 1000:7.1f} ms   ({len(values)} runs)")


async def bench_db(url: str, a, tmp: Path, broadcast: bool) -> int:
    from sqlalchemy import func, select

    from bot.db.models import Delivery, Report
    from bot.services.broadcasts import Draft
    db = Database(url)
    db.upgrade()
    print(f"\n== {db.backend} ==")
    path = tmp / "units.csv"
    n_units = write_csv(path, a.communes, a.per_commune)
    settings = Settings(token=TOKEN, database_url=url, admin_ids=frozenset({ADMIN}),
                        knowledge_dir=tmp, index_dir=tmp / "index", flood_limit=100_000,
                        send_rate=a.rate, broadcast_poll=0.5)
    seconds = import_units(settings, db, path)
    print(f"loa units import ({n_units} units)          {seconds:.1f} s  "
          f"(tree checked: parents and kinds as in the CSV)")
    t0 = time.perf_counter()
    n_members, n_reports = populate(db, a.members_per_chibo, a.months)
    print(f"members {n_members}, reports {n_reports} inserted in "
          f"{time.perf_counter() - t0:.1f} s")

    # Telegram's 30/s overall is enforced; its per-chat pacing is left out (chat_gap 0): it
    # allows short bursts to one private chat, which a many-message reply is.
    tg = await FakeTelegram(send_latency=a.latency, limits=True, chat_gap=0.0).start()
    from dataclasses import replace
    settings = replace(settings, api_url=tg.api_url, file_url=tg.file_url)
    app, loa = await start_bot(settings, db, tg)
    province = FakeUser(tg, ADMIN, "Ban Tuyên giáo tỉnh")
    commune = FakeUser(tg, COMMUNE_ADMIN, "Ban Tuyên giáo xã")
    await time_tonghop(tg, province, 1)             # warm-up
    s = loa.reports.board_summary(ADMIN, "")
    c = loa.reports.board_summary(COMMUNE_ADMIN, "")
    print(f"province view: {len(s.units)} rows, {s.count} activities this month, "
          f"{s.units_reported}/{s.units_total} units reported; commune view: {len(c.units)} rows")
    times, parts = await time_tonghop(tg, province, a.runs)
    show(f"/tonghop province via Bot API ({parts} msgs)", times)
    times, parts = await time_tonghop(tg, commune, a.runs)
    show(f"/tonghop commune via Bot API ({parts} msgs)", times)
    show("summary() province, this month", await asyncio.to_thread(time_service, loa, ADMIN,
                                                                    a.runs))
    show("summary() commune, this month", await asyncio.to_thread(time_service, loa,
                                                                   COMMUNE_ADMIN, a.runs))
    year = []
    for _ in range(max(3, a.runs // 4)):
        t0 = time.perf_counter()
        await asyncio.to_thread(loa.reports.board_summary, ADMIN, str(date.today().year))
        year.append(time.perf_counter() - t0)
    show("summary() province, this year", year)
    with db.read() as ss:
        assert ss.scalar(select(func.count(Report.id))) == n_reports

    rc = 0
    if broadcast:
        await asyncio.sleep(1.5)    # the replies above out of Telegram's one-second window
        mark = tg.mark()
        loa.delivery.starts = []
        t0 = time.perf_counter()
        bid = loa.broadcasts.queue(None, Draft(text="Nội dung định hướng – tỉnh")).id
        target = n_members if a.full_broadcast else min(a.sample, n_members)

        def progress():
            with db.session() as ss:
                rows = dict(ss.execute(select(Delivery.state, func.count()).where(
                    Delivery.broadcast_id == bid).group_by(Delivery.state)).all())
            return rows

        queued_at = None
        while True:
            await asyncio.sleep(0.5)
            st = await asyncio.to_thread(progress)
            total = sum(st.values())
            if total and queued_at is None:
                queued_at = time.perf_counter() - t0
            if total and not st.get("queued") and not st.get("sending"):
                break
            if not a.full_broadcast and st.get("sent", 0) >= target:
                await asyncio.to_thread(loa.broadcasts.cancel, None, bid)
            if time.perf_counter() - t0 > n_members / a.rate * 3 + 120:
                print("TIMEOUT: broadcast did not finish")
                rc = 1
                break
        sends = broadcast_sends(tg, mark)
        arrivals = [x.at for x in sends]
        per_chat = Counter(x.chat_id for x in sends)
        duplicates = sum(v - 1 for v in per_chat.values() if v > 1)
        st = await asyncio.to_thread(progress)
        span = (max(arrivals) - min(arrivals)) if len(arrivals) > 1 else 0.0
        rate = (len(arrivals) - 1) / span if span else 0.0
        sent_rows = st.get("sent", 0)
        lost = sent_rows - len(per_chat)          # marked sent but never arrived
        if a.full_broadcast:
            lost += n_members - len(per_chat)     # members who got nothing at all
        print(f"broadcast to {n_members}: deliveries queued in {queued_at:.1f} s; "
              f"{'all' if a.full_broadcast else 'first ' + str(len(sends))} sent "
              f"in {span:.1f} s")
        print(f"  achieved rate       {rate:.2f} msg/s = {100 * rate / a.rate:.1f}% of the "
              f"{a.rate:g}/s budget (Telegram's limit 30/s)")
        print(f"  max in any 1 s      {max_in_window(arrivals)} at the server")
        print(f"  throttled (429)     {tg.throttled}")
        print(f"  duplicates          {duplicates}")
        print(f"  lost                {lost}")
        print(f"  delivery states     {st}")
        if duplicates or lost:
            rc = 1
    cur, peak = rss_mb()
    print(f"RSS                                          {cur:.0f} MB now, {peak:.0f} MB peak")
    await stop_bot(app)
    db.dispose()
    await tg.stop()
    return rc


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--small", action="store_true", help="10 communes, 200 chi bộ, 2,000 members")
    p.add_argument("--runs", type=int, default=20, help="/tonghop runs per level")
    p.add_argument("--rate", type=float, default=Settings().send_rate)
    p.add_argument("--latency", type=float, default=0.15, help="seconds per Bot API call")
    p.add_argument("--sample", type=int, default=3000,
                   help="broadcast messages sent before the rest is cancelled")
    p.add_argument("--full-broadcast", action="store_true", help="send to every member")
    p.add_argument("--pg-url", default=os.environ.get("LOA_BENCH_PG"),
                   help="PostgreSQL server URL (default: the tests' 127.0.0.1:5432 if reachable)")
    p.add_argument("--no-pg", action="store_true")
    a = p.parse_args()
    a.communes, a.per_commune = (10, 20) if a.small else (100, 20)
    a.members_per_chibo, a.months = 10, 12
    tmp = Path(tempfile.mkdtemp(prefix="loa-province-"))
    print(f"province: 1 + {a.communes} communes + {a.communes * a.per_commune} chi bộ, "
          f"{a.communes * a.per_commune * a.members_per_chibo} members, {a.months} months")
    rc = asyncio.run(bench_db(f"sqlite:///{tmp}/province.db", a, tmp, broadcast=True))
    if not a.no_pg:
        from tests import pg
        ok, why = pg.available()
        if a.pg_url or ok:
            url = pg.create_database() if not a.pg_url else a.pg_url
            try:
                rc |= asyncio.run(bench_db(url, a, tmp, broadcast=False))
            finally:
                if not a.pg_url:
                    pg.drop_database(url)
        else:
            print(f"\nPostgreSQL not reachable ({why}): skipped")
    return rc


if __name__ == "__main__":
    sys.exit(main())
