"""Knowledge-engine numbers: build throughput, `ask` latency, memory, and dev-set quality.

    python bench/bench_index.py              # everything (a few minutes on 2 cores)
    python bench/bench_index.py --devset     # only the dev-set numbers (hit@3, abstention)
    python bench/bench_index.py --latency    # only ask p50/p95 at ~1,000 chunks (side-by-side comparisons)
    python bench/bench_index.py --synthetic 5000
    python bench/bench_index.py --synthetic 100000 --synthetic-only   # that section alone

Sections:
  real       knowledge/ (the plan) with the default model: build chunks/s, ask p50/p95, RSS.
  processes  fresh `loa ask` processes (wall time, peak RSS, torch imported or not) and a real `loa run`
             against the fake Bot API answering questions (RSS).
  synthetic  ~1,000 and ~20,000 chunks of generated administrative documents. Passage vectors there come from a
             deterministic stand-in of the same dimension (384), because embedding 20,000 passages takes
             tens of minutes on this machine; the real model's passage throughput is measured on a sample
             (one engine thread and all allowed threads) and the full build time extrapolated. Questions
             are still encoded by the real model, so ask latency covers the real path: diacritics
             restoration, query encoding, BM25, FAISS over 20k x 384, fusion.
  devset     tests/devset.json over knowledge/ plus the sample documents: hit@1/hit@3 for lexical only,
             fused and dense only, and abstention accuracy across coverage thresholds.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import random
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer import IndexConfig, KnowledgeBase  # noqa: E402
from indexer.embeddings import DEFAULT_MODEL, embed_threads, load_embedder, register_model  # noqa: E402
from indexer.evaluation import evaluate, load_devset  # noqa: E402
from indexer.reader import read_document  # noqa: E402
from indexer.service import DEFAULT_FUSION, search_text  # noqa: E402
from indexer.structure import parse_document, slug  # noqa: E402

DEVSET = ROOT / "tests" / "devset.json"


def rss_mb() -> float:
    """Resident memory after returning freed heap to the OS (so build garbage is not counted)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def samples_module():
    spec = importlib.util.spec_from_file_location("loa_knowledge_samples", ROOT / "tests/fixtures/knowledge/build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.array(values), p))


class TimedEncoder:
    """The snapshot's embedder, its query encoding timed: what an ask spends after it is the issue's bound."""

    def __init__(self, inner):
        self.inner = inner
        self.spent = 0.0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode_queries(self, texts):
        t = time.perf_counter()
        try:
            return self.inner.encode_queries(texts)
        finally:
            self.spent += time.perf_counter() - t


def time_asks(kb: KnowledgeBase, questions: list[str], cpu: list[float] | None = None,
              slowest: list[tuple[float, str]] | None = None, after: list[float] | None = None) -> tuple[float, float, float]:
    """Wall p50/p95/max in ms; `cpu` gets each ask's process CPU time (all threads), which a busy machine
    stretches far less than wall time; `slowest` the three slowest (ms, question); `after` each ask's wall time
    after its query encoding."""
    kb.ask("khởi động")  # first call pays lazy imports
    snapshot = kb._current()
    timed = snapshot.embedder = TimedEncoder(snapshot.embedder)
    times = []
    try:
        for q in questions:
            timed.spent = 0.0
            t, c = time.perf_counter(), time.process_time()
            kb.ask(q)
            times.append((time.perf_counter() - t) * 1000)
            if cpu is not None:
                cpu.append((time.process_time() - c) * 1000)
            if after is not None:
                after.append(times[-1] - timed.spent * 1000)
    finally:
        snapshot.embedder = timed.inner
    if slowest is not None:
        slowest += sorted(zip(times, questions), reverse=True)[:3]
    return percentile(times, 50), percentile(times, 95), max(times)


def latency_lines(kb: KnowledgeBase, questions: list[str]) -> list[str]:
    """Full ask on new questions, split at the query encoding, and ask with the query vector cached."""
    encoder = kb.embedder()
    enc = []
    for q in questions:
        t = time.perf_counter()
        encoder.encode_queries([q + " ·"])
        enc.append((time.perf_counter() - t) * 1000)
    load = os.getloadavg()[0]
    cpu_new: list[float] = []
    cpu_cached: list[float] = []
    slowest: list[tuple[float, str]] = []
    after: list[float] = []
    p50, p95, worst = time_asks(kb, questions, cpu_new, slowest, after)
    c50, c95, cmax = time_asks(kb, questions, cpu_cached)  # same questions again: vectors come from the cache
    return [
        f"ask, new questions: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms ({len(questions)} questions)",
        f"  after query encoding (diacritics, BM25, HNSW/FAISS, fusion, answer): p50 {percentile(after, 50):.1f} ms, "
        f"p95 {percentile(after, 95):.1f} ms, max {max(after):.1f} ms",
        f"  of which query encoding alone: p50 {percentile(enc, 50):.1f} ms, p95 {percentile(enc, 95):.1f} ms",
        f"  ask with the query vector cached (BM25 + FAISS + fusion + answer): p50 {c50:.1f} ms, p95 {c95:.1f} ms, "
        f"max {cmax:.1f} ms",
        f"  CPU time per ask (all threads): new questions p50 {percentile(cpu_new, 50):.1f} ms, "
        f"p95 {percentile(cpu_new, 95):.1f} ms; vector cached p50 {percentile(cpu_cached, 50):.1f} ms, "
        f"p95 {percentile(cpu_cached, 95):.1f} ms",
        f"  slowest new questions: {'; '.join(f'{ms:.0f} ms {q[:50]!r}' for ms, q in slowest)}",
        f"  (load average while measuring: {load:.1f} on {os.cpu_count()} cores)",
    ]


def devset_questions() -> list[str]:
    return [q.question for q in load_devset(DEVSET)]


# --- real knowledge ----------------------------------------------------------------------------

def bench_real(tmp: Path) -> None:
    print("== real knowledge (knowledge/), model", DEFAULT_MODEL)
    t = time.perf_counter()
    load_embedder(DEFAULT_MODEL)
    print(f"model load: {time.perf_counter() - t:.1f} s")
    kb = KnowledgeBase(IndexConfig(ROOT / "knowledge", tmp / "real" / "index"))
    report = kb.build()
    print(f"build: {report.chunks} chunks from {report.documents} documents in {report.seconds:.2f} s "
          f"= {report.chunks / report.seconds:.1f} chunks/s (embedding included)")
    again = kb.build()
    print(f"rebuild with nothing changed: {again.seconds * 1000:.0f} ms (reused {len(again.files_reused)} files)")
    for line in latency_lines(kb, devset_questions()):
        print(line)
    print(f"RSS {rss_mb():.0f} MB (peak {peak_rss_mb():.0f} MB)")


# --- processes: `loa ask` and `loa run` ---------------------------------------------------------

def bench_processes(tmp: Path) -> None:
    """Fresh `loa ask` processes and a real `loa run` process against the fake Bot API."""
    import asyncio
    import subprocess

    print("\n== processes (default model, knowledge/)")
    index = tmp / "real" / "index"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOA_", "TELEGRAM_"))}
    env.update(LOA_INDEX_DIR=str(index), LOA_KNOWLEDGE_DIR=str(ROOT / "knowledge"),
               LOA_DATABASE_URL=f"sqlite:///{tmp / 'ask.db'}", PYTHONPATH=str(ROOT))
    probe = ("import runpy, sys; sys.argv = ['loa', 'ask', sys.argv[1]]; "
             "import atexit; atexit.register(lambda: print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', "
             "file=sys.stderr)); from bot.cli import main; sys.exit(main(sys.argv[1:]))")
    walls, peaks, torch_seen = [], [], set()
    for q in ["chi thi 30 do ai ban hanh", "Nhiệm vụ của tuyên truyền viên nòng cốt là gì",
              "Trung tâm Văn hóa, Thể thao và Truyền thông thị xã có nhiệm vụ gì"] * 2:
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", probe, q], cwd=tmp, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        _, _, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - t)
        peaks.append(usage.ru_maxrss / 1024)
        out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
        proc.returncode = 0
        torch_seen.add("torch imported" if "TORCH" in err.split() else "no torch")
        assert "Nguồn" in out, (out, err)
    print(f"`loa ask` in a fresh process: wall p50 {percentile(walls, 50):.2f} s, max {max(walls):.2f} s "
          f"({len(walls)} runs); peak RSS {max(peaks):.0f} MB; {', '.join(sorted(torch_seen))}")

    sys.path.insert(0, str(ROOT))
    from tests.botproc import spawn_bot, stop_bot
    from tests.faketg import FakeTelegram, FakeUser

    async def run() -> None:
        tg = await FakeTelegram().start()
        bot = spawn_bot(tg, f"sqlite:///{tmp / 'run.db'}", tmp, LOA_INDEX_DIR=str(index),
                        LOA_KNOWLEDGE_DIR=str(ROOT / "knowledge"), LOA_OPEN_QA="true", LOA_FLOOD_LIMIT="100000")
        try:
            await tg.wait_for(lambda c: c.method == "getUpdates", timeout=120)
            idle = _proc_rss(bot.pid)
            user = FakeUser(tg, 9_100_001, "Người hỏi")
            times = []
            for i, q in enumerate(devset_questions()):
                t = time.perf_counter()
                await user.reply(f"{q} ({i})", timeout=60)
                times.append((time.perf_counter() - t) * 1000)
            rss, peak = _proc_rss(bot.pid)
            print(f"`loa run`: RSS {idle[0]:.0f} MB started, {rss:.0f} MB after {len(times)} questions "
                  f"(peak {peak:.0f} MB); reply p50 {percentile(times, 50):.0f} ms, p95 {percentile(times, 95):.0f} ms "
                  f"through the fake Bot API")
        finally:
            stop_bot(bot)
            await tg.stop()

    asyncio.run(run())


def _proc_rss(pid: int) -> tuple[float, float]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


# --- synthetic corpus ----------------------------------------------------------------------------

PLACES = ["Thuận Thành", "Gia Bình", "Lương Tài", "Quế Võ", "Tiên Du", "Từ Sơn", "Yên Phong", "Bắc Ninh"]
UNITS = ["Hà Mãn", "Trí Quả", "Xuân Lâm", "Song Hồ", "Gia Đông", "Thanh Khương", "Trạm Lộ", "Ninh Xá", "Mão Điền",
         "An Bình", "Nguyệt Đức", "Đình Tổ", "Hoài Thượng", "Ngũ Thái", "Song Liễu", "Đại Đồng Thành"]
TOPICS = ["chuyển đổi số", "xây dựng nông thôn mới", "bảo vệ môi trường", "an toàn giao thông", "phòng, chống ma túy",
          "cải cách hành chính", "xây dựng văn hóa công sở", "phát triển kinh tế tập thể", "bảo hiểm xã hội",
          "phòng, chống dịch bệnh", "khuyến học, khuyến tài", "dân vận khéo", "quốc phòng toàn dân"]
TYPES = [("KẾ HOẠCH", "KH"), ("HƯỚNG DẪN", "HD"), ("CHỈ THỊ", "CT"), ("THÔNG BÁO", "TB"), ("BÁO CÁO", "BC")]
ROMAN = ["I", "II", "III", "IV"]


def sentence_pool() -> list[str]:
    """Body sentences of the real plan and the samples, to recombine."""
    samples = samples_module()
    folder = samples.build_knowledge(Path(tempfile.mkdtemp()) / "k")
    pool = []
    for f in sorted(folder.iterdir()):
        doc = parse_document(read_document(f), slug(f.stem), f.name)
        for c in doc.chunks:
            if c.kind == "body":
                pool += [line.lstrip("-+ ").strip() for line in c.text.split("\n")[1:] if len(line) > 40]
    return pool


def synthetic_corpus(folder: Path, target_chunks: int, seed: int = 7) -> int:
    """Write administrative-looking .txt documents totalling about `target_chunks` chunks."""
    rng = random.Random(seed)
    pool = sentence_pool()
    folder.mkdir(parents=True, exist_ok=True)
    per_doc = 4 * 4 + 4  # items + header, basis, recipients, signature
    n_docs = max(1, target_chunks // per_doc)
    for d in range(n_docs):
        kind, code = rng.choice(TYPES)
        topic, place, unit = rng.choice(TOPICS), rng.choice(PLACES), rng.choice(UNITS)
        lines = [f"ĐẢNG ỦY XÃ {unit.upper()}", f"Số {d + 1}-{code}/ĐU",
                 f"{place}, ngày {rng.randint(1, 28)} tháng {rng.randint(1, 12)} năm {rng.choice([2023, 2024, 2025])}",
                 kind, f"Về việc thực hiện công tác {topic} năm {rng.choice([2024, 2025])} tại xã {unit}",
                 f"- Căn cứ Kế hoạch số {rng.randint(1, 300)}-KH/TU của Ban Thường vụ Thị ủy về {topic};",
                 f"Đảng ủy xã {unit} triển khai như sau:"]
        for part in ROMAN:
            lines.append(f"{part}. {rng.choice(['MỤC ĐÍCH, YÊU CẦU', 'NỘI DUNG', 'NHIỆM VỤ, GIẢI PHÁP', 'TỔ CHỨC THỰC HIỆN'])}")
            for item in range(1, 5):
                lines.append(f"{item}. {rng.choice(pool)[:90].rsplit(' ', 1)[0]} về {topic}")
                for _ in range(rng.randint(1, 3)):
                    lines.append(f"- {rng.choice(pool)} Thôn {rng.randint(1, 12)} xã {rng.choice(UNITS)} thực hiện "
                                 f"xong trước ngày {rng.randint(1, 28)}/{rng.randint(1, 12)}/2025.")
        lines += ["Nơi nhận:", "- Ban Thường vụ Thị ủy (báo cáo),", f"- Các chi bộ trực thuộc xã {unit},", "- Lưu VP.",
                  "T/M ĐẢNG ỦY", "BÍ THƯ", f"{rng.choice(['Nguyễn', 'Trần', 'Lê', 'Phạm'])} Văn {rng.choice(['An', 'Bình', 'Cường', 'Dũng'])}"]
        (folder / f"vb-{d:05d}.txt").write_text("\n\n".join(lines), encoding="utf-8")
    return n_docs


class QueryModelStandIn:
    """The real default model for questions; a deterministic pseudo-random unit vector per passage."""

    def __init__(self):
        self.real = load_embedder(DEFAULT_MODEL)._encoder
        self.dimension = self.real.dimension

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.real.encode_queries(texts)

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dimension)
        return out


def update_lines(kb: KnowledgeBase, knowledge: Path, embed_rate: float | None = None) -> list[str]:
    """What a board's upload costs while the bot serves: one file changed, then one added, each re-indexed and
    served (`build`, which loads the new version, timed whole); then a fresh process loading the index, and
    `loa index` merging the delta into a new base. Passage vectors come from the stand-in: the real model's
    time for the file's own chunks is added from `embed_rate` when known."""
    out = []
    kb.ask("khởi động")
    files = sorted(knowledge.iterdir())
    changed, added = files[len(files) // 2], knowledge / "zz-moi.txt"

    def change() -> None:
        changed.write_text(changed.read_text(encoding="utf-8") + "\n\nBổ sung.", encoding="utf-8")

    def add() -> None:
        added.write_text(files[1].read_text(encoding="utf-8").replace("Số ", "Số 9", 1), encoding="utf-8")

    for label, touch in (("one file changed", change), ("one file added", add)):
        touch()
        t = time.perf_counter()
        report = kb.build()
        wall = time.perf_counter() - t
        stored = kb._current().stored
        kind = f"a delta of {stored.manifest['delta']['chunks']} chunks" if stored.is_delta else "a full build"
        embed = (f" + ~{report.chunks_embedded / embed_rate:.1f} s of real embedding"
                 if embed_rate and report.chunks_embedded else "")
        out.append(f"{label}: re-indexed and serving in {wall:.2f} s (build {report.seconds:.2f} s, then load "
                   f"{wall - report.seconds:.2f} s; embedded {report.chunks_embedded} chunks{embed}; {kind})")
    out.append(f"RSS serving base + delta after both: {rss_mb():.0f} MB (peak so far {peak_rss_mb():.0f} MB)")
    t = time.perf_counter()
    fresh = KnowledgeBase(kb.config)
    fresh.load()
    out.append(f"load by a new KnowledgeBase, as a restarted bot (base + delta): {time.perf_counter() - t:.2f} s")
    del fresh
    t = time.perf_counter()
    merged = kb.build(merge=True)
    out.append(f"`loa index` merging the delta into a new base: {time.perf_counter() - t:.2f} s "
               f"(build {merged.seconds:.2f} s)")
    return out


def bench_synthetic_small(tmp: Path, target: int = 1000) -> None:
    """Latency, upload and load times at the issue's first target size."""
    print(f"\n== synthetic corpus, ~{target} chunks (latency)")
    synthetic_corpus(tmp / "syn1k" / "knowledge", target)
    register_model("bench-e5-queries", QueryModelStandIn)
    kb = KnowledgeBase(IndexConfig(tmp / "syn1k" / "knowledge", tmp / "syn1k" / "index", model="bench-e5-queries"))
    report = kb.build()
    t = time.perf_counter()
    KnowledgeBase(kb.config).load()
    print(f"{report.chunks} chunks: load index {time.perf_counter() - t:.2f} s")
    for line in update_lines(kb, tmp / "syn1k" / "knowledge"):
        print(line)
    rng = random.Random(5)
    pool = sentence_pool()
    questions = [f"{q} ({i})" for i, q in enumerate(devset_questions())]
    questions += [" ".join(rng.choice(pool).split()[:rng.randint(5, 12)]) + f" xã {rng.choice(UNITS)}" for _ in range(60)]
    for line in latency_lines(kb, questions):
        print(line)


def passage_rates(texts: list[str]) -> float:
    """Passages/s of the default model with one engine thread and with all allowed threads (fresh processes,
    because the engine reads its thread count when it loads). Returns the all-threads rate."""
    import json
    import subprocess

    sample = Path(tempfile.mkdtemp()) / "texts.json"
    sample.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    code = ("import json, sys, time; from indexer.embeddings import load_embedder; e = load_embedder();"
            "e.encode_passages(['khởi động']); t = json.load(open(sys.argv[1], encoding='utf-8'));"
            "s = time.perf_counter(); e.encode_passages(t); print(len(t) / (time.perf_counter() - s))")
    rate = 0.0
    for threads in ("1", str(embed_threads())):
        env = {**os.environ, "LOA_EMBED_THREADS": threads}
        out = subprocess.run([sys.executable, "-c", code, str(sample)], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=True).stdout
        rate = float(out.strip())
        print(f"default model passage embedding, {threads} thread(s): {rate:.1f} chunks/s "
              f"(sample of {len(texts)} chunks, batches of 64)")
    return rate


def bench_synthetic(tmp: Path, target: int, memory_questions: int = 0) -> None:
    print(f"\n== synthetic corpus, ~{target} chunks")
    t = time.perf_counter()
    n_docs = synthetic_corpus(tmp / "syn" / "knowledge", target)
    print(f"generated {n_docs} documents in {time.perf_counter() - t:.1f} s")

    # Real passage-embedding throughput, measured on a sample of the synthetic chunks.
    files = sorted((tmp / "syn" / "knowledge").iterdir())[:6]
    chunks, docs = [], {}
    for f in files:
        parsed = parse_document(read_document(f), slug(f.stem), f.name)
        docs[parsed.info.doc_id] = parsed.info
        chunks += parsed.chunks
    texts = [search_text(c, docs[c.doc_id]) for c in chunks]
    embed_rate = passage_rates(texts)

    register_model("bench-e5-queries", QueryModelStandIn)
    kb = KnowledgeBase(IndexConfig(tmp / "syn" / "knowledge", tmp / "syn" / "index", model="bench-e5-queries"))
    report = kb.build()
    other_rate = report.chunks / report.seconds
    print(f"build without real embedding: {report.chunks} chunks in {report.seconds:.1f} s = {other_rate:.0f} chunks/s "
          f"(read, parse, tokens, BM25, FAISS, write)")
    total = report.chunks / embed_rate + report.seconds
    print(f"full build with the real model, extrapolated: {total / 60:.1f} min = {report.chunks / total:.1f} chunks/s")
    t = time.perf_counter()
    kb.build()
    print(f"incremental rebuild, nothing changed: {time.perf_counter() - t:.2f} s")
    (tmp / "syn" / "knowledge" / "vb-00000.txt").write_text(
        (tmp / "syn" / "knowledge" / "vb-00000.txt").read_text(encoding="utf-8") + "\n\nBổ sung.", encoding="utf-8")
    again = kb.build(merge=True)
    print(f"full rebuild, one file changed (`loa index`): {again.seconds:.1f} s "
          f"(re-embedded {again.chunks_embedded} chunks)")
    for line in update_lines(kb, tmp / "syn" / "knowledge", embed_rate):
        print(line)
    del kb
    rss_before = rss_mb()
    t = time.perf_counter()
    kb = KnowledgeBase(IndexConfig(tmp / "syn" / "knowledge", tmp / "syn" / "index", model="bench-e5-queries"))
    kb.load()
    print(f"load index: {time.perf_counter() - t:.2f} s; memory of the loaded index: {rss_mb() - rss_before:.0f} MB")
    rng = random.Random(3)
    pool = sentence_pool()
    questions = [f"{q} ({i})" for i, q in enumerate(devset_questions())]
    questions += [" ".join(rng.choice(pool).split()[:rng.randint(5, 12)]) + f" xã {rng.choice(UNITS)}" for _ in range(130)]
    print(f"at {report.chunks} chunks (vocabulary {len(kb._current().stored.lexical.vocab)} terms, "
          f"{len(kb._current().stored.lexical.postings)} postings), real query encoding:")
    for line in latency_lines(kb, questions):
        print(line)
    print(f"RSS {rss_mb():.0f} MB (peak during the build {peak_rss_mb():.0f} MB)")
    if memory_questions:
        print(memory_line(kb, pool, memory_questions))


def memory_line(kb: KnowledgeBase, pool: list[str], n: int) -> str:
    """Resident memory before and after `n` distinct new questions: what the caches keep must stay bounded."""
    rng = random.Random(11)
    before = rss_mb()
    t = time.perf_counter()
    for i in range(n):
        kb.ask(" ".join(rng.choice(pool).split()[:rng.randint(4, 14)]) + f" xã {rng.choice(UNITS)} ({i})")
    seconds = time.perf_counter() - t
    after = rss_mb()
    catalogue = kb._catalogue(kb._current())
    kept = sum(len(v) for v in vars(catalogue).values() if isinstance(v, dict) and hasattr(v, "size"))
    return (f"memory after {n} more distinct questions ({seconds / n * 1000:.0f} ms each): RSS {before:.0f} -> "
            f"{after:.0f} MB ({after - before:+.0f} MB); the catalogue keeps {kept} entries, the chunk reader "
            f"{len(kb._current().chunks._recent)} passages, the query vector cache {len(kb._current()._qcache)}")


# --- dev set ----------------------------------------------------------------------------------

def bench_devset(tmp: Path) -> None:
    print("\n== dev set:", DEVSET.relative_to(ROOT))
    folder = samples_module().build_knowledge(tmp / "dev" / "knowledge")
    kb = KnowledgeBase(IndexConfig(folder, tmp / "dev" / "index"))
    report = kb.build()
    questions = load_devset(DEVSET)
    kinds = {}
    for q in questions:
        kinds[q.type] = kinds.get(q.type, 0) + 1
    print(f"{len(questions)} questions {kinds} over {report.documents} documents / {report.chunks} chunks")
    for label, alpha in (("lexical only", 0.0), ("fused (adaptive)", DEFAULT_FUSION.alpha), ("dense only", 1.0)):
        scores = evaluate(kb, questions, replace(DEFAULT_FUSION, alpha=alpha))
        print(f"{label:16} {scores.line()}")
    print("fixed-weight sweep (hit@1 / hit@3):", "  ".join(
        f"{a:.2f}: {s.hit_at_1:.3f}/{s.hit_at_3:.3f}"
        for a in (0.0, 0.1, 0.2, 0.3, 0.5, 0.7) for s in [evaluate(kb, questions, replace(DEFAULT_FUSION, alpha=a))]))
    tops = [(q, kb.search(q.question, 1)[0]) for q in questions]
    worst_unans = max(h.coverage for q, h in tops if not q.answerable)
    least_ans = min(h.coverage for q, h in tops if q.answerable)
    print(f"top-hit coverage: highest among unanswerable {worst_unans:.3f}, lowest among answerable {least_ans:.3f} "
          f"(the answer decision itself: bench/bench_answers.py)")
    fused = evaluate(kb, questions, DEFAULT_FUSION)
    print("per question type (hit@3; unanswerable: share declined):",
          "  ".join(f"{k}: {v:.3f}" for k, v in fused.by_type.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devset", action="store_true", help="only the dev-set numbers")
    parser.add_argument("--latency", action="store_true",
                        help="only the question latency at ~1,000 chunks (encoding vs the rest), a minute or two")
    parser.add_argument("--synthetic", type=int, default=20000, help="synthetic corpus size in chunks (0 = skip)")
    parser.add_argument("--synthetic-only", action="store_true", help="only the synthetic corpus section")
    parser.add_argument("--memory-questions", type=int, default=2000,
                        help="distinct questions asked of the synthetic index to see its memory grow (0 = skip)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        if args.devset:
            bench_devset(tmp_path)
            return 0
        if args.latency:
            bench_synthetic_small(tmp_path)
            return 0
        if args.synthetic_only:
            bench_synthetic(tmp_path, args.synthetic, args.memory_questions)
            return 0
        bench_real(tmp_path)
        bench_processes(tmp_path)
        bench_synthetic_small(tmp_path)
        if args.synthetic:
            bench_synthetic(tmp_path, args.synthetic, args.memory_questions)
        bench_devset(tmp_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
