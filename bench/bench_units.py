"""Bench: a province's unit tree in the services (1 province, 100 communes, 20 chi bộ each):
`loa units import` of the CSV (first time, again), the tree listing, a commune board's scope and
the per-question work scoping adds (the asker's reach, other units' documents, the nearest
board), on SQLite and (when reachable) PostgreSQL. Prints numbers; asserts nothing about speed.

    .venv/bin/python bench/bench_units.py [--communes 100] [--chibo 20] [--db sqlite|postgresql|both]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.measure import percentile  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.db.models import ROLE_ADMIN, Member, Unit  # noqa: E402
from bot.services.members import MembersService  # noqa: E402


def tree_csv(communes: int, chibo: int) -> str:
    rows = ["name,parent,kind", "Ban Tuyên giáo và Dân vận Tỉnh ủy,,tinh"]
    for c in range(1, communes + 1):
        rows.append(f"Đảng ủy xã {c},Ban Tuyên giáo và Dân vận Tỉnh ủy,xa_phuong")
        rows += [f"Chi bộ Thôn {k},Đảng ủy xã {c},chi_bo" for k in range(1, chibo + 1)]
    return "\n".join(rows) + "\n"


def timed(fn, *args, **kw) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t, out


def run(url: str, label: str, communes: int, chibo: int) -> None:
    db = Database(url)
    db.upgrade()
    members = MembersService(db, frozenset({1}))
    csv = tree_csv(communes, chibo)
    first, results = timed(members.import_units, csv)
    again, _ = timed(members.import_units, csv)
    listing, units = timed(members.units)
    print(f"[{label}] units import: {len(results)} units in {first:.2f} s "
          f"({len(results) / first:.0f}/s); again (nothing new) {again:.2f} s; "
          f"tree listing {listing * 1000:.0f} ms")
    with db.session() as s:
        commune = s.scalar(select(Unit.id).where(Unit.name == "Đảng ủy xã 1"))
        chi_bo = s.scalar(select(Unit.id).where(Unit.parent_id == commune).limit(1))
        s.add(Member(telegram_id=2, chat_id=2, full_name="Ban xã 1", role=ROLE_ADMIN,
                     unit_id=commune, board_unit_id=commune))
        s.add(Member(telegram_id=3, chat_id=3, full_name="Đảng viên", unit_id=chi_bo))
    scope_ms, nearest_ms, reach_ms = [], [], []
    from bot.scope import path
    for _ in range(200):
        d, _ = timed(members.scope, 2)
        scope_ms.append(d * 1000)
        with db.read() as s:
            d, board = timed(members.nearest_board, s, chi_bo)
            nearest_ms.append(d * 1000)
            d, _ = timed(lambda: frozenset(u.id for u in path(s, chi_bo)))
            reach_ms.append(d * 1000)
    assert board == commune
    for name, xs in (("commune board scope()", scope_ms), ("nearest board of a chi bộ", nearest_ms),
                     ("asker's reach (unit path)", reach_ms)):
        print(f"[{label}] {name}: p50 {statistics.median(xs):.2f} ms, p95 {percentile(xs, 95):.2f} ms")
    db.dispose()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--communes", type=int, default=100)
    p.add_argument("--chibo", type=int, default=20)
    p.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = p.parse_args()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", "sqlite", args.communes, args.chibo)
    if args.db in ("postgresql", "both"):
        from tests import pg
        ok, why = pg.available()
        if not ok:
            print(f"[postgresql] skipped: not reachable ({why})")
            return 0
        url = pg.create_database()
        try:
            run(url, "postgresql", args.communes, args.chibo)
        finally:
            pg.drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
