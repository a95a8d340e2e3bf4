"""Questions under load: 200 simulated users asking at once through the fake Bot API.

    python bench/bench_qa.py                      # 200 users x 3 questions, 0.1 s per send
    python bench/bench_qa.py --users 50 --rounds 2 --latency 0
    python bench/bench_qa.py --db postgresql+psycopg://postgres@127.0.0.1:5432/loa_bench

Everything runs in this process, as in the tests: the fake Telegram server, the real PTB
Application polling it, the real index (built over knowledge/ in a temporary folder, with the
packaged embedding model) and SQLite (or the given database). Every user is a registered member;
they all send their first question at the same moment, then each sends the next one as soon as
the previous answer arrives. A quarter of the questions are not covered by the documents, so the
hand-off path (store + notify the board) is part of the mix.

Printed: replies/s, time from update to the bot's first reply (p50/p95/max, measured at the fake
server), answers by kind, and the RSS of the process (current and peak).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import percentile, rss_mb  # noqa: E402

from tests.conftest import make_settings, start_harness, stop_harness  # noqa: E402
from tests.faketg import FakeTelegram, FakeUser  # noqa: E402

QUESTIONS = [
    "Chỉ thị 30 do ai ban hành?",
    "chi thi 30 do ai ban hanh",
    "nhiệm vụ của Trung tâm Văn hóa, Thể thao và Truyền thông thị xã",
    "nhiem vu cua ban tuyen giao thi uy",
    "mục đích yêu cầu của kế hoạch là gì",
    "kien toan doi ngu bao cao vien tuyen truyen vien nhu the nao",
    "Phụ cấp hàng tháng cho tuyên truyền viên là bao nhiêu tiền?",
    "hội thi tuyên truyền viên giỏi năm nay tổ chức ở đâu",
]






def kind(text: str) -> str:
    if "📄 Ban Tuyên giáo Thị ủy (trả lời" in text:
        return "faq"
    if "<blockquote>" in text:
        return "docs"
    if "chưa có nội dung trả lời" in text:
        return "hand-off"
    return "other"


async def user_loop(u: FakeUser, rounds: int, offset: int,
                    latencies: list[float], kinds: Counter, start: asyncio.Event) -> None:
    await start.wait()
    for r in range(rounds):
        question = QUESTIONS[(offset + r) % len(QUESTIONS)]
        fut = u.expect_message()
        sent_at = time.monotonic()
        await u.tg.push({"message": u.message(question)})
        call = await asyncio.wait_for(fut, timeout=300)
        latencies.append(call.at - sent_at)
        kinds[kind(call.text)] += 1


async def main(args) -> None:
    from indexer import IndexConfig, KnowledgeBase

    tmp = Path(tempfile.mkdtemp(prefix="loa-bench-qa-"))
    t0 = time.perf_counter()
    kb = KnowledgeBase(IndexConfig(knowledge_dir=ROOT / "knowledge", index_dir=tmp / "index"))
    report = kb.build()
    print(f"index: {report.documents} documents, {report.chunks} chunks, "
          f"built in {time.perf_counter() - t0:.1f}s")
    db_url = args.db or f"sqlite:///{tmp / 'bench.db'}"
    settings = make_settings(db_url, kb, flood_limit=10_000,
                             concurrent_updates=args.concurrency,
                             send_rate=10_000)  # the bot's own throughput, not Telegram's limit
    tg = await FakeTelegram(send_latency=args.latency).start()
    h = await start_harness(settings, kb, tg=tg)
    try:
        members = h.loa.members
        units = [f"Chi bộ Khu phố {i}" for i in range(1, 11)]
        for name in units:
            members.add_unit(name)
        users = []
        for i in range(args.users):
            u = h.user(f"Tuyên truyền viên {i}")
            inv = members.create_invite(units[i % len(units)])
            members.join(inv.code, u.id, u.id, u.first_name, None)
            users.append(u)
        # Warm-up: the first query loads the model's kernels; not part of the numbers.
        await users[0].reply(QUESTIONS[0])
        rss_before, _ = rss_mb()

        latencies: list[float] = []
        kinds: Counter = Counter()
        start = asyncio.Event()
        tasks = [asyncio.create_task(user_loop(u, args.rounds, i, latencies, kinds, start))
                 for i, u in enumerate(users)]
        began = time.monotonic()
        cpu_began = resource.getrusage(resource.RUSAGE_SELF)
        start.set()
        await asyncio.gather(*tasks)
        wall = time.monotonic() - began
        cpu_end = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (cpu_end.ru_utime - cpu_began.ru_utime) + (cpu_end.ru_stime - cpu_began.ru_stime)
        rss_now, rss_peak = rss_mb()

        # Let the last hand-off notices reach the board before reporting and shutting down.
        def notices() -> int:
            return sum(1 for c in tg.sent(h.admin.id, "sendMessage") if "Câu hỏi mới" in c.text)
        deadline = time.monotonic() + 60
        while notices() < kinds["hand-off"] and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

        n = len(latencies)
        print(f"users: {args.users}, questions each: {args.rounds}, send latency: "
              f"{args.latency * 1000:.0f} ms, database: {h.loa.db.backend}, "
              f"concurrent updates: {args.concurrency}")
        print(f"replies: {n} in {wall:.2f}s -> {n / wall:.1f} replies/s")
        print(f"update -> first reply: p50 {statistics.median(latencies) * 1000:.0f} ms, "
              f"p95 {percentile(latencies, 95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
        print(f"CPU of this process (bot + fake server): {cpu:.1f} s = {cpu / n * 1000:.0f} ms "
              f"per question, {cpu / wall:.2f} cores busy on average")
        print("answers: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
        print(f"admin notices sent: {notices()} (one per hand-off)")
        print(f"RSS: {rss_now:.0f} MB now (before the load {rss_before:.0f} MB), "
              f"peak {rss_peak:.0f} MB")
        load = os.getloadavg()
        print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} "
              "(other work on the machine slows the numbers down)")
    finally:
        await stop_harness(h)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--latency", type=float, default=0.1, help="seconds per send* at the fake server")
    p.add_argument("--concurrency", type=int, default=16,
                   help="updates handled at once (PTB concurrent_updates; the bot's default is 16)")
    p.add_argument("--db", default="", help="database URL (default: SQLite in a temp folder)")
    asyncio.run(main(p.parse_args()))
