"""Hand-offs under load: do many questions for the board slow everyone else down?

    python bench/bench_handoffs.py                       # 0, 30 and 130 hand-offs
    python bench/bench_handoffs.py --handoffs 130 -n 2000

For each number of hand-offs, a fresh bot (the real Application and delivery worker, the real
index of knowledge/ and its model) against the fake Telegram Bot API with Telegram's limits
enforced (30 msg/s overall, 1 msg/s per chat): a broadcast to `-n` members is queued, then over
`--spread` seconds 300 members ask (of them, `handoffs` ask what no document answers, so the
question goes to the one board member's chat) and 200 members send a quick-line report. Printed:
the reply latency (update → the bot's first message to that member) p50/p95/max for questions and
reports, the broadcast's rate, the 429s (overall, and in the board's chat), how many messages the
board's chat got (single notices + folded ones), and that every hand-off reached the board once.
Target: replies and the broadcast as fast with 130 hand-offs as with none.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_broadcast import max_in_window  # noqa: E402
from bench.measure import percentile  # noqa: E402
from tests.faketg import TOKEN, FakeTelegram, FakeUser  # noqa: E402
from tests.test_broadcast import add_members, broadcast_sends  # noqa: E402

ADMIN = 9_100_001
TEXT = "Nội dung định hướng tuần này – bench hand-off"
ANSWERABLE = ["chi thi 30 do ai ban hanh", "muc dich yeu cau cua ke hoach la gi",
              "kien toan doi ngu bao cao vien nhu the nao", "nhiệm vụ của Ban Tuyên giáo Thị ủy"]


class Routed:
    """The real knowledge base; the bench's off-topic questions are declined by a decision that
    never answers (so exactly `handoffs` questions reach the board, whatever today's model says)."""

    def __init__(self, kb):
        from indexer.decision import load_model
        self._kb = kb
        self._decline = replace(load_model(), sure=1.01, related=1.01)

    def ask(self, question: str, **kwargs):
        if "giá phân bón" in question:
            kwargs["model"] = self._decline
        return self._kb.ask(question, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._kb, name)


def pct(values: list[float], p: float) -> float:
    return percentile(sorted(values), p) if values else float("nan")


async def one_run(kb, n: int, handoffs: int, spread: float, latency: float) -> dict:
    from bot.app import build_application
    from bot.config import Settings
    from bot.context import Loa
    from bot.db import Database
    from bot.services.broadcasts import Draft

    tmp = tempfile.mkdtemp(prefix="loa-bench-handoffs-")
    url = f"sqlite:///{tmp}/bench.db"
    tg = await FakeTelegram(send_latency=latency, limits=True).start()
    settings = Settings(token=TOKEN, database_url=url, api_url=tg.api_url, file_url=tg.file_url,
                        admin_ids=frozenset({ADMIN}), broadcast_poll=0.5, web_port=0,
                        flood_limit=1000, handoff_daily_limit=0,
                        knowledge_dir=kb.config.knowledge_dir, index_dir=kb.config.index_dir)
    db = Database(url)
    db.upgrade()
    loa = Loa.build(settings, kb=Routed(kb), db=db)
    app = build_application(settings, loa, owns_db=False)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=0.2, allowed_updates=None)
    admin = FakeUser(tg, ADMIN, "Ban Tuyên giáo")
    await admin.reply("/start", timeout=60)
    await asyncio.sleep(1.1)
    ids = add_members(db, n, "Chi bộ Bench", first_id=8_000_000)
    rng = random.Random(7)
    askers, reporters = ids[:300], ids[300:500]
    to_board = set(rng.sample(range(300), handoffs))
    mark = tg.mark()
    t0 = time.monotonic()
    bid = loa.broadcasts.queue(None, Draft(text=TEXT)).id
    waits: dict[str, list[float]] = {"question": [], "report": []}
    missed = 0

    async def act(kind: str, uid: int, text: str, at: float) -> None:
        nonlocal missed
        await asyncio.sleep(at)
        got = tg.expect(lambda c: c.chat_id == uid and c.method == "sendMessage"
                        and TEXT not in (c.text or ""))
        started = time.monotonic()
        await FakeUser(tg, uid, f"Người {uid}").send(text)
        try:
            await asyncio.wait_for(got, 180)
            waits[kind].append(time.monotonic() - started)
        except asyncio.TimeoutError:
            missed += 1

    jobs = []
    for i, uid in enumerate(askers):
        text = (f"Giá phân bón ở thôn {i} tháng này là bao nhiêu vậy ạ" if i in to_board
                else ANSWERABLE[i % len(ANSWERABLE)])
        jobs.append(act("question", uid, text, rng.uniform(0, spread)))
    for uid in reporters:
        jobs.append(act("report", uid, "/baocao hôm nay | Hội nghị | quán triệt Chỉ thị 30 | 45",
                        rng.uniform(0, spread)))
    await asyncio.gather(*jobs)

    def left() -> int:
        from sqlalchemy import func, select

        from bot.db.models import Delivery
        with db.read() as s:
            return s.scalar(select(func.count(Delivery.id)).where(
                Delivery.broadcast_id == bid, Delivery.state.in_(["queued", "sending"])))

    while await asyncio.to_thread(left):
        await asyncio.sleep(0.5)
        if time.monotonic() - t0 > n / 10 + 300:
            print("TIMEOUT: broadcast did not finish")
            break
    # The folded notices go when their window ends.
    deadline = time.monotonic() + 70
    board = []
    numbers: list[int] = []
    while time.monotonic() < deadline:
        board = [c for c in tg.sent(chat_id=ADMIN, since=mark)
                 if c.method == "sendMessage" and TEXT not in c.text]
        numbers = [int(a or b) for c in board for a, b in
                   re.findall(r"Câu hỏi mới số (\d+)|<b>(\d+)\.</b>", c.text)]
        if len(numbers) >= handoffs:
            break
        await asyncio.sleep(0.5)
    sends = broadcast_sends(tg, mark)
    at = [c.at for c in sends]
    span = max(at) - min(at) if len(at) > 1 else 0.0
    result = {
        "handoffs": handoffs,
        "q50": statistics.median(waits["question"]), "q95": pct(waits["question"], 95),
        "qmax": max(waits["question"]),
        "r50": statistics.median(waits["report"]), "r95": pct(waits["report"], 95),
        "rate": (len(at) - 1) / span if span else 0.0, "busiest": max_in_window(at),
        "delivered": len({c.chat_id for c in sends}), "n": n,
        "throttled": tg.throttled,
        "board429": sum(1 for c in tg.calls[mark:] if c.chat_id == ADMIN and c.status == 429),
        "board_msgs": len(board), "noticed": len(set(numbers)), "dup": len(numbers) - len(set(numbers)),
        "missed": missed,
    }
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    await app.post_shutdown(app)
    db.dispose()
    await tg.stop()
    return result


async def run(n: int, counts: list[int], spread: float, latency: float) -> int:
    from indexer import IndexConfig, KnowledgeBase
    index_dir = Path(tempfile.mkdtemp(prefix="loa-bench-index-"))
    kb = KnowledgeBase(IndexConfig(knowledge_dir=ROOT / "knowledge", index_dir=index_dir))
    kb.build()
    print(f"{n} members get a broadcast while 300 ask and 200 report over {spread:g} s; fake "
          f"limits 30/s and 1/s per chat; send latency {latency}s")
    print(f"{'hand-offs':>9} | {'questions p50/p95/max s':>23} | {'reports p50/p95 s':>17} | "
          f"{'broadcast msg/s':>15} | 429s all/board | board msgs | noticed | lost")
    bad = 0
    for h in counts:
        r = await one_run(kb, n, h, spread, latency)
        print(f"{r['handoffs']:>9} | {r['q50']:7.2f} {r['q95']:7.2f} {r['qmax']:7.2f} | "
              f"{r['r50']:8.2f} {r['r95']:8.2f} | {r['rate']:8.1f} ({r['delivered']}/{r['n']}) | "
              f"{r['throttled']:>6} /{r['board429']:>3} | {r['board_msgs']:>10} | "
              f"{r['noticed']:>3}/{h:<3} | {r['missed']}")
        bad += r["missed"] + (r["noticed"] != h) + r["dup"] + (r["delivered"] < n)
    return 1 if bad else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=2000, help="members the broadcast goes to")
    p.add_argument("--handoffs", default="0,30,130", help="comma-separated hand-off counts")
    p.add_argument("--spread", type=float, default=30.0, help="seconds the 500 actions spread over")
    p.add_argument("--latency", type=float, default=0.1, help="fake server latency per send")
    a = p.parse_args()
    counts = [int(x) for x in a.handoffs.split(",") if x.strip()]
    return asyncio.run(run(a.n, counts, a.spread, a.latency))


if __name__ == "__main__":
    sys.exit(main())
